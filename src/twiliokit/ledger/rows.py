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
    MessageRecord,
    MessageStatus,
    OptOutEvent,
    StatusEvent,
    StatusSource,
    WebhookDelivery,
    WebhookKind,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def message_row(m: MessageRecord) -> dict[str, Any]:
    assert m.channel is not None  # set by MessageRecord.__post_init__
    return {
        "sid": m.sid,
        "account_sid": m.account_sid,
        "direction": m.direction.value,
        "from_addr": m.from_,
        "to_addr": m.to,
        "contact": m.contact,
        "body": m.body,
        "num_segments": m.num_segments,
        "num_media": m.num_media,
        "media_urls": list(m.media_urls) or None,
        "messaging_service_sid": m.messaging_service_sid,
        "channel": m.channel.value,
        "price": None if m.price is None else str(m.price),
        "price_unit": m.price_unit,
        "date_created": m.date_created,
        "date_updated": m.date_updated,
        "date_sent": m.date_sent,
    }


def message_from_row(r: Row[Any]) -> MessageRecord:
    return MessageRecord(
        sid=r.sid,
        account_sid=r.account_sid,
        direction=Direction(r.direction),
        from_=r.from_addr,
        to=r.to_addr,
        status=MessageStatus(r.status),
        date_created=r.date_created,
        body=r.body,
        num_segments=r.num_segments,
        num_media=r.num_media,
        media_urls=tuple(r.media_urls or ()),
        messaging_service_sid=r.messaging_service_sid,
        error_code=r.error_code,
        error_message=r.error_message,
        channel=Channel(r.channel),
        price=None if r.price is None else Decimal(r.price),
        price_unit=r.price_unit,
        date_updated=latest(r.date_updated, r.status_at),
        date_sent=r.date_sent,
    )


def call_row(c: CallRecord) -> dict[str, Any]:
    return {
        "sid": c.sid,
        "account_sid": c.account_sid,
        "direction": c.direction.value,
        "from_addr": c.from_,
        "to_addr": c.to,
        "contact": c.contact,
        "date_created": c.date_created,
        "date_updated": c.date_updated,
        "start_time": c.start_time,
        "end_time": c.end_time,
        "duration": c.duration,
        "price": None if c.price is None else str(c.price),
        "price_unit": c.price_unit,
        "parent_call_sid": c.parent_call_sid,
        "answered_by": c.answered_by,
    }


def call_from_row(r: Row[Any]) -> CallRecord:
    return CallRecord(
        sid=r.sid,
        account_sid=r.account_sid,
        direction=CallDirection(r.direction),
        from_=r.from_addr,
        to=r.to_addr,
        status=CallStatus(r.status),
        date_created=r.date_created,
        date_updated=latest(r.date_updated, r.status_at),
        start_time=r.start_time,
        end_time=r.end_time,
        duration=r.duration,
        price=None if r.price is None else Decimal(r.price),
        price_unit=r.price_unit,
        parent_call_sid=r.parent_call_sid,
        answered_by=r.answered_by,
        error_code=r.error_code,
        error_message=r.error_message,
    )


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


def message_event_row(m: MessageRecord) -> dict[str, Any]:
    # The record is validated and normalised already: no StatusEvent needs building.
    return {
        "sid": m.sid,
        "status": m.status.value,
        "status_rank": m.status.rank,
        "at": m.date_updated or m.date_created,
        "source": (StatusSource.CALLBACK if m.is_inbound else StatusSource.API).value,
        "error_code": m.error_code,
        "error_message": m.error_message,
    }


def call_event_row(c: CallRecord) -> dict[str, Any]:
    return {
        "sid": c.sid,
        "status": c.status.value,
        "status_rank": c.status.rank,
        "at": c.date_updated or c.date_created,
        "source": StatusSource.API.value,
        "error_code": c.error_code,
        "error_message": c.error_message,
    }


def status_row(event_row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event_row.items() if k != "source"}


def status_event_from_row(r: Row[Any]) -> StatusEvent:
    return StatusEvent(
        sid=r.sid,
        status=MessageStatus(r.status),
        at=r.at,
        source=StatusSource(r.source),
        error_code=r.error_code,
        error_message=r.error_message,
    )


def call_status_event_from_row(r: Row[Any]) -> CallStatusEvent:
    return CallStatusEvent(
        sid=r.sid,
        status=CallStatus(r.status),
        at=r.at,
        source=StatusSource(r.source),
        error_code=r.error_code,
        error_message=r.error_message,
    )


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
        kind=WebhookKind(r.kind),
        received_at=r.received_at,
        url=r.url,
        signature_valid=r.signature_valid,
        key=r.idempotency_key,
        sid=r.sid,
        duplicate=r.duplicate,
        status_code=r.status_code,
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


def opt_out_row(consent: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in consent.items() if k != "message_sid"}
