"""``MemoryLedger``: the public in-memory fake, for tests and for ``memory://``.

It passes the same contract suite as the SQL store (the outbox's part is in
:mod:`~twiliokit.ledger.outbox_memory`, mixed in). Each ``write`` runs without awaiting, so
on one event loop it is as atomic as a database transaction. Nothing survives the process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from twiliokit.ledger.outbox_memory import MemoryOutbox
from twiliokit.ledger.records import (
    BatchResult,
    CallRecord,
    CallStatusEvent,
    ConversationItem,
    Direction,
    IdempotencyState,
    IdempotentRequest,
    LedgerBatch,
    LedgerQuery,
    MessageRecord,
    OptOut,
    OptOutAction,
    OptOutEvent,
    StatusEvent,
    StatusOutcome,
    StatusSource,
    WebhookDelivery,
    require_utc,
)
from twiliokit.ledger.rows import opt_out_from_row
from twiliokit.ledger.rules import StatusState, advance, merge_record
from twiliokit.ledger.store import BaseLedger, check_limit

__all__ = ["MemoryLedger"]

# An event in either history, keyed by (sid, status value).
_Event = StatusEvent | CallStatusEvent
_E = TypeVar("_E", StatusEvent, CallStatusEvent)
_R = TypeVar("_R", MessageRecord, CallRecord)


class MemoryLedger(MemoryOutbox, BaseLedger):
    """A ledger held in dictionaries; see :class:`twiliokit.ledger.LedgerStore`."""

    def __init__(self) -> None:
        super().__init__()
        self._messages: dict[str, MessageRecord] = {}
        self._calls: dict[str, CallRecord] = {}
        self._status: dict[str, StatusState] = {}
        self._events: dict[tuple[str, str], _Event] = {}
        self._claims: set[tuple[str, str]] = set()
        self._webhooks: list[WebhookDelivery] = []
        self._consent: list[OptOutEvent] = []
        self._opted_out: dict[tuple[str, str], OptOutEvent] = {}
        self._idempotent: dict[str, IdempotentRequest] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryLedger(messages={len(self._messages)}, calls={len(self._calls)})"

    # -- writes ----------------------------------------------------------------------------

    async def write(self, batch: LedgerBatch) -> BatchResult:
        self._check_open()
        if batch.claim is not None:
            key = (batch.claim.kind, batch.claim.key)
            if key in self._claims:
                return BatchResult(claimed=False)
            self._claims.add(key)
        for stub in batch.message_stubs:
            self._messages.setdefault(stub.sid, stub)
        for message in batch.messages:
            self._messages[message.sid] = merge_record(self._messages.get(message.sid), message)
            self._apply(_initial_event(message), from_record=True)
        statuses = tuple(self._apply(event) for event in batch.statuses)
        for call in batch.calls:
            self._calls[call.sid] = _merge_call(self._calls.get(call.sid), call)
            self._apply(_initial_event(call), from_record=True)
        call_statuses = tuple(self._apply(event) for event in batch.call_statuses)
        self._webhooks.extend(batch.webhooks)
        for consent in batch.opt_outs:
            self._record_consent(consent)
        if batch.messages or batch.statuses or batch.calls or batch.call_statuses:
            self._notify()
        return BatchResult(claimed=True, statuses=statuses, call_statuses=call_statuses)

    async def start_idempotent(
        self, request: IdempotentRequest, *, expires_before: datetime
    ) -> IdempotentRequest | None:
        self._check_open()
        held = self._idempotent.get(request.key)
        if held is not None and held.created_at >= expires_before:
            return held
        self._idempotent[request.key] = dataclasses.replace(
            request, state=IdempotencyState.PENDING, output=None
        )
        return None

    async def finish_idempotent(self, key: str, output: dict[str, Any]) -> None:
        self._check_open()
        held = self._idempotent.get(key)
        if held is not None:
            self._idempotent[key] = dataclasses.replace(
                held, state=IdempotencyState.DONE, output=output
            )

    async def forget_idempotent(self, key: str) -> None:
        self._check_open()
        held = self._idempotent.get(key)
        if held is not None and held.state is IdempotencyState.PENDING:
            del self._idempotent[key]

    def _apply(self, event: _Event, *, from_record: bool = False) -> StatusOutcome:
        # A re-recorded resource still updates the state (it may fill in an error code), so
        # only status events are gated on being new.
        key = (event.sid, event.status.value)
        if key in self._events:
            if not from_record:
                return StatusOutcome.DUPLICATE
        else:
            self._events[key] = event
        state = StatusState(
            status=event.status.value,
            rank=event.status.rank,
            at=event.at,
            error_code=event.error_code,
            error_message=event.error_message,
        )
        new = advance(self._status.get(event.sid), state)
        if new is None:
            return StatusOutcome.STALE
        self._status[event.sid] = new
        return StatusOutcome.APPLIED

    def _record_consent(self, event: OptOutEvent) -> None:
        self._consent.append(event)
        if event.action is OptOutAction.HELP:
            return
        key = (event.sender_key, event.recipient)
        latest = self._opted_out.get(key)
        if latest is None or event.at >= latest.at:
            self._opted_out[key] = event

    # -- reads -----------------------------------------------------------------------------

    async def get_message(self, sid: str) -> MessageRecord | None:
        self._check_open()
        data = self._messages.get(sid)
        return None if data is None else self._with_status(data)

    def _with_status(self, data: _R) -> _R:
        """The record as stored, with its current status (which only moves forward)."""
        state = self._status[data.sid]
        return dataclasses.replace(
            data,
            status=type(data.status)(state.status),
            error_code=state.error_code,
            error_message=state.error_message,
            date_updated=_latest(data.date_updated, state.at),
        )

    async def status_history(self, sid: str) -> list[StatusEvent]:
        return self._history(sid, StatusEvent)

    async def get_call(self, sid: str) -> CallRecord | None:
        self._check_open()
        data = self._calls.get(sid)
        return None if data is None else self._with_status(data)

    async def call_status_history(self, sid: str) -> list[CallStatusEvent]:
        return self._history(sid, CallStatusEvent)

    def _history(self, sid: str, kind: type[_E]) -> list[_E]:
        self._check_open()
        return _ordered(e for e in self._events.values() if isinstance(e, kind) and e.sid == sid)

    async def conversation(
        self, contact: str, *, limit: int = 50, before: datetime | None = None
    ) -> list[ConversationItem]:
        messages = await self.search(LedgerQuery(contact=contact, until=before, limit=limit))
        return [
            ConversationItem(message=m, history=tuple(await self.status_history(m.sid)))
            for m in messages
        ]

    async def search(self, query: LedgerQuery) -> list[MessageRecord]:
        self._check_open()
        found = [
            record
            for record in map(self._with_status, self._messages.values())
            if _matches(record, query)
        ]
        found.sort(key=lambda m: (m.date_created, m.sid), reverse=True)
        return found[: query.limit]

    async def webhook_deliveries(
        self, *, sid: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        self._check_open()
        check_limit(limit)
        # Newest first; on equal times the later write first (the sort is stable).
        found = [w for w in reversed(self._webhooks) if sid is None or w.sid == sid]
        found.sort(key=lambda w: w.received_at, reverse=True)
        return found[:limit]

    async def is_opted_out(self, sender_key: str, recipient: str) -> bool:
        self._check_open()
        latest = self._opted_out.get((sender_key, recipient))
        return latest is not None and latest.action is OptOutAction.STOP

    async def list_opt_outs(
        self, *, sender_key: str | None = None, recipient: str | None = None
    ) -> list[OptOut]:
        self._check_open()
        found = [
            opt_out_from_row(e)
            for e in self._opted_out.values()
            if e.action is OptOutAction.STOP
            and (sender_key is None or e.sender_key == sender_key)
            and (recipient is None or e.recipient == recipient)
        ]
        found.sort(key=lambda o: (o.sender_key, o.recipient))
        return found

    async def opt_out_history(
        self, recipient: str, *, sender_key: str | None = None
    ) -> list[OptOutEvent]:
        self._check_open()
        found = [
            e
            for e in self._consent
            if e.recipient == recipient and (sender_key is None or e.sender_key == sender_key)
        ]
        found.sort(key=lambda e: e.at)
        return found

    async def last_inbound_at(
        self, contact: str, our_address: str | None = None
    ) -> datetime | None:
        self._check_open()
        times = [
            m.date_created
            for m in self._messages.values()
            if m.direction is Direction.INBOUND
            and m.from_ == contact
            and (our_address is None or m.to == our_address)
        ]
        return max(times, default=None)

    async def count_outbound_since(self, recipient: str, since: datetime) -> int:
        self._check_open()
        since = require_utc("count_outbound_since", "since", since)
        return sum(
            1
            for m in self._messages.values()
            if m.direction is not Direction.INBOUND
            and m.to == recipient
            and m.date_created >= since
        )

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this MemoryLedger is closed")


def _initial_event(record: MessageRecord | CallRecord) -> _Event:
    """The status a record is recorded with, as an event (learnt from the API's answer, or
    from the webhook of an inbound message)."""
    inbound = isinstance(record, MessageRecord) and record.is_inbound
    fields: dict[str, Any] = {
        "sid": record.sid,
        "at": record.date_updated or record.date_created,
        "source": StatusSource.CALLBACK if inbound else StatusSource.API,
        "error_code": record.error_code,
        "error_message": record.error_message,
    }
    if isinstance(record, CallRecord):
        return CallStatusEvent(status=record.status, **fields)
    return StatusEvent(status=record.status, **fields)


def _merge_call(old: CallRecord | None, new: CallRecord) -> CallRecord:
    if old is None:
        return new
    keep = {
        f.name: getattr(old, f.name)
        for f in dataclasses.fields(CallRecord)
        if f.default is None and getattr(new, f.name) is None
    }
    return dataclasses.replace(new, **keep)


def _ordered(events: Iterable[_E]) -> list[_E]:
    return sorted(events, key=lambda e: (e.status.rank, e.at, e.status.value))


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def _matches(m: MessageRecord, q: LedgerQuery) -> bool:
    return (
        (q.contact is None or m.contact == q.contact)
        and (q.direction is None or m.direction is q.direction)
        and (q.status is None or m.status is q.status)
        and (q.channel is None or m.channel is q.channel)
        and (q.since is None or m.date_created >= q.since)
        and (q.until is None or m.date_created < q.until)
        and (q.text is None or q.text.lower() in (m.body or "").lower())
    )
