"""Never run: the ledger read and written the way users write it, so mypy checks its
typing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twiliokit.ledger import (
    ConversationItem,
    Direction,
    LedgerQuery,
    LedgerStore,
    MessageRecord,
    MessageStatus,
    open_ledger,
)


async def recent_failures(url: str | None = None) -> list[MessageRecord]:
    async with await open_ledger(url) as ledger:
        since = datetime.now(UTC) - timedelta(days=1)
        query = LedgerQuery(status=MessageStatus.FAILED, since=since, limit=50)
        found: list[MessageRecord] = await ledger.search(query)
        return found


async def thread(ledger: LedgerStore, contact: str) -> list[str]:
    items: list[ConversationItem] = await ledger.conversation(contact, limit=20)
    lines = []
    for item in items:
        arrow = "<-" if item.message.direction is Direction.INBOUND else "->"
        statuses = [event.status.value for event in item.history]
        lines.append(f"{arrow} {item.message.body} {statuses}")
    return lines


async def opted_out(ledger: LedgerStore, sender: str, recipient: str) -> bool:
    result: bool = await ledger.is_opted_out(sender, recipient)
    return result
