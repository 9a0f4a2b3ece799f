"""Crash safety: a `twiliokit worker` killed with SIGKILL while its request is held leaves the
item unknown, and reconciliation finds the message at Twilio (the emulator) without sending it
again; an item proven absent is sent again, once."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.helpers.processes import TWILIOKIT
from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import open_ledger
from twiliokit.ledger.outbox_records import OutboxClaim, OutboxState
from twiliokit.outbox.reconcile import Reconciler
from twiliokit.serving import serve_in_thread

from .conftest import WorkerFactory, message_item, worker_env

pytestmark = pytest.mark.anyio

LEASE = timedelta(seconds=60)  # OutboxSettings' default lease_seconds


class HoldingProxy:
    """A real HTTP proxy to the emulator that passes a message create on (the message is
    created), then holds the answer until released: a request Twilio got and answered, whose
    answer never came back."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.created = threading.Event()
        self.release = threading.Event()

    def app(self) -> Starlette:
        async def relay(request: Request) -> Response:
            async with httpx.AsyncClient(base_url=self.upstream) as client:
                answer = await client.request(
                    request.method,
                    request.url.path,
                    params=request.query_params,
                    content=await request.body(),
                    headers={k: v for k, v in request.headers.items() if k != "host"},
                )
            if request.method == "POST" and request.url.path.endswith("/Messages.json"):
                self.created.set()
                await anyio.to_thread.run_sync(self.release.wait)
            return Response(answer.content, answer.status_code, media_type="application/json")

        return Starlette(routes=[Route("/{path:path}", relay, methods=["GET", "POST"])])


@contextlib.contextmanager
def holding_proxy(emulator: RunningEmulator) -> Iterator[tuple[HoldingProxy, str]]:
    proxy = HoldingProxy(emulator.base_url)
    with serve_in_thread(proxy.app()) as url:
        try:
            yield proxy, url
        finally:
            proxy.release.set()


async def _messages_to(client: AsyncClient, to: str) -> list[Any]:
    return [m async for m in client.iter_messages(to=to)]


async def test_a_worker_killed_mid_request_leaves_the_item_unknown_and_reconciliation_finds_it(
    emulator: RunningEmulator,
    ledger_url: str,
    client: AsyncClient,
    make_worker: WorkerFactory,
    tmp_path: Path,
) -> None:
    """SIGKILL while the create's answer is held: the item is unknown once its lease runs out,
    reconciliation finds the message the emulator created (same SID), and a worker run
    afterwards sends nothing: the emulator holds exactly one message."""
    emulator.control.set_time(datetime.now(UTC))  # the worker's clock and Twilio's agree
    to = "+14155550199"
    item = message_item(to, "exactly once", at=datetime.now(UTC))
    store: Any = await open_ledger(ledger_url)
    await store.enqueue([item])
    await store.close()
    with holding_proxy(emulator) as (proxy, proxy_url):
        process = await anyio.open_process(
            [TWILIOKIT, "worker", "--db", ledger_url],
            env=worker_env(emulator, tmp_path, base_url=proxy_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        async with process:
            try:
                assert await anyio.to_thread.run_sync(proxy.created.wait, 60), "no request"
            finally:
                process.kill()
            assert process.stderr is not None
            stderr = b"".join([chunk async for chunk in process.stderr])
            assert await process.wait() == -9
        assert b"Traceback" not in stderr

    store = await open_ledger(ledger_url)
    try:
        held = await store.get_item(item.id)
        assert held.state == OutboxState.SENDING
        assert held.request_started_at is not None
        later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
        expired = await store.expire_leases(now=later)
        assert [i.id for i in expired] == [item.id]
        assert (await store.get_item(item.id)).state == OutboxState.UNKNOWN

        reconciler = Reconciler(store, client, grace=timedelta(minutes=5), now=lambda: later)
        await reconciler.run_once()
        found = await store.get_item(item.id)
        created = await _messages_to(client, to)
        assert len(created) == 1
        assert found.state == OutboxState.SENT
        assert found.sid == created[0].sid
    finally:
        await store.close()
    async with make_worker(now=lambda: later) as worker:
        assert await worker.run_until_idle() == 0
    assert len(await _messages_to(client, to)) == 1


async def test_an_unknown_item_absent_at_twilio_is_sent_again_once_after_the_grace(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """An item whose request started but never reached Twilio stays unknown during the grace
    period, then goes back to the queue, and a worker sends it: one message."""
    now = datetime.now(UTC)
    to = "+14155550198"
    item = message_item(to, "lost on the way", at=now)
    await ledger.enqueue([item])
    claimed = await ledger.claim_due(
        OutboxClaim(
            owner="dead-worker", now=now, lease=LEASE, limit=1, horizon=timedelta(seconds=2)
        )
    )
    assert [c.item.id for c in claimed] == [item.id]
    assert await ledger.mark_started(item.id, owner="dead-worker", at=now)
    after_lease = now + LEASE + timedelta(seconds=1)
    await ledger.expire_leases(now=after_lease)

    clock = [after_lease]
    reconciler = Reconciler(ledger, client, grace=timedelta(minutes=5), now=lambda: clock[0])
    await reconciler.run_once()
    assert (await ledger.get_item(item.id)).state == OutboxState.UNKNOWN
    clock[0] = now + timedelta(minutes=6)
    await reconciler.run_once()
    assert (await ledger.get_item(item.id)).state == OutboxState.QUEUED

    async with make_worker(now=lambda: clock[0]) as worker:
        assert await worker.run_until_idle() == 1
        assert await worker.run_until_idle() == 0
    assert [m.body for m in await _messages_to(client, to)] == ["lost on the way"]
    assert (await ledger.get_item(item.id)).state == OutboxState.SENT


async def test_a_late_reconciliation_never_requeues_an_item_already_being_sent(
    ledger: Any, client: AsyncClient
) -> None:
    """Two reconcilers judge one unknown item: the first queues it again and a worker claims it;
    the second, deciding late, changes nothing (the item would otherwise leave twice)."""
    now = datetime.now(UTC)
    item = message_item("+14155550197", "only once", at=now)
    await ledger.enqueue([item])
    await ledger.claim_due(OutboxClaim(owner="dead", now=now, lease=LEASE, limit=1, horizon=LEASE))
    await ledger.mark_started(item.id, owner="dead", at=now)
    later = now + timedelta(minutes=6)
    await ledger.expire_leases(now=later)
    first = Reconciler(ledger, client, grace=timedelta(minutes=5), now=lambda: later)
    late = await first.decide(await ledger.get_item(item.id))  # judged, not yet written
    await first.run_once()
    claimed = await ledger.claim_due(
        OutboxClaim(owner="w2", now=later, lease=LEASE, limit=1, horizon=LEASE)
    )
    assert [c.item.id for c in claimed] == [item.id]
    assert late is not None
    assert await ledger.finish(item.id, late, owner=None) is False
    assert (await ledger.get_item(item.id)).state == OutboxState.SENDING
