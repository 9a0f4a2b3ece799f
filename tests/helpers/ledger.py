"""Write and read a ledger through its public API, as `twiliokit serve` and its users do.

For tests that need the ledger to know something the webhook receiver would have recorded
(a user wrote in, a user replied STOP) without running the receiver, and that read back what
a command recorded.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from twiliokit.ledger import LedgerStore, open_ledger
from twiliokit.ledger.records import (
    Direction,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
)

__all__ = ["read_ledger", "record_inbound", "record_stop"]

T = TypeVar("T")


def read_ledger(url: str | None, read: Callable[[LedgerStore], Awaitable[T]]) -> T:
    """``read(ledger)`` on the ledger at ``url`` (``None``: the default SQLite file)."""

    async def run() -> T:
        async with await open_ledger(url) as ledger:
            return await read(ledger)

    return asyncio.run(run())


def record_inbound(
    url: str | None, *, contact: str, to: str, body: str = "hi", at: datetime | None = None
) -> None:
    """An inbound message from ``contact`` to our ``to``, received ``at`` (default: now)."""
    message = MessageRecord(
        sid="SM" + uuid.uuid4().hex,
        account_sid="AC" + "0" * 32,
        direction=Direction.INBOUND,
        from_=contact,
        to=to,
        status=MessageStatus.RECEIVED,
        date_created=at or datetime.now(UTC),
        body=body,
    )
    read_ledger(url, lambda ledger: ledger.record_message(message))


def record_stop(url: str | None, *, contact: str, sender: str) -> None:
    """``contact`` replied STOP to ``sender`` just now."""
    event = OptOutEvent(
        sender_key=sender,
        recipient=contact,
        action=OptOutAction.STOP,
        at=datetime.now(UTC),
        keyword="STOP",
    )
    read_ledger(url, lambda ledger: ledger.record_opt_out(event))
