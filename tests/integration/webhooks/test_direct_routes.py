"""The standalone receiver app sends the five webhook paths straight to their endpoints; the
rest of HTTP (405, 404, HEAD, a trailing slash) answers as Starlette always did."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.webhooks.conftest import Seen, asgi_receiver, recording_handlers
from tests.integration.webhooks.test_signatures import PUBLIC, form_headers, inbound, sign
from twiliokit.webhooks import WebhookSettings, create_receiver_app
from twiliokit.webhooks.receiver import PATHS

pytestmark = pytest.mark.anyio


def _app(tmp_path: Path, seen: Seen) -> Any:
    settings = WebhookSettings(auth_token="12345678901234567890123456789012", public_url=PUBLIC)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return create_receiver_app(settings, url, recording_handlers(seen))


async def test_other_methods_and_paths_answer_as_before(tmp_path: Path) -> None:
    """PUT gets 405 with Allow, an unknown path 404, HEAD reaches the route, and a signed
    inbound message on the direct path is recorded and answered with TwiML."""
    seen = Seen()
    app = _app(tmp_path, seen)
    async with asgi_receiver(app) as client:
        put = await client.put(PATHS["messaging"])
        assert put.status_code == 405
        assert set(put.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
        assert (await client.post("/webhooks/twilio/nothing")).status_code == 404
        assert (await client.get(PATHS["verify"])).status_code == 405
        head = await client.head(PATHS["messaging"])
        assert head.status_code == 403  # unsigned: the route itself refused it
        params = inbound()
        answer = await client.post(
            PATHS["messaging"],
            content=urlencode(params),
            headers=form_headers(sign(PUBLIC + PATHS["messaging"], dict(params))),
        )
        await app.state.receiver.drain()
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.text.startswith("<?xml")
    assert len(seen.of("message.received")) == 1


async def test_a_client_that_leaves_early_gets_no_answer(tmp_path: Path) -> None:
    """A disconnect before the body arrives ends the request quietly: nothing is sent, no 500."""
    app = _app(tmp_path, Seen())
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": PATHS["messaging"],
        "raw_path": PATHS["messaging"].encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert sent == []
