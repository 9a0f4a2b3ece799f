"""The SQL store writes a group of waiting batches together (one statement per table); the
outcome is exactly that of writing them one by one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Connection, event

from tests.integration.ledger.conftest import NewUrl, migrated_engine
from tests.integration.ledger.factories import at, inbound, outbound, sid
from twiliokit.errors import StorageError
from twiliokit.ledger import (
    BatchResult,
    Claim,
    LedgerBatch,
    MessageStatus,
    StatusEvent,
    WebhookDelivery,
    WebhookKind,
    open_ledger,
)
from twiliokit.ledger.runners import ThreadRunner
from twiliokit.ledger.sql import SqlLedger

pytestmark = pytest.mark.anyio


def _delivery(n: int) -> WebhookDelivery:
    return WebhookDelivery(
        kind=WebhookKind.MESSAGE_STATUS,
        received_at=at(n),
        url="https://example.com/webhooks/twilio/message-status",
        signature_valid=True,
        key=f"token-{n}",
        params=(("n", str(n)),),
    )


def _status(n: int, status: MessageStatus, minute: float) -> StatusEvent:
    return StatusEvent(sid=sid(n), status=status, at=at(minute))


def _batches() -> list[LedgerBatch]:
    """Batches whose outcomes depend on the ones before them in the same group."""
    return [
        LedgerBatch(
            claim=Claim(key="a", kind="k"), messages=(outbound(1),), webhooks=(_delivery(1),)
        ),
        LedgerBatch(claim=Claim(key="a", kind="k"), messages=(outbound(2),)),  # claim taken
        LedgerBatch(statuses=(_status(1, MessageStatus.DELIVERED, 3),)),  # applied
        LedgerBatch(statuses=(_status(1, MessageStatus.SENT, 2),)),  # stale
        LedgerBatch(statuses=(_status(1, MessageStatus.DELIVERED, 4),)),  # duplicate
        LedgerBatch(statuses=(_status(3, MessageStatus.RECEIVED, 1),)),  # before its message
        LedgerBatch(
            claim=Claim(key="b", kind="k"), messages=(inbound(3),), webhooks=(_delivery(3),)
        ),
        LedgerBatch(claim=Claim(key="b", kind="k")),  # taken within the group
        LedgerBatch(
            statuses=(_status(4, MessageStatus.SENT, 1), _status(4, MessageStatus.SENT, 2)),
            webhooks=(_delivery(4), _delivery(5)),
        ),
    ]


@pytest.fixture
async def held(new_sql_url: NewUrl) -> AsyncIterator[tuple[SqlLedger, ThreadRunner, list[int]]]:
    """A SQL ledger on a fresh database, with its runner (to keep the writer busy) and the
    number of write transactions begun so far (one item: a group is one transaction)."""
    engine = migrated_engine(new_sql_url())
    begun = [0]

    @event.listens_for(engine, "begin")
    def _count(connection: Connection) -> None:
        if connection.get_execution_options().get("twiliokit_ledger_write"):
            begun[0] += 1

    runner = ThreadRunner(engine)
    ledger = SqlLedger(runner)
    yield ledger, runner, begun
    await ledger.close()


async def _hold_writer(runner: ThreadRunner) -> tuple[asyncio.Task[None], threading.Event]:
    """Keep the writer thread busy in a write of its own; set the event returned to let it go.
    Returns once the writer is inside that write, so what is queued next waits as one group."""
    holding, release = threading.Event(), threading.Event()

    def hold(conn: Connection) -> None:
        holding.set()
        release.wait(timeout=30)

    first = asyncio.create_task(runner.write(hold))
    await asyncio.to_thread(holding.wait, 30)
    return first, release


async def _snapshot(ledger: SqlLedger) -> tuple[object, ...]:
    messages = [await ledger.get_message(sid(n)) for n in (1, 2, 3, 4)]
    histories = [await ledger.status_history(sid(n)) for n in (1, 2, 3, 4)]
    deliveries = await ledger.webhook_deliveries()
    return tuple(messages), tuple(map(tuple, histories)), len(deliveries)


async def test_a_group_writes_what_one_by_one_writes(
    held: tuple[SqlLedger, ThreadRunner, list[int]], new_sql_url: NewUrl
) -> None:
    """Claims won and lost within one group, and status events that depend on each other,
    come out as when each batch is written alone."""
    ledger, runner, begun = held
    first, release = await _hold_writer(runner)
    queued = [asyncio.create_task(ledger.write(b)) for b in _batches()]
    # Ready callbacks run in order: every batch above is queued before the writer is let go.
    asyncio.get_running_loop().call_soon(release.set)
    await first
    grouped: list[BatchResult] = await asyncio.gather(*queued)
    assert begun == [2]  # the hold, then all nine batches in one transaction

    async with await open_ledger(new_sql_url()) as alone:
        assert isinstance(alone, SqlLedger)
        one_by_one = [await alone.write(b) for b in _batches()]
        assert grouped == one_by_one
        assert await _snapshot(ledger) == await _snapshot(alone)
    assert [r.claimed for r in grouped] == [True, False, True, True, True, True, True, False, True]
    assert [r.statuses for r in grouped[2:6]] == [
        ("applied",),
        ("stale",),
        ("duplicate",),
        ("applied",),
    ]


async def test_a_failing_batch_does_not_take_its_group_with_it(
    held: tuple[SqlLedger, ThreadRunner, list[int]],
) -> None:
    """A batch the database refuses fails alone; the rest of its group is written."""
    ledger, runner, begun = held
    bad = LedgerBatch(claim=Claim(key="bad", kind="k"), webhooks=(_delivery(9),))
    object.__setattr__(bad.webhooks[0], "url", None)  # past the record's checks: NOT NULL
    first, release = await _hold_writer(runner)
    good = [asyncio.create_task(ledger.write(LedgerBatch(messages=(outbound(n),)))) for n in (1, 2)]
    failing = asyncio.create_task(ledger.write(bad))
    asyncio.get_running_loop().call_soon(release.set)
    await first
    assert [r.claimed for r in await asyncio.gather(*good)] == [True, True]
    with pytest.raises(StorageError):
        await failing
    assert begun == [5]  # the hold, the group of three (rolled back), then each alone
    assert await ledger.claim("bad", "k")  # the failed batch's claim was rolled back
    assert await ledger.get_message(sid(1)) is not None
    assert await ledger.get_message(sid(2)) is not None
