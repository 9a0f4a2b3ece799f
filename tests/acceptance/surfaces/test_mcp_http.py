"""The service over real HTTP (uvicorn in a thread): MCP at /mcp through the SDK's streamable
HTTP client with the bearer token, beside the HTTP API, against the emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.acceptance.surfaces.conftest import TO, structured
from tests.integration.actions.helpers import FAST_RETRY, count_messages
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

pytestmark = pytest.mark.anyio

TOKEN = "acceptance-token-0123456789"


@pytest.fixture
def service_url(emulator: RunningEmulator) -> Iterator[str]:
    """The service (HTTP API + MCP, in-memory ledger) on a free loopback port."""
    settings = ServiceSettings(
        connection=emulator.connection(), api_token=TOKEN, ledger_url="memory://", retry=FAST_RETRY
    )
    with serve_in_thread(create_service_app(settings)) as url:
        yield url


@asynccontextmanager
async def mcp_client(url: str, token: str = TOKEN) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


async def test_mcp_over_http_sends_reads_calls_and_verifies(
    service_url: str, emulator: RunningEmulator
) -> None:
    """Tools list and run over streamable HTTP: send_sms, list_messages by date, make_call,
    a Verify service and a verification; the ledger resource shows the conversation."""
    emulator.control.set_time("2026-03-10T12:00:00Z")  # the day filter below: not near midnight
    async with mcp_client(service_url) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"send_sms", "list_messages", "make_call", "start_verification"} <= names
        sent = structured(await client.call_tool("send_sms", {"to": TO, "body": "over http"}))
        emulator.control.advance(5)
        day = sent["date_created"][:10]
        assert day == "2026-03-10"
        listed = structured(await client.call_tool("list_messages", {"to": TO, "date_sent": day}))
        assert [m["sid"] for m in listed["messages"]] == [sent["sid"]]
        call = structured(await client.call_tool("make_call", {"to": TO, "say": "Hi"}))
        assert call["to"] == TO
        service = structured(
            await client.call_tool("create_verify_service", {"friendly_name": "Acme"})
        )
        verification = structured(
            await client.call_tool(
                "start_verification", {"service_sid": service["sid"], "to": TO, "channel": "sms"}
            )
        )
        assert verification["status"] == "pending"
        conversation = await client.read_resource(f"twiliokit://conversations/{TO}")
    talk = json.loads(conversation.contents[0].text)  # type: ignore[union-attr]
    assert talk["messages"][0]["history"][0]["source"] == "api"  # recorded by the ledger
    assert [m["sid"] for m in talk["messages"]] == [sent["sid"]]
    assert count_messages(emulator) == 1
    assert len(emulator.control.verifications()) == 1


def test_mcp_endpoint_needs_the_token(service_url: str) -> None:
    """An MCP request without the token is a 401 with the JSON error; with it, it is served."""
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    refused = httpx.post(f"{service_url}/mcp", json=initialize, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "unauthorized"
    served = httpx.post(
        f"{service_url}/mcp",
        json=initialize,
        headers={**headers, "Authorization": f"Bearer {TOKEN}"},
    )
    assert served.status_code == 200


@pytest.mark.parametrize(
    ("header", "value", "status", "kind"),
    [
        ("Host", "evil.example", 421, "forbidden_host"),
        ("Origin", "http://evil.example", 403, "forbidden_origin"),
        ("Content-Type", "text/plain", 400, "validation_error"),
    ],
)
def test_mcp_refusals_before_our_code_are_the_json_error_object(
    service_url: str, header: str, value: str, status: int, kind: str
) -> None:
    """The MCP library's own refusals on loopback (a foreign Host or Origin: DNS rebinding;
    a body that is not JSON) keep their status and come as the JSON error object naming the
    header, as every other error of the server does."""
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        header: value,
    }
    refused = httpx.post(
        f"{service_url}/mcp",
        content=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        headers=headers,
    )
    assert refused.status_code == status
    error = refused.json()["error"]
    assert (error["type"], error["field"]) == (kind, header)
    assert error["hint"]


async def test_http_api_and_mcp_share_one_ledger(service_url: str) -> None:
    """A message sent through the HTTP API is in the ledger the MCP resources read."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=service_url, headers=auth) as http:
        sent = (await http.post("/v1/actions/send_sms", json={"to": TO, "body": "api"})).json()
        found = (await http.get("/v1/messages", params={"contact": TO})).json()
    assert [m["sid"] for m in found["messages"]] == [sent["sid"]]
    async with mcp_client(service_url) as client:
        status = await client.read_resource(f"twiliokit://messages/{sent['sid']}/status")
    timeline = json.loads(status.contents[0].text)  # type: ignore[union-attr]
    assert (timeline["recorded"], timeline["status"]) == (True, "queued")


async def test_mcp_errors_mask_the_api_token_given_in_the_wrong_field(service_url: str) -> None:
    """Over /mcp, the service's API token given as "from" comes back masked in the error."""
    async with mcp_client(service_url) as client:
        result = await client.call_tool("send_sms", {"to": TO, "body": "hi", "from": TOKEN})
    assert result.is_error is True
    document = structured(result)
    assert TOKEN not in json.dumps(document)
    assert "'from' is not a valid phone number" in document["error"]["message"]
