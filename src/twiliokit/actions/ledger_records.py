"""Ledger records from what a send or a fetch learnt: pure builders, no I/O.

- :func:`message_record` / :func:`call_record`: the message or call Twilio answered with;
- :func:`poll_event`: the status a fetch found, as a ``poll`` status event;
- :func:`opt_out_from_error`: the opt-out a 21610 refusal reveals.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from twiliokit.errors import TwiliokitError
from twiliokit.ledger.records import (
    CallDirection,
    CallRecord,
    CallStatus,
    Channel,
    Direction,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
    OptOutSource,
    StatusEvent,
    StatusSource,
)
from twiliokit.ledger.rules import sender_key

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from twiliokit.actions.hooks import SendIntent
    from twiliokit.resources.calls import Call
    from twiliokit.resources.messages import Message

__all__ = [
    "OPTED_OUT_CODE",
    "WHATSAPP_WINDOW_CODE",
    "call_record",
    "message_record",
    "opt_out_from_error",
    "poll_event",
]

#: Twilio's "attempt to send to unsubscribed recipient" (the recipient replied STOP).
OPTED_OUT_CODE = 21610
#: Twilio's "outside the allowed window" (free-form WhatsApp after 24 hours).
WHATSAPP_WINDOW_CODE = 63016
_MESSAGE_CHANNELS = {"sms": Channel.SMS, "mms": Channel.MMS, "whatsapp": Channel.WHATSAPP}


RecordT = TypeVar("RecordT", bound="DataclassInstance")


def _copied(record: type[RecordT], origin: object, /, **computed: Any) -> RecordT:
    """A ``record`` of ``origin``: every field ``origin`` has by name is copied; ``computed``
    gives the others (and any that need converting)."""
    shared = {
        field.name: getattr(origin, field.name)
        for field in dataclasses.fields(record)
        if field.name not in computed and hasattr(origin, field.name)
    }
    return record(**shared, **computed)


def _direction(value: str | None) -> Direction:
    try:
        return Direction(value) if value else Direction.OUTBOUND_API
    except ValueError:
        return Direction.OUTBOUND_API


def message_record(
    message: Message, *, now: datetime, intent: SendIntent | None = None
) -> MessageRecord:
    """The ledger record of a message Twilio returned (from a create when ``intent`` is given,
    else from a fetch). Raises ``ValidationError`` for data the ledger cannot store."""
    channel = _MESSAGE_CHANNELS.get(intent.channel) if intent is not None else None
    return _copied(
        MessageRecord,
        message,
        account_sid=message.account_sid or "",
        direction=_direction(message.direction),
        from_=message.from_ or (intent.from_ if intent is not None else None),
        to=message.to or (intent.to if intent is not None else ""),
        status=MessageStatus.parse(message.status or "queued"),
        date_created=message.date_created or now,
        body=message.body if message.body is not None else (intent.body if intent else None),
        media_urls=intent.media_urls if intent is not None else (),
        messaging_service_sid=message.messaging_service_sid
        or (intent.messaging_service_sid if intent is not None else None),
        channel=channel,
    )


def poll_event(message: Message, *, now: datetime) -> StatusEvent:
    """The status a fetch of ``message`` found, as an event learnt by polling."""
    return StatusEvent(
        sid=message.sid,
        status=MessageStatus.parse(message.status or "queued"),
        at=message.date_updated or now,
        source=StatusSource.POLL,
        error_code=message.error_code,
        error_message=message.error_message,
    )


def call_record(call: Call, *, now: datetime, intent: SendIntent) -> CallRecord:
    """The ledger record of a call Twilio created."""
    return _copied(
        CallRecord,
        call,
        account_sid=call.account_sid or "",
        direction=CallDirection.OUTBOUND_API,
        from_=call.from_ or intent.from_ or "",
        to=call.to or intent.to,
        status=CallStatus.parse(call.status or "queued"),
        date_created=call.date_created or now,
    )


def opt_out_from_error(
    intent: SendIntent, error: Exception, *, now: datetime
) -> OptOutEvent | None:
    """The STOP a Twilio 21610 reveals (the recipient opted out where we could not see it), or
    ``None`` for any other failure. A 63016 is a closed WhatsApp window, not an opt-out."""
    if intent.channel == "call" or not isinstance(error, TwiliokitError):
        return None
    if error.code != OPTED_OUT_CODE or not (intent.from_ or intent.messaging_service_sid):
        return None
    return OptOutEvent(
        sender_key=sender_key(intent.from_, intent.messaging_service_sid),
        recipient=intent.to,
        action=OptOutAction.STOP,
        at=now,
        source=OptOutSource.TWILIO_21610,
    )
