"""Queue overflow seen in status callbacks: a sender whose messages fail with 30001 is sending
faster than Twilio's queue for it drains, so the outbox slows it down for every worker.

Twilio reports 30001 after creating the message (a Messaging Service's pool queue overflowed),
so it arrives as a ``failed`` status callback, which the webhook receiver records in the ledger.
The worker looks at the ledger's recently failed outbound messages every few seconds; each
30001 it has not seen yet slows its sender (the Messaging Service, else the From number).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Final

from twiliokit.ledger.outbox_store import OutboxStore
from twiliokit.ledger.records import Direction, LedgerQuery, MessageStatus
from twiliokit.ledger.rules import sender_key
from twiliokit.ledger.store import LedgerStore
from twiliokit.outbox.outcomes import QUEUE_OVERFLOW, SLOW_DOWN_FOR

__all__ = ["LOOK_BACK", "QueueOverflowWatch"]

#: How far back (by creation) failed messages are looked at: a message waits in Twilio's queue
#: for minutes before it overflows.
LOOK_BACK: Final = timedelta(hours=1)
_REMEMBERED: Final = 10_000
_LIMIT: Final = 500


class QueueOverflowWatch:
    """Slows the senders of messages that failed with 30001 (see the module docstring)."""

    def __init__(self, ledger: LedgerStore, store: OutboxStore) -> None:
        self.ledger = ledger
        self.store = store
        self._seen: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"QueueOverflowWatch(seen={len(self._seen)})"

    async def check(self, now: datetime) -> list[str]:
        """Slow every sender with a 30001 not seen before; the senders slowed."""
        failed = await self.ledger.search(
            LedgerQuery(
                direction=Direction.OUTBOUND_API,
                status=MessageStatus.FAILED,
                since=now - LOOK_BACK,
                limit=_LIMIT,
            )
        )
        slowed: list[str] = []
        for message in failed:
            if message.error_code != QUEUE_OVERFLOW or message.sid in self._seen:
                continue
            self._remember(message.sid)
            sender = sender_key(message.from_, message.messaging_service_sid)
            if sender not in slowed:
                await self.store.slow_sender(sender, until=now + SLOW_DOWN_FOR, next_at=now)
                slowed.append(sender)
        return slowed

    def _remember(self, sid: str) -> None:
        self._seen[sid] = None
        while len(self._seen) > _REMEMBERED:
            self._seen.popitem(last=False)
