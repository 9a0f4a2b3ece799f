"""Typed webhook events, and pure parsers from Twilio's parameters to them.

=====================  ==============================  =====================================
Event                  Endpoint                        Handler
=====================  ==============================  =====================================
MessageReceived        /webhooks/twilio/messaging      ``on_message`` (may return a reply)
MessageStatusChanged   /webhooks/twilio/message-status ``on_status``
CallReceived           /webhooks/twilio/voice          ``on_call`` (may return TwiML)
CallStatusChanged      /webhooks/twilio/call-status    ``on_status``
OptOutChanged          an inbound STOP/START/HELP      ``on_opt_out``
VerifyEvent            /webhooks/twilio/verify         ``on_verify``
=====================  ==============================  =====================================

Parsers raise :class:`twiliokit.errors.ValidationError` naming the missing or malformed
parameter; the receiver answers 400 with it. Twilio adds parameters without notice, so unknown
ones are never an error: every event keeps all of them in ``params``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Final, TypeAlias, TypedDict

from twiliokit.errors import ValidationError
from twiliokit.ledger import (
    CallDirection,
    CallStatus,
    Channel,
    MessageStatus,
    OptOutAction,
    StatusOutcome,
    channel_for,
    keyword_action,
    sender_key,
)

__all__ = [
    "CallReceived",
    "CallStatusChanged",
    "Event",
    "Media",
    "MessageReceived",
    "MessageStatusChanged",
    "OptOutChanged",
    "Pairs",
    "StatusChanged",
    "VerifyEvent",
    "opt_out_event",
    "opt_out_for",
    "parse_call_received",
    "parse_call_status",
    "parse_message_received",
    "parse_message_status",
    "parse_verify_events",
]

Pairs: TypeAlias = tuple[tuple[str, str], ...]

VERIFY_EVENT_PREFIX: Final = "com.twilio.accountsecurity.verify.verification."
_OPT_OUT_TYPES: Final = {
    "STOP": OptOutAction.STOP,
    "START": OptOutAction.START,
    "HELP": OptOutAction.HELP,
}


@dataclass(frozen=True, slots=True)
class Media:
    """One attachment of an inbound message (fetch it with :func:`twiliokit.webhooks.media`)."""

    url: str
    content_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived:
    """An inbound SMS, MMS or WhatsApp message.

    ``opt_out`` is set when the body is a keyword Twilio acts on (STOP, START, HELP and their
    synonyms, or ``OptOutType`` with Advanced Opt-Out); Twilio has already auto-replied then,
    so a reply returned by a handler is not sent.
    """

    kind: ClassVar[str] = "message.received"

    sid: str
    account_sid: str
    from_: str
    to: str
    body: str
    received_at: datetime
    media: tuple[Media, ...] = ()
    num_segments: int | None = None
    messaging_service_sid: str | None = None
    channel: Channel = Channel.SMS
    profile_name: str | None = None
    """The sender's WhatsApp profile name."""
    opt_out: OptOutAction | None = None
    keyword: str | None = None
    idempotency_token: str | None = None
    params: Pairs = field(default=(), repr=False)

    @property
    def contact(self) -> str:
        """The person who wrote."""
        return self.from_


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStatusChanged:
    """A message status callback. ``outcome`` says whether it moved the ledger's current status
    (``applied``) or arrived late, after a later status (``stale``: kept in the history only)."""

    kind: ClassVar[str] = "message.status"

    sid: str
    status: MessageStatus
    received_at: datetime
    account_sid: str | None = None
    from_: str | None = None
    to: str | None = None
    messaging_service_sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    outcome: StatusOutcome = StatusOutcome.APPLIED
    idempotency_token: str | None = None
    params: Pairs = field(default=(), repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallReceived:
    """Twilio asks what to do with a call (an incoming call, or a ``<Gather>``/``<Redirect>``
    posting back to the voice URL: ``digits`` and ``speech_result`` then say what was heard)."""

    kind: ClassVar[str] = "call.received"

    sid: str
    account_sid: str
    from_: str
    to: str
    status: CallStatus
    received_at: datetime
    direction: str = CallDirection.INBOUND.value
    caller_name: str | None = None
    forwarded_from: str | None = None
    parent_call_sid: str | None = None
    digits: str | None = None
    speech_result: str | None = None
    idempotency_token: str | None = None
    params: Pairs = field(default=(), repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStatusChanged:
    """A call status callback (``initiated``, ``ringing``, ``answered``, ``completed``)."""

    kind: ClassVar[str] = "call.status"

    sid: str
    status: CallStatus
    received_at: datetime
    account_sid: str | None = None
    from_: str | None = None
    to: str | None = None
    direction: str | None = None
    duration: int | None = None
    """Seconds (``CallDuration``), on ``completed``."""
    sequence_number: int | None = None
    answered_by: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    outcome: StatusOutcome = StatusOutcome.APPLIED
    idempotency_token: str | None = None
    params: Pairs = field(default=(), repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class OptOutChanged:
    """A recipient texted an opt-out, opt-in or help keyword to one of our senders.

    ``sender_key`` is what Twilio blocks on: the Messaging Service SID when the message came
    through one, else our number.
    """

    kind: ClassVar[str] = "opt_out.changed"

    sender_key: str
    recipient: str
    action: OptOutAction
    at: datetime
    keyword: str | None = None
    message_sid: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyEvent:
    """One Verify Event (a CloudEvent): ``status`` is the part of ``type`` after
    ``...verify.verification.`` (``approved``, ``pending``, ``canceled``, ``expired``...)."""

    kind: ClassVar[str] = "verify.event"

    id: str
    type: str
    received_at: datetime
    source: str | None = None
    time: str | None = None
    verification_sid: str | None = None
    service_sid: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str:
        """``approved`` for ``com.twilio.accountsecurity.verify.verification.approved``."""
        return self.type.removeprefix(VERIFY_EVENT_PREFIX)


StatusChanged: TypeAlias = MessageStatusChanged | CallStatusChanged
Event: TypeAlias = (
    MessageReceived
    | MessageStatusChanged
    | CallReceived
    | CallStatusChanged
    | OptOutChanged
    | VerifyEvent
)


# --------------------------------------------------------------------------- parsing helpers


def _last(params: Pairs) -> dict[str, str]:
    """Name -> value (the last one, for the rare repeated name)."""
    return dict(params)


def _required(values: Mapping[str, str], name: str, what: str) -> str:
    value = values.get(name, "").strip()
    if not value:
        raise ValidationError(
            f"the {what} has no {name} parameter",
            field=name,
            hint=f"Twilio always sends {name}; check that this URL is the {what} URL.",
        )
    return value


def _optional(values: Mapping[str, str], name: str) -> str | None:
    value = values.get(name, "").strip()
    return value or None


def _integer(values: Mapping[str, str], name: str) -> int | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError:
        raise ValidationError(
            f"{name} must be a whole number, not {raw[:20]!r}", field=name
        ) from None
    if number < 0:
        raise ValidationError(f"{name} must not be negative", field=name)
    return number


def _status(values: Mapping[str, str], names: tuple[str, ...], what: str) -> str:
    for name in names:
        value = values.get(name, "").strip()
        if value:
            return value.lower()
    raise ValidationError(
        f"the {what} has no {names[0]} parameter",
        field=names[0],
        hint=f"Twilio always sends {names[0]}; check that this URL is the {what} URL.",
    )


class _CallbackFields(TypedDict):
    account_sid: str | None
    from_: str | None
    to: str | None
    error_code: int | None
    error_message: str | None
    idempotency_token: str | None
    params: Pairs


def _callback_fields(
    values: Mapping[str, str], params: Pairs, idempotency_token: str | None
) -> _CallbackFields:
    """What every status callback carries the same way, for messages and calls alike."""
    return {
        "account_sid": _optional(values, "AccountSid"),
        "from_": _optional(values, "From"),
        "to": _optional(values, "To"),
        "error_code": _integer(values, "ErrorCode"),
        "error_message": _optional(values, "ErrorMessage"),
        "idempotency_token": idempotency_token,
        "params": params,
    }


def opt_out_for(
    *,
    body: str,
    channel: Channel,
    opt_out_type: str | None,
) -> tuple[OptOutAction | None, str | None]:
    """The consent action an inbound message takes, and its keyword.

    ``OptOutType`` (sent with Advanced Opt-Out, custom keywords included) wins; otherwise the
    default keywords apply to SMS and MMS: a single word, any case (reference section 8).
    """
    if opt_out_type:
        action = _OPT_OUT_TYPES.get(opt_out_type.strip().upper())
        if action is not None:
            return action, body.strip().upper() or opt_out_type.strip().upper()
    if channel is Channel.WHATSAPP:
        return None, None
    action = keyword_action(body)
    return (action, body.strip().upper()) if action is not None else (None, None)


# --------------------------------------------------------------------------- parsers


def parse_message_received(
    params: Pairs, *, received_at: datetime, idempotency_token: str | None = None
) -> MessageReceived:
    """An inbound message from the messaging webhook's parameters."""
    values = _last(params)
    what = "incoming-message webhook"
    sid = _required(values, "MessageSid", what)
    from_ = _required(values, "From", what)
    to = _required(values, "To", what)
    num_media = _integer(values, "NumMedia") or 0
    if num_media > 50:
        raise ValidationError("NumMedia is larger than any message can carry", field="NumMedia")
    media = []
    for index in range(num_media):
        url = _optional(values, f"MediaUrl{index}")
        if url is None:
            raise ValidationError(
                f"NumMedia is {num_media} but MediaUrl{index} is missing", field=f"MediaUrl{index}"
            )
        media.append(Media(url, _optional(values, f"MediaContentType{index}")))
    body = values.get("Body", "")
    channel = channel_for(from_, to, num_media)
    action, keyword = opt_out_for(
        body=body, channel=channel, opt_out_type=_optional(values, "OptOutType")
    )
    return MessageReceived(
        sid=sid,
        account_sid=_required(values, "AccountSid", what),
        from_=from_,
        to=to,
        body=body,
        received_at=received_at,
        media=tuple(media),
        num_segments=_integer(values, "NumSegments"),
        messaging_service_sid=_optional(values, "MessagingServiceSid"),
        channel=channel,
        profile_name=_optional(values, "ProfileName"),
        opt_out=action,
        keyword=keyword,
        idempotency_token=idempotency_token,
        params=params,
    )


def parse_message_status(
    params: Pairs, *, received_at: datetime, idempotency_token: str | None = None
) -> MessageStatusChanged:
    """A message status callback from its parameters (``outcome`` is filled in later)."""
    values = _last(params)
    what = "message status callback"
    sid = _optional(values, "SmsSid") if "MessageSid" not in values else None
    sid = sid or _required(values, "MessageSid", what)
    raw = _status(values, ("MessageStatus", "SmsStatus"), what)
    return MessageStatusChanged(
        sid=sid,
        status=MessageStatus.parse(raw),
        received_at=received_at,
        messaging_service_sid=_optional(values, "MessagingServiceSid"),
        **_callback_fields(values, params, idempotency_token),
    )


def parse_call_received(
    params: Pairs, *, received_at: datetime, idempotency_token: str | None = None
) -> CallReceived:
    """A voice webhook (TwiML request) from its parameters."""
    values = _last(params)
    what = "voice webhook"
    status = _status(values, ("CallStatus",), what)
    return CallReceived(
        sid=_required(values, "CallSid", what),
        account_sid=_required(values, "AccountSid", what),
        from_=_required(values, "From", what),
        to=_required(values, "To", what),
        status=CallStatus.parse(status),
        received_at=received_at,
        direction=(_optional(values, "Direction") or CallDirection.INBOUND.value).lower(),
        caller_name=_optional(values, "CallerName"),
        forwarded_from=_optional(values, "ForwardedFrom"),
        parent_call_sid=_optional(values, "ParentCallSid"),
        digits=_optional(values, "Digits"),
        speech_result=_optional(values, "SpeechResult"),
        idempotency_token=idempotency_token,
        params=params,
    )


def parse_call_status(
    params: Pairs, *, received_at: datetime, idempotency_token: str | None = None
) -> CallStatusChanged:
    """A call status callback from its parameters (``outcome`` is filled in later)."""
    values = _last(params)
    what = "call status callback"
    status = _status(values, ("CallStatus",), what)
    return CallStatusChanged(
        sid=_required(values, "CallSid", what),
        status=CallStatus.parse(status),
        received_at=received_at,
        direction=_optional(values, "Direction"),
        duration=_integer(values, "CallDuration"),
        sequence_number=_integer(values, "SequenceNumber"),
        answered_by=_optional(values, "AnsweredBy"),
        **_callback_fields(values, params, idempotency_token),
    )


def parse_verify_events(document: object, *, received_at: datetime) -> tuple[VerifyEvent, ...]:
    """Verify Events from a webhook's parsed JSON: a CloudEvent or a list of them."""
    items = document if isinstance(document, list) else [document]
    if not items:
        raise ValidationError("the Verify webhook body is an empty list", field="body")
    events = []
    for position, item in enumerate(items):
        where = f"event {position}" if isinstance(document, list) else "the event"
        if not isinstance(item, dict):
            raise ValidationError(
                f"{where} is not a JSON object",
                field="body",
                hint="Verify webhooks send a CloudEvent object or a list of them.",
            )
        event_id, event_type = item.get("id"), item.get("type")
        if not isinstance(event_id, str) or not event_id:
            raise ValidationError(f"{where} has no 'id'", field="id")
        if not isinstance(event_type, str) or not event_type:
            raise ValidationError(f"{where} has no 'type'", field="type")
        data = item.get("data")
        data = data if isinstance(data, dict) else {}
        events.append(
            VerifyEvent(
                id=event_id,
                type=event_type,
                received_at=received_at,
                source=_text(item.get("source")),
                time=_text(item.get("time")),
                verification_sid=_text(data.get("verification_sid")),
                service_sid=_text(data.get("service_sid")),
                data=data,
            )
        )
    return tuple(events)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def opt_out_event(message: MessageReceived) -> OptOutChanged | None:
    """The consent event an inbound keyword message records, if it is one."""
    if message.opt_out is None:
        return None
    return OptOutChanged(
        sender_key=sender_key(message.to, message.messaging_service_sid),
        recipient=message.from_,
        action=message.opt_out,
        at=message.received_at,
        keyword=message.keyword,
        message_sid=message.sid,
    )
