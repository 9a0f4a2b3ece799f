"""Frozen ledger records and the enums they use.

Every record validates itself on construction: datetimes must be timezone-aware (they are
normalised to UTC), enum fields accept their string values (``"delivered"``) and are stored as
members, and required text must not be empty. A bad value raises
:class:`twiliokit.errors.ValidationError` naming the field and the fix.

Records are plain frozen dataclasses (not pydantic models) because the webhook receiver builds
several per request at thousands of requests a second, and the stores map them to rows by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

from twiliokit.errors import ValidationError

__all__ = [
    "BatchResult",
    "CallDirection",
    "CallRecord",
    "CallStatus",
    "CallStatusEvent",
    "Channel",
    "Claim",
    "ConversationItem",
    "Direction",
    "IdempotencyState",
    "IdempotentRequest",
    "LedgerBatch",
    "LedgerQuery",
    "MessageRecord",
    "MessageStatus",
    "OptOut",
    "OptOutAction",
    "OptOutEvent",
    "OptOutSource",
    "StatusEvent",
    "StatusOutcome",
    "StatusSource",
    "WebhookDelivery",
    "WebhookKind",
    "channel_for",
]

MAX_LIMIT = 1000
"""The most rows one read returns; page with ``before`` / ``until`` for more."""


class Direction(StrEnum):
    """Which way a message went (Twilio's ``direction``)."""

    INBOUND = "inbound"
    """Sent to one of our numbers by someone else."""
    OUTBOUND_API = "outbound-api"
    """Sent by us through the REST API."""
    OUTBOUND_REPLY = "outbound-reply"
    """Sent by us as TwiML ``<Message>`` in reply to an inbound message."""
    OUTBOUND_CALL = "outbound-call"
    """Sent by us as TwiML ``<Sms>`` during a call."""


class Channel(StrEnum):
    """The channel a message travelled on."""

    SMS = "sms"
    """Plain text message."""
    MMS = "mms"
    """Message with media attached."""
    WHATSAPP = "whatsapp"
    """WhatsApp (addresses are ``whatsapp:+E164``)."""


class _Lifecycle(StrEnum):
    """A status that only moves forward: :attr:`rank` orders the members (see
    :data:`_RANKS`), and from rank 4 on a status is final."""

    @property
    def rank(self) -> int:
        """Position in the lifecycle; a status only replaces one of lower rank."""
        return _RANKS[type(self)][self]

    @property
    def is_final(self) -> bool:
        """No further change is expected (a message's ``read`` may still follow
        ``delivered``; a call has ended)."""
        return self.rank >= 4

    @classmethod
    def parse(cls, value: str) -> Self:
        """The member for a Twilio status string; ValidationError naming the valid values."""
        return _parse_enum(cls, value, "status")


class MessageStatus(_Lifecycle):
    """Twilio's message status; :attr:`rank` orders them so a message never moves backwards.

    Outbound: ``accepted``/``scheduled`` < ``queued`` < ``sending`` < ``sent`` <
    ``delivered``/``undelivered``/``failed``/``partially_delivered``/``canceled`` < ``read``.
    Inbound: ``receiving`` < ``received``. Statuses of equal rank do not replace each other:
    the first one recorded stays (a ``delivered`` is not overwritten by a late ``failed``).
    """

    ACCEPTED = "accepted"
    """A Messaging Service took the message; the sender is not chosen yet."""
    SCHEDULED = "scheduled"
    """Scheduled with a Messaging Service (``SendAt``); waiting to be sent."""
    QUEUED = "queued"
    """Waiting in Twilio's queue to go to the carrier."""
    SENDING = "sending"
    """Being handed to the carrier."""
    SENT = "sent"
    """The carrier accepted it; final for carriers that report no delivery receipts."""
    DELIVERED = "delivered"
    """The carrier confirmed delivery."""
    UNDELIVERED = "undelivered"
    """The carrier reported non-delivery (``error_code`` says why, usually 30xxx)."""
    FAILED = "failed"
    """Never sent (queue overflow, validity period, invalid content...)."""
    PARTIALLY_DELIVERED = "partially_delivered"
    """Some parts of a multi-part or multi-recipient message were delivered."""
    CANCELED = "canceled"
    """A scheduled message was canceled before it was sent."""
    READ = "read"
    """The recipient read it (WhatsApp, RCS read receipts); comes after ``delivered``."""
    RECEIVING = "receiving"
    """Inbound message being received."""
    RECEIVED = "received"
    """Inbound message received."""


_MESSAGE_RANK: dict[MessageStatus, int] = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.SCHEDULED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.RECEIVING: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.PARTIALLY_DELIVERED: 4,
    MessageStatus.CANCELED: 4,
    MessageStatus.RECEIVED: 4,
    MessageStatus.READ: 5,
}


class CallDirection(StrEnum):
    """Which way a call went (Twilio's call ``direction``)."""

    INBOUND = "inbound"
    """Someone called one of our numbers."""
    OUTBOUND_API = "outbound-api"
    """We started the call through the REST API."""
    OUTBOUND_DIAL = "outbound-dial"
    """A child leg started by TwiML ``<Dial>``."""


class CallStatus(_Lifecycle):
    """Twilio's call status, ordered by :attr:`rank` like :class:`MessageStatus`."""

    QUEUED = "queued"
    """Created and waiting to be dialled."""
    INITIATED = "initiated"
    """Dialling has started (the ``initiated`` status-callback event)."""
    RINGING = "ringing"
    """The callee's phone is ringing."""
    IN_PROGRESS = "in-progress"
    """Answered and connected."""
    COMPLETED = "completed"
    """Answered and then ended normally."""
    BUSY = "busy"
    """The callee was busy."""
    FAILED = "failed"
    """The call could not be placed."""
    NO_ANSWER = "no-answer"
    """Nobody answered before the ring timeout."""
    CANCELED = "canceled"
    """Canceled while queued or ringing."""


_CALL_RANK: dict[CallStatus, int] = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
    CallStatus.COMPLETED: 4,
    CallStatus.BUSY: 4,
    CallStatus.FAILED: 4,
    CallStatus.NO_ANSWER: 4,
    CallStatus.CANCELED: 4,
}

#: Each lifecycle's ranks, by enum (a table per enum: members of both compare equal as text).
_RANKS: dict[type[_Lifecycle], Mapping[Any, int]] = {
    MessageStatus: _MESSAGE_RANK,
    CallStatus: _CALL_RANK,
}


class StatusSource(StrEnum):
    """Where a status event was learnt."""

    API = "api"
    """The REST API's answer to our own create or update."""
    CALLBACK = "callback"
    """A webhook from Twilio: a status callback, or the inbound message or call itself."""
    POLL = "poll"
    """A fetch or list of the resource (reconciling missed callbacks)."""


class StatusOutcome(StrEnum):
    """What applying a status event did."""

    APPLIED = "applied"
    """New event, and now the current status (also when the message is not recorded yet)."""
    STALE = "stale"
    """New event, kept in the history, but a status of equal or higher rank is already current."""
    DUPLICATE = "duplicate"
    """This (sid, status) was seen before; nothing changed."""


class OptOutAction(StrEnum):
    """A consent event."""

    STOP = "stop"
    """Opt out: Twilio refuses further messages from this sender (error 21610)."""
    START = "start"
    """Opt back in."""
    HELP = "help"
    """Asked for help; consent does not change."""


class OptOutSource(StrEnum):
    """How an opt-out event was learnt."""

    INBOUND = "inbound"
    """An inbound keyword message (STOP, START, HELP and their synonyms)."""
    TWILIO_21610 = "twilio_21610"
    """Twilio refused a send with error 21610: the recipient had opted out."""
    MANUAL = "manual"
    """Recorded by an operator or an import."""


class WebhookKind(StrEnum):
    """What a webhook delivery was about."""

    INCOMING_MESSAGE = "incoming-message"
    """An inbound SMS, MMS or WhatsApp message."""
    MESSAGE_STATUS = "message-status"
    """A message status callback."""
    INCOMING_CALL = "incoming-call"
    """An inbound call asking for TwiML."""
    CALL_STATUS = "call-status"
    """A call status callback."""
    OTHER = "other"
    """Anything else (fallback URLs, other products)."""


# --------------------------------------------------------------------------- validation helpers

_E = TypeVar("_E", bound=StrEnum)


def _parse_enum(enum: type[_E], value: object, name: str) -> _E:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(
            f"{name} {value!r} is not a valid {enum.__name__}; use one of: {allowed}",
            field=name,
        ) from None


def require_utc(owner: str, name: str, value: object) -> datetime:
    """``value`` as an aware UTC datetime; ValidationError naming ``owner.name`` otherwise."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value  # already what is wanted (every record the receiver builds)
    if not isinstance(value, datetime):
        raise ValidationError(
            f"{owner}.{name} must be a datetime, not {type(value).__name__}", field=name
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{owner}.{name} must be timezone-aware; pass e.g. datetime.now(timezone.utc)",
            field=name,
        )
    return value.astimezone(UTC)


def _set(obj: object, name: str, value: Any) -> None:
    # Frozen dataclasses normalise their own fields in __post_init__ this way.
    object.__setattr__(obj, name, value)


def _check(obj: object, *, enums: dict[str, type[StrEnum]], times: Iterable[str]) -> None:
    owner = type(obj).__name__
    for name, enum in enums.items():
        value = getattr(obj, name)
        if value is not None and type(value) is not enum:
            _set(obj, name, _parse_enum(enum, value, name))
    for name in times:
        value = getattr(obj, name)
        if value is not None:
            _set(obj, name, require_utc(owner, name, value))


def _required(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                f"{type(obj).__name__}.{name} must be a non-empty string", field=name
            )


SID_LENGTH = 64
ADDRESS_LENGTH = 255
_INT_MAX = 2**31 - 1  # the columns are 32-bit integers


def _fits(obj: object, **limits: int) -> None:
    """Text fields no longer than their columns (checked here so every database agrees)."""
    for name, limit in limits.items():
        value = getattr(obj, name)
        if isinstance(value, str) and len(value) > limit:
            raise ValidationError(
                f"{type(obj).__name__}.{name} is longer than {limit} characters", field=name
            )


def _non_negative(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValidationError(f"{type(obj).__name__}.{name} must be an integer", field=name)
        if value is not None and not 0 <= value <= _INT_MAX:
            raise ValidationError(
                f"{type(obj).__name__}.{name} must be from 0 to {_INT_MAX}", field=name
            )


def _tuple(obj: object, name: str, *, pairs: bool = False) -> None:
    """Accept any iterable (a list from JSON, say) where a tuple is declared."""
    value = getattr(obj, name)
    if pairs and not all(isinstance(p, tuple) and len(p) == 2 for p in value):
        _set(obj, name, tuple((str(k), str(v)) for k, v in value))
    elif not isinstance(value, tuple):
        _set(obj, name, tuple(value))


def _limit(obj: object) -> None:
    limit = getattr(obj, "limit")  # noqa: B009 - shared by several record types
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(
            f"limit must be an integer from 1 to {MAX_LIMIT} (got {limit!r}); page with 'before'",
            field="limit",
        )


def _price(obj: object) -> None:
    value = getattr(obj, "price")  # noqa: B009 - shared by several record types
    if value is None or isinstance(value, Decimal):
        return
    try:
        _set(obj, "price", Decimal(str(value)))
    except ArithmeticError:
        raise ValidationError(
            f"price {value!r} is not a number; pass Twilio's price string, e.g. '-0.0075'",
            field="price",
        ) from None


def strip_userinfo(url: str) -> str:
    """The URL without ``user:password@``; Twilio webhook URLs may carry Basic credentials."""
    if "@" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRecord:
    """One message as the ledger knows it.

    ``from_`` may be ``None`` for a message a Messaging Service accepted before choosing the
    sender. ``channel`` is derived from the addresses and media when not given. Optional fields
    left ``None`` (or an empty ``media_urls``) keep what the ledger already knows when the same
    SID is recorded again; given values replace it. ``status``,
    ``error_code`` and ``error_message`` read back as the *current* status, which only moves
    forward (see :class:`MessageStatus`).
    """

    sid: str
    account_sid: str
    direction: Direction
    from_: str | None
    to: str
    status: MessageStatus
    date_created: datetime
    body: str | None = None
    num_segments: int | None = None
    num_media: int | None = None
    media_urls: tuple[str, ...] = ()
    messaging_service_sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    channel: Channel | None = None
    price: Decimal | None = None
    price_unit: str | None = None
    date_updated: datetime | None = None
    date_sent: datetime | None = None

    def __post_init__(self) -> None:
        _required(self, "sid", "account_sid", "to")
        if self.direction == Direction.INBOUND:
            _required(self, "from_")  # the contact of an inbound message
        _fits(
            self,
            sid=SID_LENGTH,
            account_sid=SID_LENGTH,
            messaging_service_sid=SID_LENGTH,
            from_=ADDRESS_LENGTH,
            to=ADDRESS_LENGTH,
            price_unit=8,
        )
        _check(
            self,
            enums={"direction": Direction, "status": MessageStatus, "channel": Channel},
            times=("date_created", "date_updated", "date_sent"),
        )
        _non_negative(self, "num_segments", "num_media", "error_code")
        _price(self)
        _tuple(self, "media_urls")
        if self.channel is None:
            _set(self, "channel", channel_for(self.from_, self.to, self.num_media or 0))

    @property
    def is_inbound(self) -> bool:
        """Sent to us by someone else."""
        return self.direction is Direction.INBOUND

    @property
    def contact(self) -> str:
        """The other party: the sender of an inbound message, the recipient of an outbound one."""
        return (self.from_ or "") if self.is_inbound else self.to


def channel_for(from_: str | None, to: str, num_media: int) -> Channel:
    """The channel implied by the addresses (``whatsapp:`` prefix) and the media count."""
    if to.startswith("whatsapp:") or (from_ or "").startswith("whatsapp:"):
        return Channel.WHATSAPP
    return Channel.MMS if num_media > 0 else Channel.SMS


_S = TypeVar("_S", MessageStatus, CallStatus)


@dataclass(frozen=True, slots=True, kw_only=True)
class _StatusEventFields(Generic[_S]):
    """The fields of a status event, for messages and calls alike (subclasses name the
    lifecycle ``status`` belongs to)."""

    sid: str
    status: _S
    at: datetime
    source: StatusSource = StatusSource.CALLBACK
    error_code: int | None = None
    error_message: str | None = None

    _LIFECYCLE: ClassVar[type[_Lifecycle]]

    def __post_init__(self) -> None:
        _required(self, "sid")
        _fits(self, sid=SID_LENGTH)
        _check(self, enums={"status": self._LIFECYCLE, "source": StatusSource}, times=("at",))
        _non_negative(self, "error_code")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusEvent(_StatusEventFields[MessageStatus]):
    """One status a message was seen in, when, and how we learnt it."""

    _LIFECYCLE = MessageStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationItem:
    """A message in a conversation with its status history (oldest status first)."""

    message: MessageRecord
    history: tuple[StatusEvent, ...] = ()


# --------------------------------------------------------------------------- calls


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """One call as the ledger knows it; ``status`` reads back as the current status."""

    sid: str
    account_sid: str
    direction: CallDirection
    from_: str
    to: str
    status: CallStatus
    date_created: datetime
    date_updated: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    """Seconds, once the call has ended."""
    price: Decimal | None = None
    price_unit: str | None = None
    parent_call_sid: str | None = None
    answered_by: str | None = None
    error_code: int | None = None
    error_message: str | None = None

    def __post_init__(self) -> None:
        _required(self, "sid", "account_sid", "from_", "to")
        _fits(
            self,
            sid=SID_LENGTH,
            account_sid=SID_LENGTH,
            parent_call_sid=SID_LENGTH,
            from_=ADDRESS_LENGTH,
            to=ADDRESS_LENGTH,
            price_unit=8,
            answered_by=32,
        )
        _check(
            self,
            enums={"direction": CallDirection, "status": CallStatus},
            times=("date_created", "date_updated", "start_time", "end_time"),
        )
        _non_negative(self, "duration", "error_code")
        _price(self)

    @property
    def contact(self) -> str:
        """The other party: the caller of an inbound call, the callee of an outbound one."""
        return self.from_ if self.direction is CallDirection.INBOUND else self.to


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStatusEvent(_StatusEventFields[CallStatus]):
    """One status a call was seen in, when, and how we learnt it."""

    _LIFECYCLE = CallStatus


# --------------------------------------------------------------------------- webhooks, claims


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery:
    """One webhook request Twilio made to us, as received.

    ``key`` is the ``I-Twilio-Idempotency-Token`` header when present. ``params`` are the form
    fields as pairs, in order (a name may repeat). ``url`` is stored without any
    ``user:password@`` part.
    """

    kind: WebhookKind
    received_at: datetime
    url: str
    signature_valid: bool
    key: str | None = None
    sid: str | None = None
    duplicate: bool = False
    status_code: int | None = None
    """The HTTP status we answered with."""
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check(self, enums={"kind": WebhookKind}, times=("received_at",))
        _fits(self, sid=SID_LENGTH, key=255)
        _non_negative(self, "status_code")
        _set(self, "url", strip_userinfo(self.url))
        _tuple(self, "params", pairs=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """A first-writer-wins claim on ``(kind, key)``, e.g. ``("inbound", token)``.

    ``at`` defaults to the time the store writes it.
    """

    key: str
    kind: str
    at: datetime | None = None

    def __post_init__(self) -> None:
        _required(self, "key", "kind")
        if len(self.key) > 255 or len(self.kind) > 64:
            raise ValidationError(
                "a claim key is at most 255 characters and its kind at most 64; hash longer keys",
                field="key",
            )
        _check(self, enums={}, times=("at",))


# --------------------------------------------------------------------------- idempotency


class IdempotencyState(StrEnum):
    """Where a request sent under an idempotency key stands."""

    PENDING = "pending"
    """It is running, or it ended without a known outcome (it may have taken effect)."""
    DONE = "done"
    """It succeeded; its output is kept for retries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotentRequest:
    """The request that holds an idempotency key: which action, with which arguments (as a
    fingerprint), how far it got, and its output once done."""

    key: str
    action: str
    fingerprint: str
    state: IdempotencyState
    created_at: datetime
    output: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        _required(self, "key", "action", "fingerprint")
        if len(self.key) > 255:
            raise ValidationError(
                "an idempotency key is at most 255 characters", field="idempotency_key"
            )
        _check(self, enums={"state": IdempotencyState}, times=("created_at",))


# --------------------------------------------------------------------------- opt-outs


@dataclass(frozen=True, slots=True, kw_only=True)
class OptOutEvent:
    """A consent event for one sender and one recipient.

    ``sender_key`` is what Twilio keys its block on: the Messaging Service SID when the message
    went through one, else our sender address (see :func:`twiliokit.ledger.sender_key`).
    """

    sender_key: str
    recipient: str
    action: OptOutAction
    at: datetime
    source: OptOutSource = OptOutSource.INBOUND
    keyword: str | None = None
    message_sid: str | None = None

    def __post_init__(self) -> None:
        _required(self, "sender_key", "recipient")
        _fits(self, sender_key=ADDRESS_LENGTH, recipient=ADDRESS_LENGTH, message_sid=SID_LENGTH)
        _check(self, enums={"action": OptOutAction, "source": OptOutSource}, times=("at",))


@dataclass(frozen=True, slots=True, kw_only=True)
class OptOut:
    """A recipient currently opted out of one sender (or Messaging Service)."""

    sender_key: str
    recipient: str
    since: datetime
    source: OptOutSource
    keyword: str | None = None


# --------------------------------------------------------------------------- queries, batches


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerQuery:
    """Filters for :meth:`LedgerStore.search`; every filter is optional and they combine (AND).

    ``since`` is inclusive and ``until`` exclusive, on ``date_created``. ``text`` matches a
    substring of the body, case-insensitively (ASCII letters only on SQLite). Results are
    newest first, at most ``limit``.
    """

    contact: str | None = None
    direction: Direction | None = None
    status: MessageStatus | None = None
    channel: Channel | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        _check(
            self,
            enums={"direction": Direction, "status": MessageStatus, "channel": Channel},
            times=("since", "until"),
        )
        _limit(self)
        if self.text == "":  # matches everything; say so plainly rather than by LIKE '%%'
            _set(self, "text", None)
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValidationError("since must not be after until", field="since")


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerBatch:
    """Several writes applied in one transaction, after an optional claim.

    When ``claim`` is given and someone else already holds it, nothing in the batch is written
    and :attr:`BatchResult.claimed` is ``False``. This is the cheap path for a webhook: claim
    the idempotency token and record the message and the delivery in one round of commits.

    ``message_stubs`` are recorded only where the ledger has no message with that SID: what a
    status callback says of a message sent elsewhere (another system, the console, a
    Messaging Service's other senders), so that it still shows in conversations. They never
    change a message already recorded, and add no status event of their own.
    """

    claim: Claim | None = None
    messages: tuple[MessageRecord, ...] = ()
    message_stubs: tuple[MessageRecord, ...] = ()
    statuses: tuple[StatusEvent, ...] = ()
    calls: tuple[CallRecord, ...] = ()
    call_statuses: tuple[CallStatusEvent, ...] = ()
    webhooks: tuple[WebhookDelivery, ...] = ()
    opt_outs: tuple[OptOutEvent, ...] = ()

    def __post_init__(self) -> None:
        for name in (
            "messages",
            "message_stubs",
            "statuses",
            "calls",
            "call_statuses",
            "webhooks",
            "opt_outs",
        ):
            _tuple(self, name)


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchResult:
    """What a :class:`LedgerBatch` did: ``claimed`` and one outcome per status event, in order."""

    claimed: bool
    statuses: tuple[StatusOutcome, ...] = field(default=())
    call_statuses: tuple[StatusOutcome, ...] = field(default=())
