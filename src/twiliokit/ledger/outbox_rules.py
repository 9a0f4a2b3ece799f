"""The outbox's decisions, without I/O: pacing slots and the state an item reads as.

Both stores (SQL and memory) call these inside their transaction, so that they decide alike.

Pacing is GCRA, a virtual schedule per sender: the sender's next item leaves at
``slot = next_at``, or ``now`` when ``next_at`` is more than one interval past (an idle
sender earns no credit), and ``next_at`` then moves on by ``1 / rate``. A sender slowed by a
429/20429/30001 runs at half its rate until ``slowed_until``. Items are offered per sender and
taken in order of their slots across senders, so one sender's backlog never starves another.

A batch with a rate of its own is paced by its items' due times (:func:`spaced`, when it is
recorded), not by the sender's schedule: a slow batch then takes one slot per item of its
sender's time, as any item does, and the sender's other traffic goes between them. (A batch
that moved the sender's ``next_at`` by its own long interval held up every send from that
number, even after it ended.) A batch can only send slower than its sender, never faster.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from twiliokit.errors import ValidationError
from twiliokit.ledger.outbox_records import (
    NewBatch,
    NewOutboxItem,
    OutboxOutcome,
    OutboxState,
    OutcomeKind,
    SenderPace,
)

__all__ = [
    "ABANDONED",
    "AT_ONCE_OWNER",
    "DELIVERED_STATUSES",
    "EPOCH",
    "FAILED_STATUSES",
    "LOST_LEASE",
    "RATE_WINDOW",
    "SlotPlan",
    "capacity",
    "check_rate",
    "claim_changes",
    "first_slot",
    "next_slot",
    "outcome_changes",
    "pace_rate",
    "plan_slots",
    "quotas",
    "rate_span",
    "read_state",
    "spaced",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""``next_at`` of a sender that never sent: any time in the past means "now"."""

DELIVERED_STATUSES = frozenset({"delivered", "read", "partially_delivered", "completed"})
"""Message and call statuses that make a ``sent`` item read as ``delivered``."""
FAILED_STATUSES = frozenset({"undelivered", "failed", "canceled", "busy", "no-answer"})
"""Message and call statuses that make a ``sent`` item read as ``failed``."""

LOST_LEASE = (
    "its worker stopped holding it after the request started (lease expired): reconciliation "
    "decides whether it left"
)
"""The reason an item becomes ``unknown`` when its lease runs out mid-request."""

AT_ONCE_OWNER = "send:"
"""How the lease owner of a send made at once begins (``send:HOST:PID``): the process whose
caller waits for its answer, as opposed to a worker."""

ABANDONED = (
    "the process sending it at once stopped before its request left (its lease ran out): "
    "nothing was sent, and its caller, who got no answer, decides whether to send it again"
)
"""The reason a send made at once is ``canceled`` when its process died before the request:
the outbox does not send it behind its caller's back."""

RATE_WINDOW = timedelta(seconds=60)
"""The window :class:`~twiliokit.ledger.outbox_records.BatchProgress` rates are measured over."""


def read_state(state: OutboxState, status: str | None) -> OutboxState:
    """How an item stored in ``state`` reads, given its SID's current ledger ``status``."""
    if state is OutboxState.SENT and status is not None:
        if status in DELIVERED_STATUSES:
            return OutboxState.DELIVERED
        if status in FAILED_STATUSES:
            return OutboxState.FAILED
    return state


def pace_rate(pace: SenderPace, now: datetime) -> float:
    """The sender's rate at ``now``: halved while it is slowed down."""
    slowed = pace.slowed_until is not None and pace.slowed_until > now
    return pace.rate / 2 if slowed else pace.rate


def first_slot(pace: SenderPace, now: datetime) -> datetime:
    """The sender's next slot at ``now``: ``next_at``, even if it passed less than one interval
    ago (a claim that came late keeps the schedule: the long-run rate stays exact, and a late
    item leaving at once makes at most rate + 1 in a second); ``now`` after a longer pause."""
    if pace.next_at >= now - step(pace, now):
        return pace.next_at
    return now


def capacity(pace: SenderPace, *, now: datetime, horizon: timedelta) -> int:
    """How many items of this sender could get a slot within ``now + horizon``."""
    first = first_slot(pace, now)
    room = (now + horizon - first).total_seconds()
    if room < 0:
        return 0
    return math.floor(room * pace_rate(pace, now)) + 1


def step(pace: SenderPace, now: datetime) -> timedelta:
    """The time one item takes of its sender's schedule."""
    return timedelta(seconds=1 / pace_rate(pace, now))


def spaced(items: Sequence[NewOutboxItem], batch: NewBatch | None) -> Sequence[NewOutboxItem]:
    """``items`` with the queued ones of ``batch`` due at most ``batch.rate`` a second: in
    order of their due times, each one ``1 / rate`` after the one before at the earliest
    (one deferred to the end of quiet hours keeps its time, and the next ones follow it).
    Unchanged without a batch rate."""
    if batch is None or batch.rate is None:
        return items
    interval = timedelta(seconds=1 / batch.rate)
    queued = sorted(
        (
            index
            for index, item in enumerate(items)
            if item.batch_id == batch.id and item.state is OutboxState.QUEUED
        ),
        key=lambda index: items[index].not_before,
    )
    result = list(items)
    free: datetime | None = None
    for index in queued:
        item = items[index]
        due = item.not_before if free is None else max(item.not_before, free)
        if due != item.not_before:
            result[index] = dataclasses.replace(item, not_before=due)
        free = due + interval
    return result


def next_slot(pace: SenderPace, now: datetime) -> tuple[datetime, datetime]:
    """One slot for a send that leaves at once: ``(slot, next_at afterwards)``."""
    slot = first_slot(pace, now)
    return slot, slot + step(pace, now)


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """What a claim takes: ``(sender, index in that sender's candidates, slot)`` in order of
    slots, and each sender's ``next_at`` afterwards (only senders that got a slot)."""

    taken: list[tuple[str, int, datetime]]
    next_at: dict[str, datetime]


def plan_slots(
    paces: Mapping[str, SenderPace],
    candidates: Mapping[str, int],
    *,
    now: datetime,
    horizon: timedelta,
    budget: int,
    lead: timedelta = timedelta(0),
) -> SlotPlan:
    """Give slots to at most ``budget`` items.

    ``candidates[sender]`` is how many of the sender's due items (oldest first) may be
    offered. Each sender's items get consecutive slots from its pace; only slots
    within ``now + horizon`` are offered, and the earliest offers across senders are taken (so
    what each sender gets is a prefix of its candidates). A sender that was idle starts its
    schedule ``lead`` from now, or one interval if that is sooner: time for a worker to get
    its first item ready, which otherwise leaves late behind everything else claimed with it
    (and the next ones on time after it, making that stretch short).
    """
    until = now + horizon
    offers: list[tuple[datetime, str, int, datetime]] = []
    for sender, count in candidates.items():
        pace = paces[sender]
        slot = first_slot(pace, now)
        if slot == now:  # idle: the schedule starts now
            slot = now + min(lead, step(pace, now))
        for index in range(count):
            if slot > until:
                break
            after = slot + step(pace, now)
            offers.append((slot, sender, index, after))
            slot = after
    offers.sort()
    taken = offers[: max(budget, 0)]
    next_at: dict[str, datetime] = {}
    for _, sender, _, after in taken:  # slots rise within a sender: the last one wins
        next_at[sender] = after
    return SlotPlan([(sender, index, slot) for slot, sender, index, _ in taken], next_at)


def quotas(
    paces: Mapping[str, SenderPace],
    due: Mapping[str, int],
    *,
    now: datetime,
    horizon: timedelta,
    budget: int,
) -> dict[str, int]:
    """How many due items to fetch per sender for a claim of ``budget`` items, given how many
    each has due: what :func:`plan_slots` would give each sender at its full rate. Fetching
    only that many (rather than ``budget`` per sender) keeps a claim from reading, and on
    PostgreSQL locking, rows it will not take."""
    virtual = {
        sender: min(capacity(pace, now=now, horizon=horizon), budget, due[sender])
        for sender, pace in paces.items()
    }
    plan = plan_slots(paces, virtual, now=now, horizon=horizon, budget=budget)
    found: dict[str, int] = {}
    for sender, _, _ in plan.taken:
        found[sender] = found.get(sender, 0) + 1
    return found


def rate_span(now: datetime, first: datetime | None) -> float:
    """Seconds a batch's recent rate is measured over: the last minute, or less when its
    first request finished less than a minute ago (at least one second)."""
    if first is None:
        return RATE_WINDOW.total_seconds()
    seconds = (now - first).total_seconds()
    return min(RATE_WINDOW.total_seconds(), max(1.0, seconds))


def check_rate(rate: float, name: str = "rate") -> float:
    """``rate`` (messages per second) if it is a positive, finite number."""
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < math.inf:
        raise ValidationError(
            f"{name} must be a positive number of messages per second, not {rate!r}", field=name
        )
    return float(rate)


def claim_changes(*, owner: str, until: datetime, now: datetime) -> dict[str, Any]:
    """The fields (record and column names alike) a claim sets on each item it takes."""
    return {
        "state": OutboxState.SENDING,
        "lease_owner": owner,
        "lease_until": until,
        "updated_at": now,
        "request_started_at": None,
    }


def outcome_changes(outcome: OutboxOutcome) -> dict[str, Any]:
    """The fields (record and column names alike) an outcome sets on its item."""
    changes: dict[str, Any] = {"updated_at": outcome.at, "reason": outcome.reason}
    kind = outcome.kind
    if kind is OutcomeKind.RETRY:  # nothing left: back to the queue, no lease, no request
        return changes | {
            "state": OutboxState.QUEUED,
            "not_before": outcome.retry_at or outcome.at,
            "lease_owner": None,
            "lease_until": None,
            "request_started_at": None,
        }
    changes["lease_until"] = None
    if kind is OutcomeKind.UNKNOWN:
        return changes | {"state": OutboxState.UNKNOWN}
    changes |= {"state": OutboxState(kind.value), "finished_at": outcome.at}
    if kind is OutcomeKind.REFUSED:
        return changes
    return changes | {
        "sid": outcome.sid,
        "twilio_status": outcome.twilio_status,
        "error_code": outcome.error_code,
    }
