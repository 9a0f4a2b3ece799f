"""Outbox records: what is waiting to leave, what left, and what a worker holds.

Every send becomes an :class:`OutboxItem` before any request leaves: the durable answer to
"what was I doing when I crashed". An item is *queued* until it is due (``not_before``: a
``send_at``, or the moment it was recorded) and its sender's pace allows it; a worker *claims* it
with a lease (state ``sending``), marks the request started, sends, and records the outcome.

States (:class:`OutboxState`)::

    queued --claim--> sending --> sent --(status callbacks)--> delivered | failed
       |                 |  \\--> failed | refused             (read from the ledger's statuses)
       |                 \\--(lease lost after the request started)--> unknown --reconcile--> sent
       \\--> canceled | refused (re-checked when it leaves)                     \\--> queued

A claimed item whose request had not started when its lease ran out goes back to ``queued``
(nothing left). One whose request had started is ``unknown`` until reconciliation finds it at
Twilio (``sent``) or proves it absent (back to ``queued``); what cannot be decided stays
``unknown`` for a person to judge. Nothing is resent blindly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from twiliokit.errors import ValidationError
from twiliokit.ledger.records import (
    ADDRESS_LENGTH,
    SID_LENGTH,
    _check,
    _fits,
    _limit,
    _required,
)

__all__ = [
    "BatchProgress",
    "ClaimedItem",
    "NewBatch",
    "NewOutboxItem",
    "OutboxBatch",
    "OutboxClaim",
    "OutboxItem",
    "OutboxKind",
    "OutboxOutcome",
    "OutboxQuery",
    "OutboxState",
    "OutcomeKind",
    "SenderPace",
]


class OutboxState(StrEnum):
    """Where an outbox item stands."""

    QUEUED = "queued"
    """Waiting: not due yet, held by its sender's pace, or waiting for a worker."""
    SENDING = "sending"
    """Claimed by a worker under a lease; its request may be in flight."""
    SENT = "sent"
    """Twilio accepted it (``sid`` known); delivery is followed by status callbacks."""
    DELIVERED = "delivered"
    """Its message was delivered (read state: from the ledger's current status)."""
    FAILED = "failed"
    """Twilio refused it, or reported that it failed (``error_code``)."""
    REFUSED = "refused"
    """A rule refused it before it left (``reason``): opted out, quiet hours, window closed."""
    UNKNOWN = "unknown"
    """It may have left: its worker stopped mid-request. Reconciliation decides, or a person."""
    CANCELED = "canceled"
    """Canceled before it left."""


#: States an item never leaves.
FINAL_STATES = frozenset(
    {
        OutboxState.SENT,
        OutboxState.DELIVERED,
        OutboxState.FAILED,
        OutboxState.REFUSED,
        OutboxState.CANCELED,
    }
)


class OutboxKind(StrEnum):
    """What an item asks for."""

    MESSAGE = "message"
    """A message: ``request`` holds the Messages create parameters."""
    CALL = "call"
    """A call: ``request`` holds the Calls create parameters."""
    VERIFICATION = "verification"
    """A Verify verification: ``request`` holds the service SID and the parameters."""
    FORWARD = "forward"
    """A webhook delivery forwarded to another URL: ``request`` holds URL, headers and body."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _ItemFields:
    """What an item asks for, the fields a new item and a recorded one open with (in this
    order: subclasses add theirs after)."""

    id: str
    kind: OutboxKind
    action: str
    """The action that asked for it: ``send_sms``, ``send_whatsapp``, ``make_call``,
    ``start_verification``, ``send_bulk``, or ``forward`` for webhook forwards."""
    sender: str
    """Its pacing key: the From address, the Messaging Service SID, the alphanumeric sender ID,
    or (forwards) the target's host."""
    to: str
    request: dict[str, Any]
    """What will be sent, as JSON data (the create parameters Twilio gets, status callback
    included)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOutboxItem(_ItemFields):
    """An item to record. ``id`` is chosen by the caller (``OB`` + 32 hex digits), so that a
    send can name its row before the store answers."""

    created_at: datetime
    not_before: datetime
    """When it may leave: ``send_at``, else ``created_at``."""
    batch_id: str | None = None
    idempotency_key: str | None = None
    state: OutboxState = OutboxState.QUEUED
    """``queued``; or ``sending`` for a send that leaves at once from the process recording it
    (it is then recorded already claimed, with ``lease_owner``/``lease_until``); or
    ``refused`` for a bulk recipient refused when the batch was accepted."""
    lease_owner: str | None = None
    lease_until: datetime | None = None
    reason: str | None = None
    """Why it was refused (state ``refused``)."""

    def __post_init__(self) -> None:
        _required(self, "id", "action", "sender", "to")
        _fits(
            self,
            id=OUTBOX_ID_LENGTH,
            batch_id=OUTBOX_ID_LENGTH,
            action=64,
            sender=ADDRESS_LENGTH,
            to=ADDRESS_LENGTH,
            idempotency_key=255,
            lease_owner=255,
        )
        _check(
            self,
            enums={"kind": OutboxKind, "state": OutboxState},
            times=("created_at", "not_before", "lease_until"),
        )
        if self.state not in _NEW_STATES:
            raise ValidationError(
                f"a new outbox item is queued, sending or refused, not {self.state}",
                field="state",
            )
        if (self.state is OutboxState.SENDING) != (
            self.lease_owner is not None and self.lease_until is not None
        ):
            raise ValidationError(
                "an item recorded as sending needs lease_owner and lease_until (and only it)",
                field="lease_owner",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxItem(_ItemFields):
    """An item as recorded, with how far it got."""

    state: OutboxState
    created_at: datetime
    updated_at: datetime
    not_before: datetime
    batch_id: str | None = None
    idempotency_key: str | None = None
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    request_started_at: datetime | None = None
    """When the last request for it started to leave (``None``: none ever started)."""
    finished_at: datetime | None = None
    sid: str | None = None
    """The message/call/verification SID once Twilio accepted it."""
    twilio_status: str | None = None
    """The current status from the ledger (``delivered``, ``undelivered``...) when known."""
    error_code: int | None = None
    reason: str | None = None
    """Why it was refused, failed, or is unknown, in words for a person."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxClaim:
    """What a worker asks of :meth:`OutboxStore.claim_due`."""

    owner: str
    """The worker that will hold the items' leases."""
    now: datetime
    lease: timedelta
    """How long past the claim's last slot the leases last."""
    limit: int
    """At most this many items."""
    horizon: timedelta
    """Only items whose sender's next slot falls within ``now + horizon``."""
    max_in_flight: int | None = None
    """Never more items in ``sending`` (unexpired leases, all owners) than this."""
    kinds: Collection[OutboxKind] | None = None
    """Only items of these kinds (``None``: every kind)."""
    default_rate: float = 1.0
    """The rate of a sender without a pace row, unless ``rate_for`` gives one."""
    rate_for: Callable[[str], float] | None = None
    lead: timedelta = timedelta(0)
    """How far from now an idle sender's schedule starts (or one interval, if sooner)."""

    def __post_init__(self) -> None:
        _check(self, enums={}, times=("now",))

    def first_rate(self, sender: str) -> float:
        """The rate a sender without a pace row starts at."""
        return self.default_rate if self.rate_for is None else self.rate_for(sender)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedItem:
    """An item a worker now holds, and the moment its sender's pace lets it leave."""

    item: OutboxItem
    leave_at: datetime


OUTBOX_ID_LENGTH = 34
"""``OB``/``BT`` and 32 hex digits."""
_NEW_STATES = frozenset({OutboxState.QUEUED, OutboxState.SENDING, OutboxState.REFUSED})


class OutcomeKind(StrEnum):
    """How a claimed item ended, as its worker (or reconciliation) reports it."""

    SENT = "sent"
    FAILED = "failed"
    REFUSED = "refused"
    UNKNOWN = "unknown"
    RETRY = "retry"
    """Nothing left (e.g. a 429, or the connection never opened): queue it again at
    ``retry_at``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxOutcome:
    """How one item ended (or why it goes back to the queue)."""

    kind: OutcomeKind
    at: datetime
    sid: str | None = None
    twilio_status: str | None = None
    error_code: int | None = None
    reason: str | None = None
    retry_at: datetime | None = None

    def __post_init__(self) -> None:
        _fits(self, sid=SID_LENGTH)
        _check(self, enums={"kind": OutcomeKind}, times=("at", "retry_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class _BatchFields:
    """The fields a new batch and a recorded one open with (subclasses add theirs after)."""

    id: str
    """``BT`` + 32 hex digits."""
    action: str
    created_at: datetime
    total: int
    """Recipients given (refused ones included)."""
    rate: float | None = None
    """Messages per second per sender for this batch (``None``: the sender's pace)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewBatch(_BatchFields):
    """A bulk send: one message to many recipients."""

    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _required(self, "id", "action")
        _fits(self, id=OUTBOX_ID_LENGTH, action=64)
        _check(self, enums={}, times=("created_at",))
        if self.rate is not None and not self.rate > 0:
            raise ValidationError(
                "a batch's rate must be positive (messages per second)", field="rate"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxBatch(_BatchFields):
    canceled_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchProgress:
    """A batch's items counted by state (every :class:`OutboxState` value is a key), and the
    rate each sender reached over the last minute (messages per second)."""

    batch: OutboxBatch
    counts: dict[OutboxState, int]
    rate_per_sender: dict[str, float]

    @property
    def done(self) -> bool:
        """Nothing of it is waiting or in flight."""
        return not (
            self.counts.get(OutboxState.QUEUED, 0) or self.counts.get(OutboxState.SENDING, 0)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SenderPace:
    """A sender's pace as the outbox keeps it (shared by every worker on the database)."""

    sender: str
    rate: float
    """Messages per second it may send."""
    next_at: datetime
    """The earliest moment its next item may leave."""
    slowed_until: datetime | None = None
    """Until when a 429/20429/30001 slowed it down (its rate is halved until then)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxQuery:
    """Filters for :meth:`OutboxStore.list_items`; they combine (AND). Newest first."""

    state: OutboxState | None = None
    sender: str | None = None
    batch_id: str | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None
    limit: int = 100
    after: OutboxItem | None = None
    """Only the items listed after this one (the last of the previous page), in the same
    order: newest first by ``created_at``, then by id."""

    def __post_init__(self) -> None:
        _check(self, enums={"state": OutboxState}, times=("due_after", "due_before"))
        _limit(self)
