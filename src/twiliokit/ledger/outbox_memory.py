"""The outbox half of :class:`~twiliokit.ledger.memory.MemoryLedger`.

Each operation runs without awaiting, so on one event loop it is as atomic as the SQL store's
transaction; slots and states are decided by :mod:`~twiliokit.ledger.outbox_rules`, as there.
Items are kept as stored (``sent``, never ``delivered``) and read through the ledger's current
statuses, as the SQL store joins them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from twiliokit.errors import StorageError, ValidationError
from twiliokit.ledger.outbox_records import (
    BatchProgress,
    ClaimedItem,
    NewBatch,
    NewOutboxItem,
    OutboxBatch,
    OutboxClaim,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutboxQuery,
    OutboxState,
    SenderPace,
)
from twiliokit.ledger.outbox_rules import (
    ABANDONED,
    AT_ONCE_OWNER,
    EPOCH,
    LOST_LEASE,
    RATE_WINDOW,
    check_rate,
    claim_changes,
    next_slot,
    outcome_changes,
    plan_slots,
    quotas,
    rate_span,
    read_state,
    spaced,
)
from twiliokit.ledger.outbox_store import StartMark
from twiliokit.ledger.records import require_utc
from twiliokit.ledger.rows import same_named
from twiliokit.ledger.rules import StatusState
from twiliokit.ledger.store import check_limit

__all__ = ["MemoryOutbox"]

_DUPLICATE = "ledger write failed (an outbox item or batch with this id is already recorded)"
_STORED_FINAL = frozenset(
    {OutboxState.SENT, OutboxState.FAILED, OutboxState.REFUSED, OutboxState.CANCELED}
)


class MemoryOutbox:
    """:class:`~twiliokit.ledger.outbox_store.OutboxStore` in dictionaries; mixed into
    ``MemoryLedger``, whose ``_status`` (current statuses by SID) it reads."""

    _status: dict[str, StatusState]

    def __init__(self) -> None:
        super().__init__()
        self._outbox_items: dict[str, OutboxItem] = {}  # in insertion order
        self._batches: dict[str, OutboxBatch] = {}
        self._paces: dict[str, SenderPace] = {}

    def _check_open(self) -> None:
        raise NotImplementedError  # MemoryLedger's

    def _read(self, item: OutboxItem) -> OutboxItem:
        """The item as stored, read through its SID's current status."""
        state = None if item.sid is None else self._status.get(item.sid)
        if state is None:
            return item
        return dataclasses.replace(
            item,
            state=read_state(item.state, state.status),
            twilio_status=state.status,
            error_code=item.error_code if state.error_code is None else state.error_code,
        )

    def _read_all(self, items: Iterable[OutboxItem]) -> list[OutboxItem]:
        return [self._read(item) for item in items]

    # -- recording -------------------------------------------------------------------------

    async def enqueue(
        self, items: Sequence[NewOutboxItem], *, batch: NewBatch | None = None
    ) -> None:
        self._check_open()
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids) or any(item_id in self._outbox_items for item_id in ids):
            raise StorageError(_DUPLICATE)
        if batch is not None:
            if batch.id in self._batches:
                raise StorageError(_DUPLICATE)
            self._batches[batch.id] = OutboxBatch(
                **same_named(batch, "id", "action", "created_at", "total", "rate"),
                details=dict(batch.details),
            )
        for new in spaced(items, batch):
            item = _new_item(new)
            joined = None if new.batch_id is None else self._batches.get(new.batch_id)
            if joined is not None and joined.canceled_at is not None:
                item = _canceled(item, new.created_at)
            self._outbox_items[new.id] = item

    # -- reading ---------------------------------------------------------------------------

    async def get_item(self, item_id: str) -> OutboxItem | None:
        self._check_open()
        item = self._outbox_items.get(item_id)
        return None if item is None else self._read(item)

    async def find_item(
        self, *, sid: str | None = None, idempotency_key: str | None = None
    ) -> OutboxItem | None:
        self._check_open()
        if (sid is None) == (idempotency_key is None):
            raise ValidationError("give exactly one of sid or idempotency_key", field="sid")
        found = [
            item
            for item in self._outbox_items.values()
            if (item.sid == sid if sid is not None else item.idempotency_key == idempotency_key)
        ]
        return self._read(max(found, key=lambda item: item.created_at)) if found else None

    async def list_items(self, query: OutboxQuery) -> list[OutboxItem]:
        self._check_open()
        found = [
            item
            for item in self._read_all(self._outbox_items.values())
            if (query.state is None or item.state is query.state)
            and (query.sender is None or item.sender == query.sender)
            and (query.batch_id is None or item.batch_id == query.batch_id)
            and (query.due_after is None or item.not_before >= query.due_after)
            and (query.due_before is None or item.not_before < query.due_before)
            and (
                query.after is None
                or (item.created_at, item.id) < (query.after.created_at, query.after.id)
            )
        ]
        found.sort(key=lambda item: (item.created_at, item.id), reverse=True)
        return found[: query.limit]

    async def unknown_items(self, *, limit: int = 100) -> list[OutboxItem]:
        self._check_open()
        check_limit(limit)
        found = [item for item in self._outbox_items.values() if item.state is OutboxState.UNKNOWN]
        found.sort(key=lambda item: (item.created_at, item.id))
        return self._read_all(found[:limit])

    async def get_batch(self, batch_id: str) -> OutboxBatch | None:
        self._check_open()
        return self._batches.get(batch_id)

    async def batch_progress(self, batch_id: str, *, now: datetime) -> BatchProgress | None:
        self._check_open()
        now = require_utc("batch_progress", "now", now)
        batch = self._batches.get(batch_id)
        if batch is None:
            return None
        members = [item for item in self._outbox_items.values() if item.batch_id == batch_id]
        counts = dict.fromkeys(OutboxState, 0)
        for item in self._read_all(members):
            counts[item.state] += 1
        finished_at = [
            (item.sender, item.finished_at)
            for item in members
            if item.state in {OutboxState.SENT, OutboxState.FAILED} and item.finished_at
        ]
        span = rate_span(now, min((at for _, at in finished_at), default=None))
        finished: dict[str, int] = {}
        for sender, at in finished_at:
            if now - RATE_WINDOW < at <= now:
                finished[sender] = finished.get(sender, 0) + 1
        rates = {sender: count / span for sender, count in finished.items()}
        return BatchProgress(batch=batch, counts=counts, rate_per_sender=rates)

    async def paces(self) -> list[SenderPace]:
        self._check_open()
        return sorted(self._paces.values(), key=lambda pace: pace.sender)

    async def depth(self) -> dict[str, int]:
        self._check_open()
        found: dict[str, int] = {}
        for item in self._outbox_items.values():
            if item.state in {OutboxState.QUEUED, OutboxState.SENDING}:
                found[item.sender] = found.get(item.sender, 0) + 1
        return dict(sorted(found.items()))

    # -- canceling -------------------------------------------------------------------------

    async def cancel_item(self, item_id: str, *, at: datetime) -> OutboxItem | None:
        self._check_open()
        at = require_utc("cancel_item", "at", at)
        item = self._outbox_items.get(item_id)
        if item is None:
            return None
        if item.state is OutboxState.QUEUED:
            item = self._outbox_items[item_id] = _canceled(item, at)
        return self._read(item)

    async def cancel_batch(self, batch_id: str, *, at: datetime) -> int:
        self._check_open()
        at = require_utc("cancel_batch", "at", at)
        batch = self._batches.get(batch_id)
        if batch is not None and batch.canceled_at is None:
            self._batches[batch_id] = dataclasses.replace(batch, canceled_at=at)
        stopped = [
            item
            for item in self._outbox_items.values()
            if item.batch_id == batch_id
            and (
                item.state is OutboxState.QUEUED
                # Claimed by a worker but not started: its start then finds it gone.
                or (item.state is OutboxState.SENDING and item.request_started_at is None)
            )
        ]
        for item in stopped:
            self._outbox_items[item.id] = _ended_unsent(item, at, lease_owner=None)
        return len(stopped)

    # -- claiming and finishing ------------------------------------------------------------

    async def claim_due(self, claim: OutboxClaim) -> list[ClaimedItem]:
        self._check_open()
        now = claim.now
        check_rate(claim.default_rate, "default_rate")
        budget = claim.limit
        if claim.max_in_flight is not None:
            budget = min(budget, claim.max_in_flight - self._sending(now, started=False))
        if budget <= 0:
            return []
        due = self._due_by_sender(now, claim.kinds)
        for sender in due:
            if sender not in self._paces:
                rate = check_rate(claim.first_rate(sender), "rate_for")
                self._paces[sender] = SenderPace(sender=sender, rate=rate, next_at=EPOCH)
        paces = {sender: self._paces[sender] for sender in due}
        counts = {sender: len(items) for sender, items in due.items()}
        candidates = {
            sender: sorted(due[sender], key=lambda item: item.not_before)[:room]
            for sender, room in quotas(
                paces, counts, now=now, horizon=claim.horizon, budget=budget
            ).items()
        }
        counts = {sender: len(found) for sender, found in candidates.items()}
        plan = plan_slots(
            paces, counts, now=now, horizon=claim.horizon, budget=budget, lead=claim.lead
        )
        claimed = []
        until = max((slot for _, _, slot in plan.taken), default=now) + claim.lease
        changes = claim_changes(owner=claim.owner, until=until, now=now)
        for sender, index, slot in plan.taken:
            item = dataclasses.replace(candidates[sender][index], **changes)
            self._outbox_items[item.id] = item
            claimed.append(ClaimedItem(item=self._read(item), leave_at=slot))
        for sender, next_at in plan.next_at.items():
            self._paces[sender] = dataclasses.replace(self._paces[sender], next_at=next_at)
        return claimed

    async def take_slot(
        self, sender: str, *, now: datetime, default_rate: float | None = None
    ) -> datetime:
        self._check_open()
        now = require_utc("take_slot", "now", now)
        pace = self._paces.get(sender)
        if pace is None:
            if default_rate is None:
                return now
            rate = check_rate(default_rate, "default_rate")
            pace = SenderPace(sender=sender, rate=rate, next_at=EPOCH)
        slot, next_at = next_slot(pace, now)
        self._paces[sender] = dataclasses.replace(pace, next_at=next_at)
        return slot

    async def reslot(
        self, item_id: str, sender: str, *, owner: str, now: datetime, default_rate: float
    ) -> datetime | None:
        self._check_open()
        now = require_utc("reslot", "now", now)
        check_rate(default_rate, "default_rate")
        item = self._held(item_id, owner)
        if item is None or item.request_started_at is None:
            return None
        self._outbox_items[item_id] = dataclasses.replace(
            item, request_started_at=None, attempts=item.attempts - 1, updated_at=now
        )
        return await self.take_slot(sender, now=now, default_rate=default_rate)

    def _due_by_sender(
        self, now: datetime, kinds: Collection[OutboxKind] | None
    ) -> dict[str, list[OutboxItem]]:
        """Due queued items of the kinds asked for, none of a canceled batch, by sender."""
        wanted = None if kinds is None else {OutboxKind(k) for k in kinds}
        due: dict[str, list[OutboxItem]] = {}
        for item in self._outbox_items.values():  # insertion order: ties stay in it
            batch = None if item.batch_id is None else self._batches.get(item.batch_id)
            if (
                item.state is OutboxState.QUEUED
                and item.not_before <= now
                and (wanted is None or item.kind in wanted)
                and (batch is None or batch.canceled_at is None)
            ):
                due.setdefault(item.sender, []).append(item)
        return due

    def _held(self, item_id: str, owner: str) -> OutboxItem | None:
        item = self._outbox_items.get(item_id)
        if item is None or item.state is not OutboxState.SENDING or item.lease_owner != owner:
            return None
        return item

    async def mark_started(self, item_id: str, *, owner: str, at: datetime) -> bool:
        mark = await self.start_request(item_id, owner=owner, at=at, max_in_flight=None)
        return mark is StartMark.STARTED

    async def start_request(
        self, item_id: str, *, owner: str, at: datetime, max_in_flight: int | None
    ) -> StartMark:
        self._check_open()
        at = require_utc("start_request", "at", at)
        if max_in_flight is not None and self._sending(at, started=True) >= max_in_flight:
            return StartMark.FULL
        item = self._held(item_id, owner)
        if item is None or item.lease_until is None or item.lease_until <= at:
            return StartMark.LOST
        self._outbox_items[item_id] = dataclasses.replace(
            item, request_started_at=at, attempts=item.attempts + 1, updated_at=at
        )
        return StartMark.STARTED

    def _sending(self, now: datetime, *, started: bool) -> int:
        """Items under an unexpired lease (``started``: only those whose request is out)."""
        return sum(
            1
            for item in self._outbox_items.values()
            if item.state is OutboxState.SENDING
            and item.lease_until is not None
            and item.lease_until > now
            and (not started or item.request_started_at is not None)
        )

    async def extend_lease(self, item_id: str, *, owner: str, until: datetime) -> bool:
        self._check_open()
        until = require_utc("extend_lease", "until", until)
        item = self._held(item_id, owner)
        if item is None:
            return False
        self._outbox_items[item_id] = dataclasses.replace(item, lease_until=until)
        return True

    async def hand_over(
        self, item_id: str, outcome: OutboxOutcome, *, owner: str, to: str, at: datetime
    ) -> tuple[bool, StartMark]:
        finished = await self.finish(item_id, outcome, owner=owner)
        return finished, await self.start_request(to, owner=owner, at=at, max_in_flight=None)

    async def finish(self, item_id: str, outcome: OutboxOutcome, *, owner: str | None) -> bool:
        self._check_open()
        if owner is None:  # reconciliation decides unknown items only (see outbox_store.finish)
            item = self._outbox_items.get(item_id)
            if item is not None and item.state is not OutboxState.UNKNOWN:
                item = None
        else:
            item = self._held(item_id, owner)
        if item is None:
            return False
        self._outbox_items[item_id] = dataclasses.replace(item, **outcome_changes(outcome))
        return True

    async def expire_leases(self, *, now: datetime) -> list[OutboxItem]:
        self._check_open()
        now = require_utc("expire_leases", "now", now)
        lost = []
        for item in list(self._outbox_items.values()):
            if (
                item.state is not OutboxState.SENDING
                or item.lease_until is None
                or item.lease_until > now
            ):
                continue
            if item.request_started_at is None and (item.lease_owner or "").startswith(
                AT_ONCE_OWNER
            ):
                # A send made at once whose process died before its request: not sent later.
                self._outbox_items[item.id] = _ended_unsent(item, now, reason=ABANDONED)
            elif item.request_started_at is None:
                self._outbox_items[item.id] = dataclasses.replace(
                    item,
                    state=OutboxState.QUEUED,
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            else:
                changed = dataclasses.replace(
                    item,
                    state=OutboxState.UNKNOWN,
                    lease_until=None,
                    updated_at=now,
                    reason=LOST_LEASE,
                )
                self._outbox_items[item.id] = changed
                lost.append(changed)
        lost.sort(key=lambda item: (item.created_at, item.id))
        return self._read_all(lost)

    # -- pacing ----------------------------------------------------------------------------

    async def set_pace(self, sender: str, *, rate: float) -> None:
        self._check_open()
        rate = check_rate(rate)
        pace = self._paces.get(sender)
        self._paces[sender] = (
            SenderPace(sender=sender, rate=rate, next_at=EPOCH)
            if pace is None
            else dataclasses.replace(pace, rate=rate)
        )

    async def slow_sender(
        self, sender: str, *, until: datetime, next_at: datetime, default_rate: float = 1.0
    ) -> None:
        self._check_open()
        until = require_utc("slow_sender", "until", until)
        next_at = require_utc("slow_sender", "next_at", next_at)
        pace = self._paces.get(sender) or SenderPace(
            sender=sender, rate=check_rate(default_rate, "default_rate"), next_at=EPOCH
        )
        slowed = pace.slowed_until
        self._paces[sender] = dataclasses.replace(
            pace,
            next_at=max(pace.next_at, next_at),
            slowed_until=until if slowed is None else max(slowed, until),
        )


def _new_item(new: NewOutboxItem) -> OutboxItem:
    """The item as recorded: every field as given, updated when created (and finished then,
    when refused)."""
    return OutboxItem(
        **same_named(new, *(spec.name for spec in dataclasses.fields(new))),
        updated_at=new.created_at,
        finished_at=new.created_at if new.state is OutboxState.REFUSED else None,
    )


def _ended_unsent(item: OutboxItem, at: datetime, **changes: Any) -> OutboxItem:
    """``item`` canceled at ``at`` before its request left, its lease gone."""
    return dataclasses.replace(
        item, state=OutboxState.CANCELED, updated_at=at, finished_at=at, lease_until=None, **changes
    )


def _canceled(item: OutboxItem, at: datetime) -> OutboxItem:
    if item.state is not OutboxState.QUEUED:
        return item
    return dataclasses.replace(item, state=OutboxState.CANCELED, updated_at=at, finished_at=at)
