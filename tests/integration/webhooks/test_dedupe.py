"""Deduplication is an atomic claim in the database: concurrent copies of one delivery reach
the handlers once, on SQLite and on PostgreSQL; out-of-order status callbacks never move a
message backwards."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.integration.webhooks.conftest import (
    TOKEN,
    Seen,
    asgi_receiver,
    reading,
    recording_handlers,
)
from tests.integration.webhooks.test_signatures import PUBLIC, form_headers, inbound, sign
from tests.postgres import PostgresServer, postgres_server  # noqa: F401 (fixture)
from twiliokit.ledger import MessageStatus, StatusOutcome
from twiliokit.webhooks import WebhookSettings, create_receiver_app
from twiliokit.webhooks.receiver import PATHS

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh ledger database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"webhooks_{tmp_path.name.lower()[-20:]}")


async def test_concurrent_copies_of_a_delivery_are_handled_once(ledger_url: str) -> None:
    """Twenty copies of one inbound webhook at once: one is handled, nineteen are duplicates."""
    seen = Seen()
    app = create_receiver_app(
        WebhookSettings(auth_token=TOKEN, public_url=PUBLIC), ledger_url, recording_handlers(seen)
    )
    params = inbound()
    body = urlencode(params)
    headers = form_headers(sign(PUBLIC + PATHS["messaging"], dict(params)))
    async with asgi_receiver(app) as client:
        answers = await asyncio.gather(
            *(client.post(PATHS["messaging"], content=body, headers=headers) for _ in range(20))
        )
    assert {a.status_code for a in answers} == {200}
    assert len(seen.of("message.received")) == 1
    async with reading(ledger_url) as ledger:
        deliveries = await ledger.webhook_deliveries(sid=params[1][1])
    assert sorted(d.duplicate for d in deliveries) == [False] + [True] * 19


async def test_late_status_callbacks_never_move_a_message_backwards(tmp_path: Path) -> None:
    """``delivered`` then a late ``sent``: the late one is kept in the history as stale, the
    handler is told so, and the current status stays ``delivered``."""
    seen = Seen()
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    app = create_receiver_app(
        WebhookSettings(auth_token=TOKEN, public_url=PUBLIC), url, recording_handlers(seen)
    )
    sid = "SM" + "e" * 32
    async with asgi_receiver(app) as client:
        for number, status in enumerate(["delivered", "sent"]):
            params = [("MessageSid", sid), ("MessageStatus", status), ("To", "+14155550123")]
            response = await client.post(
                PATHS["message_status"],
                content=urlencode(params),
                headers=form_headers(
                    sign(PUBLIC + PATHS["message_status"], dict(params)), idempotency=f"t{number}"
                ),
            )
            assert response.status_code == 200
        await app.state.receiver.drain()
    # Background handlers run concurrently: which outcome each callback got is what counts.
    assert {(e.status, e.outcome) for e in seen.of("message.status")} == {
        (MessageStatus.DELIVERED, StatusOutcome.APPLIED),
        (MessageStatus.SENT, StatusOutcome.STALE),
    }
    async with reading(url) as ledger:
        history = await ledger.status_history(sid)
    assert [e.status for e in history] == [MessageStatus.SENT, MessageStatus.DELIVERED]
