"""How ledger records become table rows and rows become records (pure: no I/O).

One pair of functions per table: ``message_row``/``message_from_row`` and so on. The rows are
what :mod:`~twiliokit.ledger.statements` writes; the records what the store answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Row

from twiliokit.ledger.records import (
    CallDirection,
    CallRecord,
    CallStatus,
    CallStatusEvent,
    Channel,
    Direction,
    IdempotencyState,
    IdempotentRequest,
    MessageRecord,
    MessageStatus,
    OptOut,
    OptOutAction,
    OptOutEvent,
    OptOutSource,
    StatusEvent,
    StatusSource,
    WebhookDelivery,
    WebhookKind,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def same_named(source: object, *names: str) -> dict[str, Any]:
    """``{name: source.name}`` for each name: the values a row and its record (either way)
    hold under one name and in one form. The rest a mapper spells out."""
    return {name: getattr(source, name) for name in names}


def message_row(m: MessageRecord) -> dict[str, Any]:
    assert m.channel is not None  # set by MessageRecord.__post_init__
    return {
        **_party_row(m),
        "body": m.body,
        "num_segments": m.num_segments,
        "num_media": m.num_media,
        "media_urls": list(m.media_urls) or None,
        "messaging_service_sid": m.messaging_service_sid,
        "channel": m.channel.value,
        "date_sent": m.date_sent,
    }


def message_from_row(r: Row[Any]) -> MessageRecord:
    return MessageRecord(
        **_party_fields(r),
        **same_named(r, "body", "num_segments", "num_media", "messaging_service_sid", "date_sent"),
        direction=Direction(r.direction),
        status=MessageStatus(r.status),
        media_urls=tuple(r.media_urls or ()),
        channel=Channel(r.channel),
    )


def call_row(c: CallRecord) -> dict[str, Any]:
    return {
        **_party_row(c),
        "start_time": c.start_time,
        "end_time": c.end_time,
        "duration": c.duration,
        "parent_call_sid": c.parent_call_sid,
        "answered_by": c.answered_by,
    }


def call_from_row(r: Row[Any]) -> CallRecord:
    return CallRecord(
        **_party_fields(r),
        **same_named(r, "start_time", "end_time", "duration", "parent_call_sid", "answered_by"),
        direction=CallDirection(r.direction),
        status=CallStatus(r.status),
    )


def _party_row(r: MessageRecord | CallRecord) -> dict[str, Any]:
    """The columns the messages and calls tables share: who, which way, when, at what price."""
    return {
        "sid": r.sid,
        "account_sid": r.account_sid,
        "direction": r.direction.value,
        "from_addr": r.from_,
        "to_addr": r.to,
        "contact": r.contact,
        "price": None if r.price is None else str(r.price),
        "price_unit": r.price_unit,
        "date_created": r.date_created,
        "date_updated": r.date_updated,
    }


def _party_fields(r: Row[Any]) -> dict[str, Any]:
    """What a message's and a call's row give their record alike (all but the direction and
    status, whose enums differ): the current status's error and time come from the join."""
    return {
        "sid": r.sid,
        "account_sid": r.account_sid,
        "from_": r.from_addr,
        "to": r.to_addr,
        "date_created": r.date_created,
        "date_updated": latest(r.date_updated, r.status_at),
        "price": None if r.price is None else Decimal(r.price),
        "price_unit": r.price_unit,
        "error_code": r.error_code,
        "error_message": r.error_message,
    }


def event_row(e: StatusEvent | CallStatusEvent) -> dict[str, Any]:
    return {
        "sid": e.sid,
        "status": e.status.value,
        "status_rank": e.status.rank,
        "at": e.at,
        "source": e.source.value,
        "error_code": e.error_code,
        "error_message": e.error_message,
    }


def record_event_row(r: MessageRecord | CallRecord) -> dict[str, Any]:
    """The event row of the status a record is recorded with (learnt from the API's answer,
    or from the webhook of an inbound message)."""
    # The record is validated and normalised already: no status event needs building.
    inbound = isinstance(r, MessageRecord) and r.is_inbound
    return {
        "sid": r.sid,
        "status": r.status.value,
        "status_rank": r.status.rank,
        "at": r.date_updated or r.date_created,
        "source": (StatusSource.CALLBACK if inbound else StatusSource.API).value,
        "error_code": r.error_code,
        "error_message": r.error_message,
    }


def status_row(event_row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event_row.items() if k != "source"}


def status_event_from_row(r: Row[Any]) -> StatusEvent:
    return StatusEvent(status=MessageStatus(r.status), **_event_fields(r))


def call_status_event_from_row(r: Row[Any]) -> CallStatusEvent:
    return CallStatusEvent(status=CallStatus(r.status), **_event_fields(r))


def _event_fields(r: Row[Any]) -> dict[str, Any]:
    """What a message's and a call's status event rows hold alike (all but the status)."""
    return {
        "sid": r.sid,
        "at": r.at,
        "source": StatusSource(r.source),
        "error_code": r.error_code,
        "error_message": r.error_message,
    }


def webhook_row(w: WebhookDelivery) -> dict[str, Any]:
    return {
        "kind": w.kind.value,
        "idempotency_key": w.key,
        "sid": w.sid,
        "received_at": w.received_at,
        "url": w.url,
        "signature_valid": w.signature_valid,
        "duplicate": w.duplicate,
        "status_code": w.status_code,
        "params": w.params or None,  # pairs: JSON arrays of two strings
    }


def webhook_from_row(r: Row[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        **same_named(r, "received_at", "url", "signature_valid", "sid", "duplicate", "status_code"),
        kind=WebhookKind(r.kind),
        key=r.idempotency_key,
        params=tuple((k, v) for k, v in r.params or ()),
    )


def consent_row(e: OptOutEvent) -> dict[str, Any]:
    return {
        "sender_key": e.sender_key,
        "recipient": e.recipient,
        "action": e.action.value,
        "at": e.at,
        "source": e.source.value,
        "keyword": e.keyword,
        "message_sid": e.message_sid,
    }


def idempotent_from_row(r: Row[Any]) -> IdempotentRequest:
    return IdempotentRequest(
        **same_named(r, "key", "action", "fingerprint", "created_at", "output"),
        state=IdempotencyState(r.state),
    )


def consent_from_row(r: Row[Any]) -> OptOutEvent:
    return OptOutEvent(
        **same_named(r, "sender_key", "recipient", "at", "keyword", "message_sid"),
        action=OptOutAction(r.action),
        source=OptOutSource(r.source),
    )


def opt_out_row(consent: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in consent.items() if k != "message_sid"}


def opt_out_from_row(r: Row[Any] | OptOutEvent) -> OptOut:
    """The opt-out an ``opt_outs`` row holds; or the consent event that wrote it (the row is
    that event without its message SID: see :func:`opt_out_row`)."""
    return OptOut(
        **same_named(r, "sender_key", "recipient", "keyword"),
        since=r.at,
        source=OptOutSource(r.source),
    )
