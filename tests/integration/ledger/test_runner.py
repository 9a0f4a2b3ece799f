"""The SQL store's thread runner: group commits keep every write all-or-nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence

import pytest
from sqlalchemy import Connection, func, select

from tests.integration.ledger.conftest import NewUrl, migrated_engine
from twiliokit.ledger.runners import ThreadRunner
from twiliokit.ledger.schema import claims

pytestmark = pytest.mark.anyio


@pytest.fixture
async def runner(new_sql_url: NewUrl) -> AsyncIterator[ThreadRunner]:
    """A runner on a fresh, migrated database of each kind."""
    engine = migrated_engine(new_sql_url())
    runner = ThreadRunner(engine)
    yield runner
    await runner.close()


def _claim(key: str) -> Callable[[Connection], str]:
    def work(conn: Connection) -> str:
        conn.execute(claims.insert().values(kind="test", claim_key=key, claimed_at=func.now()))
        return key

    return work


async def test_a_failing_write_does_not_take_its_group_with_it(runner: ThreadRunner) -> None:
    """Writes queued behind a busy writer run as one group; the failing one is then rolled back
    alone and the rest commit."""
    holding, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def hold(conn: Connection) -> str:
        holding.set()
        release.wait(timeout=30)  # keeps the writer busy while the others queue up behind it
        return "held"

    def claim(key: str) -> Callable[[Connection], str]:
        def work(conn: Connection) -> str:
            ran.append(key)
            return _claim(key)(conn)

        return work

    def fail(conn: Connection) -> str:
        ran.append("bad")
        conn.execute(claims.insert().values(kind="test", claim_key="bad", claimed_at=func.now()))
        raise ValueError("this write fails after its insert")

    first = asyncio.create_task(runner.write(hold))
    await asyncio.to_thread(holding.wait, 30)  # the writer is inside `hold`, alone
    queued = [asyncio.create_task(runner.write(claim(f"k{n}"))) for n in range(5)]
    queued.insert(2, asyncio.create_task(runner.write(fail)))
    # Ready callbacks run in order, so every task above has queued its write before this runs.
    asyncio.get_running_loop().call_soon(release.set)
    results = await asyncio.gather(first, *queued, return_exceptions=True)

    assert results[0] == "held"
    assert isinstance(results[3], ValueError)
    assert [r for i, r in enumerate(results) if i not in {0, 3}] == [f"k{n}" for n in range(5)]
    # The six ran as one group (in the order queued: `fail` last), which failed; then each
    # alone. Without a group each would have run once.
    queued_order = ["k0", "k1", "k2", "k3", "k4", "bad"]
    assert ran == queued_order + queued_order

    def stored(conn: Connection) -> list[str]:
        return sorted(conn.execute(select(claims.c.claim_key)).scalars())

    assert await runner.read(stored) == [f"k{n}" for n in range(5)]


async def test_a_busy_writer_waits_out_its_window_so_more_writes_share_a_group(
    new_sql_url: NewUrl,
) -> None:
    """After a group of several writes the writer pauses for the window and then commits what
    arrived meanwhile as one group; a lone write never pauses."""
    engine = migrated_engine(new_sql_url())
    paused, resume = threading.Event(), threading.Event()
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        paused.set()
        resume.wait(timeout=30)

    runner = ThreadRunner(engine, window=0.25, pause=pause)
    groups: list[list[str]] = []

    def record(conn: Connection, keys: Sequence[str]) -> list[str]:
        groups.append(list(keys))
        for key in keys:
            _claim(key)(conn)
        return list(keys)

    try:
        assert await runner.write_each(record, "alone") == "alone"
        assert pauses == []  # one write, nothing waiting: no pause

        holding, release = threading.Event(), threading.Event()

        def hold(conn: Connection) -> str:
            holding.set()
            release.wait(timeout=30)  # the next writes queue up behind this one
            return "held"

        first = asyncio.create_task(runner.write(hold))
        await asyncio.to_thread(holding.wait, 30)  # a group of its own
        pair = [asyncio.create_task(runner.write_each(record, k)) for k in ("a", "b")]
        asyncio.get_running_loop().call_soon(release.set)
        assert await asyncio.gather(first, *pair) == ["held", "a", "b"]
        await asyncio.to_thread(paused.wait, 30)  # the pair was a group of two: it pauses
        late = [asyncio.create_task(runner.write_each(record, k)) for k in ("c", "d", "e")]
        asyncio.get_running_loop().call_soon(resume.set)
        assert await asyncio.gather(*late) == ["c", "d", "e"]
    finally:
        resume.set()
        await runner.close()

    assert pauses == [0.25, 0.25]  # after the pair, and after c-e (then nothing was left)
    assert groups == [["alone"], ["a", "b"], ["c", "d", "e"]]
