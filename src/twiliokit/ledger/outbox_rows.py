"""How outbox records become table rows and rows become records (pure: no I/O), in the style
of :mod:`twiliokit.ledger.rows`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row

from twiliokit.ledger.outbox_records import (
    NewBatch,
    NewOutboxItem,
    OutboxBatch,
    OutboxItem,
    OutboxKind,
    OutboxState,
    SenderPace,
)
from twiliokit.ledger.outbox_rules import read_state
from twiliokit.ledger.rows import same_named

__all__ = ["batch_from_row", "batch_row", "item_from_row", "item_row", "pace_from_row"]


def item_row(item: NewOutboxItem) -> dict[str, Any]:
    """Every column of ``twiliokit_outbox_items`` for a new item."""
    return {
        "outbox_id": item.id,
        "kind": item.kind.value,
        "action": item.action,
        "sender": item.sender,
        "to_addr": item.to,
        "request": item.request,
        "state": item.state.value,
        "created_at": item.created_at,
        "updated_at": item.created_at,
        "not_before": item.not_before,
        "batch_id": item.batch_id,
        "idempotency_key": item.idempotency_key,
        "attempts": 0,
        "lease_owner": item.lease_owner,
        "lease_until": item.lease_until,
        "request_started_at": None,
        "finished_at": item.created_at if item.state is OutboxState.REFUSED else None,
        "sid": None,
        "twilio_status": None,
        "error_code": None,
        "reason": item.reason,
    }


def item_from_row(r: Row[Any]) -> OutboxItem:
    """An item row joined with its SID's current status (``current_status``,
    ``current_error``: NULL when the ledger has none)."""
    state = OutboxState(r.state)
    return OutboxItem(
        id=r.outbox_id,
        kind=OutboxKind(r.kind),
        action=r.action,
        sender=r.sender,
        to=r.to_addr,
        request=r.request,
        state=read_state(state, r.current_status),
        created_at=r.created_at,
        updated_at=r.updated_at,
        not_before=r.not_before,
        batch_id=r.batch_id,
        idempotency_key=r.idempotency_key,
        attempts=r.attempts,
        lease_owner=r.lease_owner,
        lease_until=r.lease_until,
        request_started_at=r.request_started_at,
        finished_at=r.finished_at,
        sid=r.sid,
        twilio_status=r.current_status or r.twilio_status,
        error_code=r.error_code if r.current_error is None else r.current_error,
        reason=r.reason,
    )


def batch_row(batch: NewBatch) -> dict[str, Any]:
    return {
        "batch_id": batch.id,
        **same_named(batch, "action", "created_at", "total", "rate"),
        "canceled_at": None,
        "details": batch.details or None,
    }


def batch_from_row(r: Row[Any]) -> OutboxBatch:
    return OutboxBatch(
        id=r.batch_id,
        **same_named(r, "action", "created_at", "total", "rate", "canceled_at"),
        details=r.details or {},
    )


def pace_from_row(r: Row[Any]) -> SenderPace:
    return SenderPace(sender=r.sender, rate=r.rate, next_at=r.next_at, slowed_until=r.slowed_until)
