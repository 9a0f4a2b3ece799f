"""``OutboxStore``: the outbox's storage, shared by every worker that uses the same database.

Implemented by the SQL ledger (SQLite for one machine; PostgreSQL for any number of workers on
any number of machines) and by the in-memory ledger (tests, ``memory://``). Claims and paces are
decided by the database in one short transaction each, never by check-then-write in Python:
on PostgreSQL with row locks (``FOR UPDATE SKIP LOCKED`` on items, ``FOR UPDATE`` on the
sender's pace), on SQLite under ``BEGIN IMMEDIATE``.

Pacing is a virtual schedule per sender (GCRA): claiming an item of sender S gives it the
slot ``max(S.next_at, now)`` and moves ``S.next_at`` on by ``1 / S.rate``. A worker sleeps until
its item's slot, then sends: so the pace holds across every worker sharing the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from twiliokit.ledger.outbox_records import (
    BatchProgress,
    ClaimedItem,
    NewBatch,
    NewOutboxItem,
    OutboxBatch,
    OutboxClaim,
    OutboxItem,
    OutboxOutcome,
    OutboxQuery,
    SenderPace,
)

__all__ = ["OutboxStore", "StartMark"]


class StartMark(StrEnum):
    """What :meth:`OutboxStore.start_request` did."""

    STARTED = "started"
    """Marked: the request may leave."""
    LOST = "lost"
    """The caller no longer holds the item's lease: send nothing."""
    FULL = "full"
    """``max_in_flight`` requests are already out (every worker): try again when one ends."""


class OutboxStore(Protocol):
    """The outbox's storage (see the module docstring)."""

    async def enqueue(
        self, items: Sequence[NewOutboxItem], *, batch: NewBatch | None = None
    ) -> None:
        """Record items (and their batch) in one transaction. Fast for 100,000 items (one
        statement per chunk, not per item)."""
        ...

    async def get_item(self, item_id: str) -> OutboxItem | None:
        """One item, its ``twilio_status`` read from the ledger's current status."""
        ...

    async def find_item(
        self, *, sid: str | None = None, idempotency_key: str | None = None
    ) -> OutboxItem | None:
        """The item that got this SID, or was sent under this idempotency key."""
        ...

    async def list_items(self, query: OutboxQuery) -> list[OutboxItem]:
        """Items matching every filter, newest first."""
        ...

    async def cancel_item(self, item_id: str, *, at: datetime) -> OutboxItem | None:
        """Cancel the item if it is still ``queued``; return it as it now stands (``None``:
        no such item). An item already claimed or finished is returned unchanged."""
        ...

    async def get_batch(self, batch_id: str) -> OutboxBatch | None: ...

    async def batch_progress(self, batch_id: str, *, now: datetime) -> BatchProgress | None:
        """The batch's counts by state (``delivered``/``failed`` read from the ledger's
        statuses for items sent) and each sender's rate over the last minute."""
        ...

    async def cancel_batch(self, batch_id: str, *, at: datetime) -> int:
        """Cancel every item of the batch still ``queued``, and those a worker claimed but
        whose request has not started (its start then finds them gone); how many were
        canceled. What has started is not called back."""
        ...

    async def claim_due(self, claim: OutboxClaim) -> list[ClaimedItem]:
        """Claim up to ``claim.limit`` queued items that are due (``not_before <= now``),
        oldest first, whose sender's next slot falls within ``now + horizon``; each gets a slot
        from its sender's pace (a sender without a pace row gets one, at ``rate_for(sender)``
        or else ``default_rate``), state ``sending``, ``lease_owner = owner`` and
        ``lease_until`` the claim's last slot ``+ lease``. An item of a batch with a rate
        leaves no faster than that rate. With ``max_in_flight``, never more items in
        ``sending`` (unexpired leases, all owners) than that. Items of a canceled batch are
        not claimed. Senders are served in order of their slots, so one sender's backlog
        does not hold the others back. A sender that was idle starts its schedule ``lead``
        (or one interval, if sooner) from now (``outbox_rules.plan_slots``). Returned in
        order of ``leave_at``."""
        ...

    async def take_slot(
        self, sender: str, *, now: datetime, default_rate: float | None = None
    ) -> datetime:
        """Reserve ``sender``'s next pacing slot for a send that leaves at once (recorded
        already claimed, so ``claim_due`` never gives it one), or for a worker's item that it
        reached late: the slot is the sender's next (``outbox_rules.first_slot``) and
        ``next_at`` moves on by ``1 / rate`` (halved while slowed), in one transaction, exactly
        as a claim does; the caller waits until the slot, then sends. A sender without a pace
        row gets ``default_rate`` (its row is created); with ``default_rate=None`` such a
        sender is not paced: ``now`` is returned and nothing is written."""
        ...

    async def reslot(
        self, item_id: str, sender: str, *, owner: str, now: datetime, default_rate: float
    ) -> datetime | None:
        """For a worker's item it reached too late after marking it started, before its
        request left: take back the start mark (``request_started_at`` cleared, the attempt
        uncounted, so it no longer holds one of ``max_in_flight``) and give it ``sender``'s
        next slot, as :meth:`take_slot` does, in one transaction. ``None`` (nothing changed)
        when ``owner`` no longer holds the item or it was not marked started."""
        ...

    async def mark_started(self, item_id: str, *, owner: str, at: datetime) -> bool:
        """The request for this item is about to leave: set ``request_started_at`` and count
        an attempt. ``False`` (send nothing) when ``owner`` no longer holds its lease."""
        ...

    async def start_request(
        self, item_id: str, *, owner: str, at: datetime, max_in_flight: int | None
    ) -> StartMark:
        """:meth:`mark_started`, within the account-wide cap on requests in flight: with
        ``max_in_flight``, the item is marked only while fewer items than that (all owners)
        are marked started under an unexpired lease, counted and marked in one transaction
        (on PostgreSQL under an advisory lock, on SQLite under its write lock); else
        :attr:`StartMark.FULL` and nothing changes."""
        ...

    async def hand_over(
        self, item_id: str, outcome: OutboxOutcome, *, owner: str, to: str, at: datetime
    ) -> tuple[bool, StartMark]:
        """:meth:`finish` one item whose request ended and :meth:`start_request` the next of
        the same owner, in one transaction, without counting: the request slot passes from one
        to the other, so no other worker can take it in between (and the next needs no
        second write). Whether the first was finished, and how the second was marked."""
        ...

    async def extend_lease(self, item_id: str, *, owner: str, until: datetime) -> bool:
        """Keep holding the item (a long request); ``False`` when the lease was lost."""
        ...

    async def finish(self, item_id: str, outcome: OutboxOutcome, *, owner: str | None) -> bool:
        """Record how the item ended (or requeue it, outcome ``retry``). With ``owner``, only
        while that owner holds the lease (``False`` otherwise, and nothing changes); ``None``
        for a person's or reconciliation's decision, which applies only while the item is
        ``unknown`` (a late decision never requeues an item already requeued and claimed)."""
        ...

    async def expire_leases(self, *, now: datetime) -> list[OutboxItem]:
        """Items in ``sending`` whose lease ran out: those whose request never started go
        back to ``queued`` (nothing left); those whose request had started become
        ``unknown`` and are returned, for reconciliation."""
        ...

    async def unknown_items(self, *, limit: int = 100) -> list[OutboxItem]:
        """Items in ``unknown``, oldest first (reconciliation's work list)."""
        ...

    async def set_pace(self, sender: str, *, rate: float) -> None:
        """Set a sender's rate (messages per second), creating its pace row."""
        ...

    async def slow_sender(
        self, sender: str, *, until: datetime, next_at: datetime, default_rate: float = 1.0
    ) -> None:
        """A 429/20429/30001 for this sender: nothing of it leaves before ``next_at``, and its
        rate is halved until ``until`` (neither moves back; a sender without a pace row gets
        one at ``default_rate``)."""
        ...

    async def paces(self) -> list[SenderPace]:
        """Every sender's pace."""
        ...

    async def depth(self) -> dict[str, int]:
        """Items queued or sending, by sender (the outbox depth metric)."""
        ...
