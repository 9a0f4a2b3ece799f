"""One JSON form of a message: the HTTP API's ledger routes, the MCP resources and the ledger
actions (over HTTP and as MCP tools) answer with the same object for the same message, over
real sockets against the emulator's signed callbacks."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.acceptance.surfaces.conftest import structured
from tests.integration.actions.helpers import FAST_RETRY
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import WebhookSettings
from twiliokit.webhooks.events import StatusChanged
from twiliokit.webhooks.handlers import Handlers

pytestmark = pytest.mark.anyio

TOKEN = "one-form-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DELIVERED_TO = "+14155552671"
UNDELIVERED_TO = "+14155552672"


@pytest.fixture
def served(emulator: RunningEmulator, tmp_path: Path) -> Iterator[tuple[str, threading.Event]]:
    """The service (HTTP API, MCP, webhooks; SQLite ledger) on a free port, and an event set
    once both test messages reached their final status in the ledger (with price fetched)."""
    finished: set[str] = set()
    done = threading.Event()
    handlers = Handlers()

    @handlers.on_status
    def watch(event: StatusChanged) -> None:
        if event.status.is_final:
            finished.add(event.sid)
            if len(finished) == 2:
                done.set()

    settings = ServiceSettings(
        connection=emulator.connection(),
        api_token=TOKEN,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        retry=FAST_RETRY,
        webhooks=WebhookSettings(auth_token=emulator.auth_token, fetch_final_details=True),
        handlers=handlers,
    )
    with serve_in_thread(create_service_app(settings)) as url:
        yield url, done


@asynccontextmanager
async def _mcp(url: str) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=AUTH) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


async def _send(http: httpx.AsyncClient, url: str, to: str) -> str:
    callback = f"{url}/webhooks/twilio/message-status"
    body = {"to": to, "body": "hi", "status_callback": callback}
    sent = await http.post("/v1/actions/send_sms", json=body)
    assert sent.status_code == 200, sent.text
    sid: str = sent.json()["sid"]
    return sid


def _resource(result: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.contents[0].text)
    return document


def _without_history(message: dict[str, Any]) -> dict[str, Any]:
    """A conversation's message less its status history (what search results lack)."""
    return {key: value for key, value in message.items() if key != "history"}


async def _forms(http: httpx.AsyncClient, client: Client, to: str) -> dict[str, Any]:
    """The conversation with ``to`` and the search for it, from every surface."""
    return {
        "http search": (await http.get("/v1/messages", params={"contact": to})).json(),
        "http conversation": (await http.get(f"/v1/conversations/{to}")).json(),
        "action search": (
            await http.post("/v1/actions/search_ledger", json={"contact": to})
        ).json(),
        "action conversation": (
            await http.post("/v1/actions/get_conversation", json={"contact": to})
        ).json(),
        "mcp resource": _resource(await client.read_resource(f"twiliokit://conversations/{to}")),
        "tool search": structured(await client.call_tool("search_ledger", {"contact": to})),
        "tool conversation": structured(
            await client.call_tool("get_conversation", {"contact": to})
        ),
    }


async def test_a_message_has_one_json_form_on_every_surface(
    served: tuple[str, threading.Event], emulator: RunningEmulator
) -> None:
    """A delivered message (with its price) and an undelivered one (with its error code) are
    the same JSON from /v1/messages, /v1/conversations, the MCP conversation resource, and
    search_ledger / get_conversation over HTTP and MCP; price is a number, error_hint is there."""
    url, done = served
    handset = {"number": UNDELIVERED_TO, "outcome": "undelivered"}
    emulator.control.request("POST", "/_emulator/handsets", handset)
    found: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=url, headers=AUTH) as http, _mcp(url) as client:
        sids = {to: await _send(http, url, to) for to in (DELIVERED_TO, UNDELIVERED_TO)}
        emulator.control.advance(30)  # queued -> sending -> sent -> final, callbacks signed
        assert done.wait(timeout=30)
        for to, sid in sids.items():
            forms = await _forms(http, client, to)
            conversations = [v for k, v in forms.items() if k.endswith("conversation")]
            conversations.append(forms["mcp resource"])
            searches = [v for k, v in forms.items() if k.endswith("search")]
            assert all(c == conversations[0] for c in conversations), forms
            assert all(s == searches[0] for s in searches), forms
            (message,) = searches[0]["messages"]
            (with_history,) = conversations[0]["messages"]
            assert message["sid"] == sid
            assert _without_history(with_history) == message
            found[to] = message
    delivered, undelivered = found[DELIVERED_TO], found[UNDELIVERED_TO]
    assert delivered["status"] == "delivered"
    assert isinstance(delivered["price"], float)
    assert "error_hint" in delivered
    assert (undelivered["status"], undelivered["error_code"]) == ("undelivered", 30003)
