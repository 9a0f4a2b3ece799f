"""The worker `twiliokit serve` runs in the service: it sends what is queued in the service's
ledger, and /metrics shows the outbox (items finished by outcome, each sender's pace)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import anyio
import httpx
import pytest

from twiliokit.client import AsyncClient
from twiliokit.emulator import MAGIC_FROM
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import open_ledger
from twiliokit.outbox.settings import OutboxSettings
from twiliokit.server.service import ServiceSettings, create_service_app

from .conftest import message_item

pytestmark = pytest.mark.anyio

TOKEN = "service-token-for-outbox-tests-0001"


async def test_the_service_runs_a_worker_and_shows_the_outbox_in_metrics(
    emulator: RunningEmulator, ledger_url: str, client: AsyncClient
) -> None:
    """An item queued before the service starts is sent by the service's worker; /metrics
    counts it as sent and shows its sender's configured pace."""
    to = "+14155550155"
    item = message_item(to, "from the service", at=datetime.now(UTC))
    store = await open_ledger(ledger_url)
    await store.enqueue([item])
    await store.close()
    app = create_service_app(
        ServiceSettings(
            connection=emulator.connection(),
            api_token=TOKEN,
            ledger_url=ledger_url,
            outbox=OutboxSettings(rates={MAGIC_FROM: 250}),
            console=None,
        )
    )
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        with anyio.fail_after(30):
            await app.state.outbox_worker.wait_finished(1)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")
        )
        metrics = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status_code == 200
    assert 'twiliokit_outbox_finished_total{outcome="sent"} 1.0' in metrics.text
    assert f'twiliokit_outbox_pace{{sender="{MAGIC_FROM}"}} 250.0' in metrics.text
    assert [m.body async for m in client.iter_messages(to=to)] == ["from the service"]
