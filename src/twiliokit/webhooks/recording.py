"""What the ledger records for each webhook event (pure: records in, a batch out).

One delivery is one :class:`~twiliokit.ledger.LedgerBatch`, written in one transaction after
its dedupe claim: the delivery itself plus

- an inbound message: the message (``received``) and, for a keyword, the consent event;
- a status callback: the status event (the ledger never moves a status backwards);
- a voice request: the call when it is a new incoming call (``ringing``), else its status;
- Verify: nothing else (the delivery names the verification).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from twiliokit.errors import ValidationError
from twiliokit.ledger import (
    CallDirection,
    CallRecord,
    CallStatus,
    CallStatusEvent,
    Claim,
    Direction,
    LedgerBatch,
    MessageRecord,
    MessageStatus,
    OptOutEvent,
    OptOutSource,
    StatusEvent,
    StatusSource,
    WebhookDelivery,
)
from twiliokit.webhooks.events import (
    CallReceived,
    CallStatusChanged,
    MessageReceived,
    MessageStatusChanged,
    OptOutChanged,
    Pairs,
    VerifyEvent,
)

__all__ = [
    "call_batch",
    "call_status_batch",
    "message_batch",
    "status_batch",
    "verify_batch",
    "verify_summary",
]


def message_batch(
    event: MessageReceived,
    opt_out: OptOutChanged | None,
    webhook: WebhookDelivery,
    claim: Claim,
) -> LedgerBatch:
    """An inbound message, its keyword's consent event and the delivery."""
    message = MessageRecord(
        **_received(event),
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        body=event.body,
        num_segments=event.num_segments,
        num_media=len(event.media),
        media_urls=tuple(media.url for media in event.media),
        messaging_service_sid=event.messaging_service_sid,
        channel=event.channel,
    )
    consent: tuple[OptOutEvent, ...] = ()
    if opt_out is not None:
        consent = (
            OptOutEvent(
                sender_key=opt_out.sender_key,
                recipient=opt_out.recipient,
                action=opt_out.action,
                at=opt_out.at,
                source=OptOutSource.INBOUND,
                keyword=opt_out.keyword,
                message_sid=opt_out.message_sid,
            ),
        )
    return LedgerBatch(claim=claim, messages=(message,), webhooks=(webhook,), opt_outs=consent)


def status_batch(
    event: MessageStatusChanged, webhook: WebhookDelivery, claim: Claim
) -> LedgerBatch:
    """A message status event and the delivery, and what the callback says of the message
    (recorded only if the ledger has not seen it: sent by something else)."""
    status = StatusEvent(status=event.status, **_reported(event))
    stub = _message_stub(event)
    return LedgerBatch(
        claim=claim,
        statuses=(status,),
        webhooks=(webhook,),
        message_stubs=() if stub is None else (stub,),
    )


def _message_stub(event: MessageStatusChanged) -> MessageRecord | None:
    """The message as its status callback describes it, or ``None`` if it names too little
    (or something the ledger cannot hold: the status event is recorded all the same)."""
    if not (event.account_sid and event.to and (event.from_ or event.messaging_service_sid)):
        return None
    try:
        # Twilio's callbacks name the account, both addresses and the service; not when the
        # message was created (the first callback's arrival stands in) nor its body.
        return MessageRecord(
            sid=event.sid,
            account_sid=event.account_sid,
            direction=Direction.OUTBOUND_API,
            from_=event.from_,
            to=event.to,
            status=event.status,
            date_created=event.received_at,
            messaging_service_sid=event.messaging_service_sid,
        )
    except ValidationError:
        return None


def call_batch(event: CallReceived, webhook: WebhookDelivery, claim: Claim) -> LedgerBatch:
    """A new incoming call (or the status of a call asking for more TwiML) and the delivery.

    Only the first request of an incoming call (``ringing``) creates the call: a later
    ``<Gather>`` post or an outbound call's URL fetch must not reset when it was created.
    """
    if event.direction == CallDirection.INBOUND.value and event.status is CallStatus.RINGING:
        call = CallRecord(
            **_received(event),
            direction=CallDirection.INBOUND,
            status=event.status,
            parent_call_sid=event.parent_call_sid,
        )
        return LedgerBatch(claim=claim, calls=(call,), webhooks=(webhook,))
    status = CallStatusEvent(
        sid=event.sid, status=event.status, at=event.received_at, source=StatusSource.CALLBACK
    )
    return LedgerBatch(claim=claim, call_statuses=(status,), webhooks=(webhook,))


def call_status_batch(
    event: CallStatusChanged, webhook: WebhookDelivery, claim: Claim
) -> LedgerBatch:
    """A call status event and the delivery."""
    status = CallStatusEvent(status=event.status, **_reported(event))
    return LedgerBatch(claim=claim, call_statuses=(status,), webhooks=(webhook,))


class _Received(TypedDict):
    sid: str
    account_sid: str
    from_: str
    to: str
    date_created: datetime


def _received(event: MessageReceived | CallReceived) -> _Received:
    """Who wrote or called whom, and when: how an inbound message or call starts its record."""
    return {
        "sid": event.sid,
        "account_sid": event.account_sid,
        "from_": event.from_,
        "to": event.to,
        "date_created": event.received_at,
    }


class _Reported(TypedDict):
    sid: str
    at: datetime
    source: StatusSource
    error_code: int | None
    error_message: str | None


def _reported(event: MessageStatusChanged | CallStatusChanged) -> _Reported:
    """What a status callback says besides the status, as a message's or a call's status
    event records it."""
    return {
        "sid": event.sid,
        "at": event.received_at,
        "source": StatusSource.CALLBACK,
        "error_code": event.error_code,
        "error_message": event.error_message,
    }


def verify_summary(events: tuple[VerifyEvent, ...]) -> Pairs:
    """What a Verify delivery keeps in the ledger: each event's id, type and verification."""
    pairs: list[tuple[str, str]] = []
    for event in events:
        pairs += [("id", event.id), ("type", event.type)]
        if event.verification_sid:
            pairs.append(("verification_sid", event.verification_sid))
    return tuple(pairs)


def verify_batch(webhook: WebhookDelivery, claim: Claim) -> LedgerBatch:
    """A Verify delivery."""
    return LedgerBatch(claim=claim, webhooks=(webhook,))
