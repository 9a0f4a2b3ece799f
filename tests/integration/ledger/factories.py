"""Record factories for the ledger tests: valid records with overridable fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from twiliokit.ledger import (
    Direction,
    MessageRecord,
    MessageStatus,
    StatusEvent,
    StatusSource,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "AC" + "a" * 32
US = "+15550000000"
THEM = "+15550001111"


def at(minutes: float) -> datetime:
    """``T0`` plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def sid(n: int, prefix: str = "SM") -> str:
    """A well-formed SID numbered ``n``."""
    return f"{prefix}{n:032x}"


def outbound(n: int, **fields: Any) -> MessageRecord:
    """An outbound API message from us to THEM, queued at T0."""
    values: dict[str, Any] = {
        "sid": sid(n),
        "account_sid": ACCOUNT,
        "direction": Direction.OUTBOUND_API,
        "from_": US,
        "to": THEM,
        "status": MessageStatus.QUEUED,
        "date_created": T0,
        "body": f"message {n}",
    }
    values.update(fields)
    return MessageRecord(**values)


def inbound(n: int, **fields: Any) -> MessageRecord:
    """An inbound message from THEM to us, received at T0."""
    values: dict[str, Any] = {
        "sid": sid(n),
        "account_sid": ACCOUNT,
        "direction": Direction.INBOUND,
        "from_": THEM,
        "to": US,
        "status": MessageStatus.RECEIVED,
        "date_created": T0,
        "body": f"reply {n}",
    }
    values.update(fields)
    return MessageRecord(**values)


def status(n: int, value: str, *, minutes: float = 1, **fields: Any) -> StatusEvent:
    """A status callback for message ``n``."""
    return StatusEvent(
        sid=sid(n),
        status=MessageStatus(value),
        at=at(minutes),
        source=fields.pop("source", StatusSource.CALLBACK),
        **fields,
    )
