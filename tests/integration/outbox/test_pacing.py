"""Pacing held across workers: two workers, each with its own connection to one PostgreSQL
database, send one sender's items no faster than its rate between them."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.postgres import PostgresServer, postgres_server  # noqa: F401 (fixture)
from twiliokit.client import AsyncClient
from twiliokit.emulator import MAGIC_FROM, EmulatorConfig
from twiliokit.emulator.testing import run_emulator
from twiliokit.ledger import open_ledger
from twiliokit.ledger.outbox_records import OutboxClaim, OutboxState
from twiliokit.outbox import worker as worker_module
from twiliokit.outbox.running import build_worker, worker_client
from twiliokit.outbox.settings import OutboxSettings

from .conftest import assert_one_sent_rest_given_back, message_item

pytestmark = pytest.mark.anyio

RATE = 10.0
#: A second sender the emulator sends from.
OTHER_FROM = "+14155550100"
ITEMS = 12


def _timed(execute: Any, starts: list[datetime]) -> Any:
    """``execute`` noting when each request leaves (the worker's last step before Twilio)."""

    async def timed(kind: str, request: dict[str, Any]) -> Any:
        starts.append(datetime.now(UTC))
        return await execute(kind, request)

    return timed


async def _claim_one_by_one(
    ledger: Any, owner: str, items_at: list[tuple[Any, datetime]]
) -> list[Any]:
    """Each item enqueued and claimed alone, at its own ``now`` (its slot is decided then)."""
    claims = []
    for item, at in items_at:
        await ledger.enqueue([item])
        claims += await ledger.claim_due(
            OutboxClaim(
                owner=owner,
                now=at,
                lease=timedelta(minutes=1),
                limit=1,
                horizon=timedelta(seconds=2),
            )
        )
    return claims


async def _two_stores(stack: AsyncExitStack, url: str) -> list[Any]:
    """Two ledgers on one database, as two worker processes open it, closed with ``stack``."""
    stores = []
    for _ in range(2):
        store = await open_ledger(url)
        stack.push_async_callback(store.close)
        stores.append(store)
    return stores


@pytest.fixture
def postgres_ledger_url(postgres_server: PostgresServer) -> str:  # noqa: F811
    """A fresh database of this test's own on the session's PostgreSQL server."""
    return postgres_server.create_database("outbox_" + uuid.uuid4().hex[:12])


async def test_two_workers_on_postgresql_keep_one_senders_pace_between_them(
    postgres_ledger_url: str, client: AsyncClient
) -> None:
    """Twelve items of a sender paced at 10/s, sent by two workers at once: both send some,
    the k-th request never starts before k/10 s after the items were queued: the pace is one
    schedule for both (a request late on its slot may bunch with the next, never run ahead)."""
    async with AsyncExitStack() as stack:
        stores = await _two_stores(stack, postgres_ledger_url)
        now = datetime.now(UTC)
        items = [message_item(f"+1415555{n:04d}", f"paced {n}", at=now) for n in range(ITEMS)]
        await stores[0].enqueue(items)
        # Each worker holds at most 3 x 3 claimed items, so neither can take all twelve.
        settings = OutboxSettings(rates={MAGIC_FROM: RATE}, concurrency=3)
        workers = [
            await stack.enter_async_context(build_worker(store, client, settings=settings))
            for store in stores
        ]
        starts: list[datetime] = []
        for worker in workers:
            worker.execute = _timed(worker.execute, starts)
        handled = await asyncio.gather(*(worker.run_until_idle() for worker in workers))

    assert sum(handled) == ITEMS
    assert all(count > 0 for count in handled), handled
    check: Any = await open_ledger(postgres_ledger_url)
    try:
        stored: list[Any] = [await check.get_item(item.id) for item in items]
    finally:
        await check.close()
    assert {item.state for item in stored} == {OutboxState.SENT}
    starts.sort()
    assert len(starts) == ITEMS
    precision = timedelta(milliseconds=5)
    for k, started in enumerate(starts):
        assert started >= now + timedelta(seconds=k / RATE) - precision, (k, started - now)


async def test_items_a_worker_reaches_late_take_fresh_slots_instead_of_leaving_together(
    make_worker: Any, ledger: Any
) -> None:
    """Three items at 10/s whose slots passed seconds ago (a worker that stalled) leave a
    tenth of a second apart from fresh slots, not all at once: a stall never sends a burst
    over the sender's rate."""
    stalled = datetime.now(UTC) - timedelta(seconds=10)
    items = [message_item(f"+1415555{n:04d}", f"late {n}", at=stalled) for n in range(3)]
    await ledger.enqueue(items)
    async with make_worker(rates={MAGIC_FROM: RATE}) as worker:
        await ledger.set_pace(MAGIC_FROM, rate=RATE)
        claims = await ledger.claim_due(
            OutboxClaim(
                owner=worker.owner,
                now=stalled,
                lease=timedelta(minutes=1),
                limit=3,
                horizon=timedelta(seconds=2),
            )
        )
        assert len(claims) == 3
        starts: list[datetime] = []
        worker.execute = _timed(worker.execute, starts)
        await asyncio.gather(*(worker._handle(claim, None) for claim in claims))
    starts.sort()
    assert len(starts) == 3
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(starts)]
    # Each leaves at its fresh slot or after it (the first one a little after: its ledger
    # write), so gaps may shrink by that much, never to a burst.
    assert all(gap >= 0.5 / RATE for gap in gaps), gaps
    assert (starts[-1] - starts[0]).total_seconds() >= 2 / RATE - 0.02, gaps
    assert {(await ledger.get_item(item.id)).state for item in items} == {OutboxState.SENT}


async def test_an_item_reached_late_gives_its_request_slot_back_while_it_waits_for_a_fresh_one(
    make_worker: Any, ledger: Any
) -> None:
    """One request slot for the account (``max_in_flight = 1``): an item marked started
    seconds after its slot takes a fresh slot 0.8 s ahead and lets the account's slot go
    meanwhile, so an item of another sender that is due leaves first (holding it, the due
    item waited for the late one's fresh slot)."""
    now = datetime.now(UTC)
    stalled = now - timedelta(seconds=10)
    late = message_item("+14155550001", "late", at=stalled)
    due = message_item("+14155550002", "due", at=now, sender=OTHER_FROM)
    rates = {MAGIC_FROM: 2.0, OTHER_FROM: 1000.0}
    async with make_worker(rates=rates, max_in_flight=1, concurrency=2) as worker:
        for sender, rate in rates.items():
            await ledger.set_pace(sender, rate=rate)
        claims = await _claim_one_by_one(ledger, worker.owner, [(late, stalled), (due, now)])
        assert [claim.item.id for claim in claims] == [late.id, due.id]
        # Another send took the sender's next slot: the late item's fresh one is 0.8 s off.
        await ledger.take_slot(MAGIC_FROM, now=now + timedelta(seconds=0.3))
        reslotted = asyncio.Event()

        def noting(take: Any) -> Any:
            async def taking(*args: Any, **kwargs: Any) -> Any:
                slot = await take(*args, **kwargs)
                reslotted.set()
                return slot

            return taking

        # Whichever way the worker takes the fresh slot.
        ledger.reslot, ledger.take_slot = noting(ledger.reslot), noting(ledger.take_slot)
        sent: list[str] = []
        send = worker._send

        async def noting_send(item: Any) -> Any:
            sent.append(item.id)
            return await send(item)

        worker._send = noting_send  # type: ignore[method-assign]
        first = asyncio.create_task(worker._handle(claims[0], None))
        async with asyncio.timeout(20):
            await asyncio.wait(
                {first, asyncio.ensure_future(reslotted.wait())},
                return_when=asyncio.FIRST_COMPLETED,
            )
        assert reslotted.is_set(), "the late item took no fresh slot"
        second = asyncio.create_task(worker._handle(claims[1], None))
        async with asyncio.timeout(20):
            await asyncio.gather(first, second)
    assert sent == [due.id, late.id]
    assert {(await ledger.get_item(item.id)).state for item in (late, due)} == {OutboxState.SENT}


async def test_an_item_reached_late_is_marked_before_its_fresh_slot_and_leaves_on_it(
    make_worker: Any, ledger: Any
) -> None:
    """An item reached seconds after its slot takes a fresh one and is marked started before
    it (not at it), so that its request leaves at that slot and not a commit later, when it
    would bunch with the items after it."""
    now = datetime.now(UTC)
    stalled = now - timedelta(seconds=10)
    late = message_item("+14155550001", "late", at=stalled)
    async with make_worker(rates={MAGIC_FROM: 2.0}) as worker:
        await ledger.set_pace(MAGIC_FROM, rate=2.0)
        (claim,) = await _claim_one_by_one(ledger, worker.owner, [(late, stalled)])
        # Another send took the sender's next slot: the late item's fresh one is 0.8 s off.
        await ledger.take_slot(MAGIC_FROM, now=now + timedelta(seconds=0.3))
        fresh: list[datetime] = []
        marks: list[datetime] = []
        reslot, start_request = ledger.reslot, ledger.start_request

        async def noting_reslot(*args: Any, **kwargs: Any) -> Any:
            slot = await reslot(*args, **kwargs)
            fresh.append(slot)
            return slot

        async def noting_start(*args: Any, **kwargs: Any) -> Any:
            marks.append(datetime.now(UTC))
            return await start_request(*args, **kwargs)

        ledger.reslot, ledger.start_request = noting_reslot, noting_start
        starts: list[datetime] = []
        assert worker.execute is not None
        worker.execute = _timed(worker.execute, starts)
        async with asyncio.timeout(20):
            await worker._handle(claim, None)
    assert len(fresh) == 1, "the late item took no fresh slot"
    assert len(marks) == 2, marks  # reached late, then again for its fresh slot
    assert marks[1] < fresh[0] <= starts[0], (marks, fresh, starts)
    assert (await ledger.get_item(late.id)).state is OutboxState.SENT


async def test_two_workers_never_have_more_than_max_in_flight_requests_out(
    postgres_ledger_url: str,
) -> None:
    """Two workers with three request slots each, sharing ``max_in_flight = 2`` through
    PostgreSQL, against an emulator that takes 50 ms a request: never more than two requests
    are out at once, yet two are (a request that ends hands its slot to the next item), and
    every item is sent once."""
    out = 0
    most = 0

    def counted(execute: Any) -> Any:
        async def send(kind: str, request: dict[str, Any]) -> Any:
            nonlocal out, most
            out += 1
            most = max(most, out)
            try:
                return await execute(kind, request)
            finally:
                out -= 1

        return send

    with run_emulator(EmulatorConfig(latency_ms=50)) as emulator:
        async with AsyncExitStack() as stack:
            stores = await _two_stores(stack, postgres_ledger_url)
            now = datetime.now(UTC)
            items = [message_item(f"+1415555{n:04d}", f"capped {n}", at=now) for n in range(16)]
            await stores[0].enqueue(items)
            settings = OutboxSettings(rates={MAGIC_FROM: 1000.0}, max_in_flight=2, concurrency=3)
            client = await stack.enter_async_context(worker_client(emulator.connection()))
            workers = [
                await stack.enter_async_context(build_worker(store, client, settings=settings))
                for store in stores
            ]
            for worker in workers:
                worker.execute = counted(worker.execute)
            handled = await asyncio.gather(*(worker.run_until_idle() for worker in workers))
            stored = [await stores[0].get_item(item.id) for item in items]

    assert sum(handled) == len(items)
    assert most == 2, most
    assert {item.state for item in stored} == {OutboxState.SENT}
    assert len({item.sid for item in stored}) == len(items)


async def test_requests_that_end_together_hand_their_slots_to_every_item_waiting_for_them(
    make_worker: Any, ledger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two of the account's request slots, four items due: two leave, two find the account
    full and wait in line. When both requests end together, each hands its slot to one of
    them (with one item in line at a time, the second slot was given up, and its item waited
    for the next request to end or for its next ask)."""
    monkeypatch.setattr(worker_module, "FULL_RETRY", 60.0)  # slots come by hand-over only
    now = datetime.now(UTC)
    items = [message_item(f"+1415555{n:04d}", f"waiting {n}", at=now) for n in range(4)]
    await ledger.enqueue(items)
    async with make_worker(max_in_flight=2, concurrency=4) as worker:
        both_waiting, both_answered = asyncio.Event(), asyncio.Event()
        answered: list[str] = []
        asks: list[tuple[str, str]] = []
        handed: list[str] = []
        ask, hand_over, execute = worker._ask, worker.store.hand_over, worker.execute
        assert execute is not None

        async def noting_ask(item: Any) -> Any:
            mark = await ask(item)
            asks.append((item.id, mark.value))
            if [m for _, m in asks].count("full") == 2:
                both_waiting.set()  # both full items are in line by the time this returns
            return mark

        async def noting_hand_over(item_id: str, outcome: Any, **kw: Any) -> Any:
            handed.append(item_id)
            return await hand_over(item_id, outcome, **kw)

        async def held(kind: str, request: dict[str, Any]) -> Any:
            # The two requests out end together, once both items wait.
            await both_waiting.wait()
            answer = await execute(kind, request)
            answered.append(kind)
            if len(answered) == 2:
                both_answered.set()
            await both_answered.wait()
            return answer

        worker._ask = noting_ask  # type: ignore[method-assign]
        worker.store.hand_over = noting_hand_over  # type: ignore[method-assign]
        worker.execute = held
        async with asyncio.timeout(20):
            assert await worker.run_until_idle() == len(items)
    assert [mark for _, mark in asks] == ["started", "started", "full", "full"], asks
    # Each of the first two requests handed its slot over (not one of them, then the item
    # it started).
    assert sorted(handed) == sorted(item_id for item_id, mark in asks if mark == "started")
    assert {(await ledger.get_item(item.id)).state for item in items} == {OutboxState.SENT}


async def test_items_waiting_for_the_account_go_back_to_the_queue_when_the_worker_stops(
    make_worker: Any, ledger: Any
) -> None:
    """One account slot, three items due: one request out, two items in the worker's line
    for the slot. Stopped then, the worker lets the request finish (sent) and gives the two
    waiting items back to the queue, unheld: they never left, so they are not unknown."""
    now = datetime.now(UTC)
    items = [message_item(f"+1415555{n:04d}", f"stopped {n}", at=now) for n in range(3)]
    await ledger.enqueue(items)
    async with make_worker(max_in_flight=1, concurrency=3) as worker:
        both_waiting, release = asyncio.Event(), asyncio.Event()
        fulls = 0
        ask, execute = worker._ask, worker.execute
        assert execute is not None

        async def noting_ask(item: Any) -> Any:
            nonlocal fulls
            mark = await ask(item)
            fulls += mark.value == "full"
            if fulls == 2:
                both_waiting.set()
            return mark

        async def held(kind: str, request: dict[str, Any]) -> Any:
            await release.wait()
            return await execute(kind, request)

        worker._ask = noting_ask  # type: ignore[method-assign]
        worker.execute = held
        running = asyncio.create_task(worker.run())
        async with asyncio.timeout(20):
            await both_waiting.wait()
            worker.stop()
            release.set()
            await running
    await assert_one_sent_rest_given_back(ledger, items)


async def test_an_item_waiting_for_the_account_leaves_its_lane_to_an_item_started_ahead(
    make_worker: Any, ledger: Any
) -> None:
    """One lane, one account slot: an item started ahead of its slot holds the account's slot
    and needs the lane at its slot, while an item already due takes the lane and finds the
    account full. The due item lets the lane go while it waits, so both are sent (holding it,
    each waited for the other until the worker stopped)."""
    now = datetime.now(UTC)
    due = message_item("+14155550001", "due", at=now - timedelta(seconds=1), sender="+15005550006")
    ahead = message_item("+14155550002", "ahead", at=now)
    async with make_worker(
        rates={MAGIC_FROM: RATE, "+15005550006": 1000.0}, max_in_flight=1, concurrency=1
    ) as worker:
        await ledger.set_pace(MAGIC_FROM, rate=RATE)
        await ledger.set_pace("+15005550006", rate=1000.0)
        claims = await _claim_one_by_one(
            ledger,
            worker.owner,
            [(due, now - timedelta(seconds=1)), (ahead, now + timedelta(seconds=0.3))],
        )
        assert [claim.item.id for claim in claims] == [due.id, ahead.id]
        started_ahead = asyncio.Event()
        ask = worker._ask

        async def noting(item: Any) -> Any:
            mark = await ask(item)
            if item.id == ahead.id:
                started_ahead.set()
            return mark

        worker._ask = noting  # type: ignore[method-assign]
        first = asyncio.create_task(worker._handle(claims[1], None))
        await started_ahead.wait()
        second = asyncio.create_task(worker._handle(claims[0], None))
        async with asyncio.timeout(20):
            await asyncio.gather(first, second)
    assert {(await ledger.get_item(item.id)).state for item in (due, ahead)} == {OutboxState.SENT}


async def test_a_worker_renews_an_items_lease_while_it_waits_for_its_slot(
    make_worker: Any, ledger: Any
) -> None:
    """An item whose slot is further off than a third of the lease has its lease renewed
    before it leaves: a wait longer than the lease never lets another worker take it too."""
    now = datetime.now(UTC)
    item = message_item("+14155550003", "later", at=now)
    await ledger.enqueue([item])
    async with make_worker(rates={MAGIC_FROM: RATE}, lease_seconds=6) as worker:
        await ledger.set_pace(MAGIC_FROM, rate=RATE)
        (claim,) = await ledger.claim_due(
            OutboxClaim(
                owner=worker.owner,
                now=now + timedelta(seconds=3),
                lease=timedelta(seconds=6),
                limit=1,
                horizon=timedelta(seconds=2),
            )
        )
        renewed: list[datetime] = []
        extend = ledger.extend_lease

        async def noting(item_id: str, **kwargs: Any) -> Any:
            renewed.append(datetime.now(UTC))
            return await extend(item_id, **kwargs)

        ledger.extend_lease = noting
        starts: list[datetime] = []
        worker.execute = _timed(worker.execute, starts)
        await worker._handle(claim, None)
    assert renewed, "the lease was never renewed while the item waited"
    assert len(starts) == 1
    assert renewed[0] < starts[0]
    assert (await ledger.get_item(item.id)).state == OutboxState.SENT


async def test_a_worker_marks_items_just_in_time_once_the_accounts_request_slots_ran_short(
    make_worker: Any, ledger: Any
) -> None:
    """Once an item found every request slot of the account taken (``max_in_flight = 2``, a
    sender at 20/s), the worker asks for the next items' slots just before they leave, not a
    quarter of a second ahead: a marked item holds one of those slots while it waits, and its
    marks take milliseconds on SQLite."""
    now = datetime.now(UTC)
    items = [message_item(f"+1415555{n:04d}", f"lead {n}", at=now) for n in range(30)]
    await ledger.enqueue(items)
    asked: dict[str, float] = {}
    ahead: dict[str, float] = {}
    async with make_worker(rates={MAGIC_FROM: 20.0}, concurrency=4, max_in_flight=2) as worker:
        await ledger.set_pace(MAGIC_FROM, rate=20.0)
        ask, send = worker._ask, worker._send

        async def noting_ask(item: Any) -> Any:
            asked.setdefault(item.id, time.monotonic())
            return await ask(item)

        async def noting_send(item: Any) -> Any:
            ahead[item.id] = time.monotonic() - asked[item.id]
            return await send(item)

        worker._ask = noting_ask  # type: ignore[method-assign]
        worker._send = noting_send  # type: ignore[method-assign]
        assert await worker.run_until_idle() == len(items)
    assert {(await ledger.get_item(item.id)).state for item in items} == {OutboxState.SENT}
    last = [round(ahead[item.id], 3) for item in items[-10:]]
    assert max(last) < 0.15, last  # first asked a quarter of a second ahead: 0.25 s
