"""Paging through 1,000+ messages and filtering them by date (in UTC) against the emulator."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import anyio
import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.emulator.testing import RunningEmulator

pytestmark = pytest.mark.anyio

COUNT = 1_050
PARIS_SUMMER = timezone(timedelta(hours=2))


async def _send_many(client: AsyncClient, count: int, to: str = "+14155550123") -> set[str]:
    """Create ``count`` messages, 25 at a time over the client's connection pool."""
    sids: set[str] = set()
    limiter = anyio.Semaphore(25)

    async def one(n: int) -> None:
        async with limiter:
            message = await client.create_message(to=to, body=f"message {n}")
            sids.add(message.sid or "")

    async with anyio.create_task_group() as group:
        for n in range(count):
            group.start_soon(one, n)
    return sids


async def test_paging_through_more_than_a_thousand_messages(client: AsyncClient) -> None:
    """1,050 messages are all reached by iter_messages, and by explicit page tokens."""
    created = await _send_many(client, COUNT)

    seen = [m.sid async for m in client.iter_messages(page_size=200)]
    assert len(seen) == COUNT
    assert set(seen) == created

    first = await client.list_messages(page_size=1000)
    assert len(first.items) == 1000
    assert first.next_page_token is not None
    assert first.has_next
    second = await client.list_messages(page_size=1000, page_token=first.next_page_token)
    assert len(second.items) == COUNT - 1000
    assert not second.has_next
    assert second.next_page_token is None
    assert {m.sid for m in first.items + second.items} == created

    followed = await client.next_page(first)
    assert followed is not None
    assert [m.sid for m in followed.items] == [m.sid for m in second.items]
    assert await client.next_page(second) is None


async def test_limit_stops_early(client: AsyncClient) -> None:
    """iter_messages(limit=n) yields n messages, newest first, without reading further."""
    await _send_many(client, 30)
    newest = (await client.list_messages(page_size=1)).items[0]
    limited = [m async for m in client.iter_messages(limit=7, page_size=5)]
    assert len(limited) == 7
    assert limited[0].sid == newest.sid


def test_sync_client_pages_the_same_way(sync_client: Client) -> None:
    """The blocking client's iter_messages pages through a multi-page list too."""
    for n in range(12):
        sync_client.create_message(to="+14155550123", body=f"s{n}")
    assert len(list(sync_client.iter_messages(page_size=5))) == 12
    first = sync_client.list_messages(page_size=5)
    again = sync_client.list_messages(page_size=5, page_token=first.next_page_token)
    assert not {m.sid for m in first.items} & {m.sid for m in again.items}


async def _two_batches(
    client: AsyncClient, emulator: RunningEmulator
) -> tuple[set[str], set[str], datetime]:
    """Three messages sent, then an hour later three more; returns both and the gap's middle."""
    early = await _send_many(client, 3)
    emulator.control.advance(30)
    emulator.control.advance(3600)
    late = await _send_many(client, 3)
    emulator.control.advance(30)
    early_sent = [(await client.fetch_message(sid)).date_sent for sid in early]
    late_sent = [(await client.fetch_message(sid)).date_sent for sid in late]
    assert all(early_sent)
    assert all(late_sent)
    latest_early = max(d for d in early_sent if d is not None)
    earliest_late = min(d for d in late_sent if d is not None)
    middle = latest_early + (earliest_late - latest_early) / 2
    return early, late, middle


async def test_date_filters_are_sent_in_utc(client: AsyncClient, emulator: RunningEmulator) -> None:
    """A bound given in UTC+2 selects by the same instant (the SDK's wall-clock bug would not)."""
    early, late, middle = await _two_batches(client, emulator)
    in_paris = middle.astimezone(PARIS_SUMMER)
    after = {m.sid async for m in client.iter_messages(date_sent_after=in_paris)}
    before = {m.sid async for m in client.iter_messages(date_sent_before=in_paris)}
    assert after == late
    assert before == early


async def test_date_filter_by_day(client: AsyncClient, emulator: RunningEmulator) -> None:
    """date_sent given as a date matches every message sent that UTC day."""
    sent = await _send_many(client, 2)
    emulator.control.advance(30)
    day = (await client.fetch_message(next(iter(sent)))).date_sent
    assert day is not None
    on_day = {m.sid async for m in client.iter_messages(date_sent=day.date())}
    assert on_day == sent
    other: date = day.date() + timedelta(days=3)
    assert [m async for m in client.iter_messages(date_sent=other)] == []


async def test_to_and_from_filters(client: AsyncClient) -> None:
    """To and From narrow the listing to one conversation."""
    to_a = await _send_many(client, 2, to="+14155550111")
    await _send_many(client, 2, to="+14155550122")
    page = await client.list_messages(to="+14155550111", from_="+15005550006")
    assert {m.sid for m in page.items} == to_a
    assert (await client.list_messages(from_="+14155550199")).items == ()
