"""Forwarded webhook deliveries on the outbox: recorded in the ledger when the webhook is
handled, delivered by a worker after a restart, retried, and kept (never dropped) when the
endpoint gives up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.helpers.sink import WebhookSink
from tests.integration.webhooks.conftest import TOKEN, asgi_receiver
from tests.integration.webhooks.test_signatures import PUBLIC, form_headers, inbound, sign
from twiliokit.client import AsyncClient
from twiliokit.ledger import open_ledger
from twiliokit.ledger.outbox_records import OutboxKind, OutboxQuery, OutboxState
from twiliokit.outbox.running import build_worker
from twiliokit.webhooks import (
    Forwarder,
    ForwardSettings,
    WebhookSettings,
    create_receiver_app,
    verify_forward_signature,
)
from twiliokit.webhooks.receiver import PATHS

pytestmark = pytest.mark.anyio

SECRET = "s3cret-for-forwarding-events-0001"


async def test_forwards_wait_in_the_outbox_through_a_restart_and_are_delivered(
    ledger_url: str, client: AsyncClient, sink: WebhookSink
) -> None:
    """An inbound message handled while no worker runs is kept in the ledger; after the
    receiver and the ledger are closed and opened again, a worker delivers it signed, and an
    endpoint that keeps failing is tried max_attempts times, then kept as failed."""
    sink.respond("/down", "busy", status=503)
    forwarder = Forwarder(
        ForwardSettings(
            urls=(sink.url("/events"), sink.url("/down")), secret=SECRET, max_attempts=3
        )
    )
    store: Any = await open_ledger(ledger_url)
    forwarder.use_outbox(store)
    app = create_receiver_app(
        WebhookSettings(auth_token=TOKEN, public_url=PUBLIC), store, forwarder=forwarder
    )
    params = inbound(body="keep me")
    async with asgi_receiver(app) as http:
        response = await http.post(
            PATHS["messaging"],
            content=urlencode(params),
            headers=form_headers(sign(PUBLIC + PATHS["messaging"], dict(params))),
        )
        assert response.status_code == 200
        await forwarder.join()
    await store.close()
    assert sink.at("/events") == []

    restarted: Any = await open_ledger(ledger_url)
    try:
        queued = await restarted.list_items(OutboxQuery(state=OutboxState.QUEUED))
        assert sorted(item.kind for item in queued) == [OutboxKind.FORWARD] * 2
        clock = [datetime.now(UTC)]
        async with build_worker(restarted, client, now=lambda: clock[0]) as worker:
            for _ in range(3):
                await worker.run_until_idle()
                clock[0] += timedelta(minutes=1)  # past any retry's backoff
        items = {item.to: item for item in await restarted.list_items(OutboxQuery())}
    finally:
        await restarted.close()

    [delivered] = sink.at("/events")
    assert verify_forward_signature(
        delivered.body, delivered.headers["x-twiliokit-signature"], SECRET
    )
    assert json.loads(delivered.body)["event"]["body"] == "keep me"
    assert len(sink.at("/down")) == 3
    by_path = {to.rsplit("/", 1)[-1]: item for to, item in items.items()}
    assert by_path["events"].state == OutboxState.SENT
    assert by_path["down"].state == OutboxState.FAILED
    assert "after 3 attempt(s): HTTP 503" in by_path["down"].reason
