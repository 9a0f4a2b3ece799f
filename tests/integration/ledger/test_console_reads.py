"""The console's ledger reads on every store (memory, SQLite, PostgreSQL): the inbox (latest
message per contact, newest first, unread inbound, filters, pages) and the chart's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from twiliokit.ledger import (
    Channel,
    Direction,
    LedgerBatch,
    LedgerStore,
    MessageRecord,
    MessageStatus,
    StatusEvent,
)
from twiliokit.ledger.console_reads import InboxFilters, inbox_page, status_chart

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
US = "+15005550006"
ACCOUNT = "AC" + "0" * 32
_sids = iter(range(1, 10_000))


def _message(
    contact: str,
    minutes: int,
    *,
    inbound: bool,
    body: str,
    status: MessageStatus | None = None,
) -> MessageRecord:
    return MessageRecord(
        sid=f"SM{next(_sids):032x}",
        account_sid=ACCOUNT,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND_API,
        from_=contact if inbound else US,
        to=US if inbound else contact,
        status=status or (MessageStatus.RECEIVED if inbound else MessageStatus.DELIVERED),
        date_created=T0 + timedelta(minutes=minutes),
        body=body,
    )


async def _seed(ledger: LedgerStore) -> dict[str, MessageRecord]:
    """Three contacts: A answered then wrote twice more; B answered last (failed, 30003);
    W, on WhatsApp, only wrote in."""
    messages = {
        "a1": _message("+14155550001", 0, inbound=True, body="hello there"),
        "a2": _message("+14155550001", 5, inbound=False, body="Hi A"),
        "a3": _message("+14155550001", 70, inbound=True, body="where is my order"),
        "a4": _message("+14155550001", 75, inbound=True, body="please?"),
        "b1": _message("+14155550002", 10, inbound=True, body="Hello"),
        "b2": _message(
            "+14155550002", 65, inbound=False, body="Sorry B", status=MessageStatus.SENT
        ),
        "w1": _message("whatsapp:+14155550003", 30, inbound=True, body="Hola"),
    }
    await ledger.write(LedgerBatch(messages=tuple(messages.values())))
    failed = StatusEvent(
        sid=messages["b2"].sid,
        status=MessageStatus.FAILED,
        at=T0 + timedelta(minutes=66),
        error_code=30003,
    )
    await ledger.write(LedgerBatch(statuses=(failed,)))
    return messages


async def test_the_inbox_is_the_latest_message_per_contact_newest_first(
    ledger: LedgerStore,
) -> None:
    """One row per contact, ordered by its latest message, with that message (and its current
    status) and the inbound messages since our last reply as unread."""
    seeded = await _seed(ledger)
    page = await inbox_page(ledger, InboxFilters(), offset=0, limit=10)
    assert [(r.contact, r.last.sid, r.unread) for r in page.rows] == [
        ("+14155550001", seeded["a4"].sid, 2),
        ("+14155550002", seeded["b2"].sid, 0),
        ("whatsapp:+14155550003", seeded["w1"].sid, 1),
    ]
    assert page.rows[1].last.status is MessageStatus.FAILED
    assert page.has_more is False


async def test_the_inbox_pages_and_filters(ledger: LedgerStore) -> None:
    """Pages follow on without overlap; search matches numbers and bodies (any case);
    channel, status and dates filter the messages a conversation is listed by."""
    seeded = await _seed(ledger)
    first = await inbox_page(ledger, InboxFilters(), offset=0, limit=2)
    second = await inbox_page(ledger, InboxFilters(), offset=2, limit=2)
    assert first.has_more
    assert not second.has_more
    assert [r.contact for r in first.rows + second.rows] == [
        "+14155550001",
        "+14155550002",
        "whatsapp:+14155550003",
    ]

    async def contacts(**filters: object) -> list[tuple[str, str]]:
        page = await inbox_page(ledger, InboxFilters(**filters), offset=0, limit=10)  # type: ignore[arg-type]
        return [(r.contact, r.last.sid) for r in page.rows]

    assert await contacts(text="HELLO") == [
        ("+14155550002", seeded["b1"].sid),
        ("+14155550001", seeded["a1"].sid),
    ]
    assert await contacts(text="550003") == [("whatsapp:+14155550003", seeded["w1"].sid)]
    assert await contacts(channel=Channel.WHATSAPP) == [("whatsapp:+14155550003", seeded["w1"].sid)]
    assert await contacts(status=MessageStatus.FAILED) == [("+14155550002", seeded["b2"].sid)]
    window = {"since": T0 + timedelta(minutes=5), "until": T0 + timedelta(minutes=31)}
    assert await contacts(**window) == [
        ("whatsapp:+14155550003", seeded["w1"].sid),
        ("+14155550002", seeded["b1"].sid),
        ("+14155550001", seeded["a2"].sid),
    ]
    assert await contacts(text="no such text") == []
    searched = await inbox_page(ledger, InboxFilters(text="hello"), offset=0, limit=10)
    assert [row.unread for row in searched.rows] == [0, 2]  # counted over every message


async def test_the_chart_counts_messages_per_hour_by_status_and_top_errors(
    ledger: LedgerStore,
) -> None:
    """Messages in the period are counted per UTC hour by current status; error codes are
    ranked by count; messages outside the period are left out."""
    await _seed(ledger)
    chart = await status_chart(ledger, since=T0, until=T0 + timedelta(minutes=70))
    assert chart.hours == {
        "2026-03-10 12": {"received": 3, "delivered": 1},
        "2026-03-10 13": {"failed": 1},
    }
    assert chart.top_errors == ((30003, 1),)
    empty = await status_chart(ledger, since=T0 - timedelta(days=1), until=T0)
    assert empty.hours == {}
    assert empty.top_errors == ()
