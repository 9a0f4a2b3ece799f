"""A group commit's plan: the rows of several batches, per table, in batch order (pure).

:class:`~twiliokit.ledger.sql.SqlLedger` writes a group of batches the runner committed
together with one statement per table (see :mod:`twiliokit.ledger.runners`); this works out
those rows and, once the statements have run, each batch's outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twiliokit.ledger.records import (
    BatchResult,
    LedgerBatch,
    OptOutAction,
    StatusOutcome,
)
from twiliokit.ledger.rows import (
    call_row,
    consent_row,
    event_row,
    message_row,
    opt_out_row,
    record_event_row,
    status_row,
    webhook_row,
)


class GroupPlan:
    """The rows of a group of won batches, per table and in batch order (pure, no I/O).

    A status callback's event is *counted*: when it is new, its status upsert follows and is
    counted too (applied or stale); when not, the outcome is a duplicate. The statuses of
    recorded messages and calls are upserted unconditionally.
    """

    def __init__(self, batches: Sequence[LedgerBatch]) -> None:
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.message_stubs: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []
        self.consents: list[dict[str, Any]] = []
        self.opt_outs: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        # Per event: None (a record's own status), or where its outcome goes.
        self._slots: list[tuple[list[StatusOutcome], int] | None] = []
        self._status_slots: list[tuple[list[StatusOutcome], int] | None] = []
        self._outcomes: list[tuple[list[StatusOutcome], list[StatusOutcome]]] = []
        self.callbacks = False
        for batch in batches:
            statuses = [StatusOutcome.DUPLICATE] * len(batch.statuses)
            call_statuses = [StatusOutcome.DUPLICATE] * len(batch.call_statuses)
            self._outcomes.append((statuses, call_statuses))
            self.message_stubs += [message_row(stub) for stub in batch.message_stubs]
            for message in batch.messages:
                self._event(record_event_row(message), None)
                self.messages.append(message_row(message))
            for n, event in enumerate(batch.statuses):
                self._event(event_row(event), (statuses, n))
            for call in batch.calls:
                self._event(record_event_row(call), None)
                self.calls.append(call_row(call))
            for n, call_event in enumerate(batch.call_statuses):
                self._event(event_row(call_event), (call_statuses, n))
            self.webhooks += [webhook_row(w) for w in batch.webhooks]
            for consent in batch.opt_outs:
                row = consent_row(consent)
                self.consents.append(row)
                if consent.action is not OptOutAction.HELP:
                    self.opt_outs.append(opt_out_row(row))
        self.counted_statuses = False

    def _event(self, row: dict[str, Any], slot: tuple[list[StatusOutcome], int] | None) -> None:
        self.events.append(row)
        self._slots.append(slot)
        self.callbacks = self.callbacks or slot is not None

    def decide(self, new: list[int]) -> None:
        """Given which counted events were new (one count per event; none when nothing is
        counted), the status upserts to run, in order."""
        for index, (row, slot) in enumerate(zip(self.events, self._slots, strict=True)):
            if slot is not None and new[index] != 1:
                continue  # seen before: the outcome stays DUPLICATE
            self.statuses.append(status_row(row))
            self._status_slots.append(slot)
            self.counted_statuses = self.counted_statuses or slot is not None

    def moved(self, counts: list[int]) -> None:
        """Given how many rows each status upsert changed: applied or stale."""
        for slot, count in zip(self._status_slots, counts, strict=True):
            if slot is not None:
                outcomes, n = slot
                outcomes[n] = StatusOutcome.APPLIED if count == 1 else StatusOutcome.STALE

    @property
    def results(self) -> list[BatchResult]:
        """One result per batch, once :meth:`moved` has run (when statuses were counted)."""
        return [
            BatchResult(claimed=True, statuses=tuple(s), call_statuses=tuple(c))
            for s, c in self._outcomes
        ]
