"""Secrets never reach whoever reads an answer: the auth token Twilio puts in raw_request's
answers is masked in JSON, text and bytes alike, over HTTP, from the CLI and over MCP, also
when the connection is an API key (which does not know the auth token); the password and key
in a webhook forward URL are left out of the outbox as list_outbox and get_send show it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from mcp import ClientSession
from mcp.client.stdio import stdio_client

from tests.acceptance.surfaces.conftest import McpServer, service_settings, structured
from tests.helpers.processes import run_clean
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.outbox.settings import OutboxSettings
from twiliokit.server.service import create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import compute_signature
from twiliokit.webhooks.forward import Forwarder, ForwardSettings

pytestmark = pytest.mark.anyio

TOKEN = "secrets-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ACCOUNT = "/2010-04-01/Accounts/{AccountSid}.json"


@pytest.fixture
def api_key(emulator: RunningEmulator) -> dict[str, Any]:
    """An API key of the emulator's account (its SID and secret)."""
    return emulator.control.create_api_key()


@pytest.fixture
def url(emulator: RunningEmulator, api_key: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """The service on a free port, connected with an API key."""
    connection = emulator.connection(
        auth_token=None, api_key_sid=api_key["sid"], api_key_secret=api_key["secret"]
    )
    settings = service_settings(emulator, tmp_path / "ledger.db", TOKEN, connection=connection)
    with serve_in_thread(create_service_app(settings)) as served:
        yield served


def _answer_text(output: dict[str, Any]) -> str:
    """raw_request's body as text, whichever form it came in."""
    data = output["data"]
    if output["data_encoding"] == "base64":
        return base64.b64decode(data).decode("utf-8")
    return data if isinstance(data, str) else json.dumps(data)


@pytest.mark.parametrize("response_type", ["json", "text", "binary"])
def test_http_raw_request_masks_the_auth_token_in_every_form(
    url: str, emulator: RunningEmulator, response_type: str
) -> None:
    """The account resource, read as JSON, text or bytes over HTTP, shows its auth token
    masked, and the rest of it as Twilio sent it."""
    arguments = {"method": "GET", "path": ACCOUNT, "response_type": response_type}
    response = httpx.post(f"{url}/v1/actions/raw_request", json=arguments, headers=AUTH)
    assert response.status_code == 200, response.text
    text = _answer_text(response.json())
    assert f'"{emulator.auth_token}"' not in text  # (it is part of the account SID)
    assert json.loads(text)["auth_token"] == "****"
    assert json.loads(text)["sid"] == emulator.account_sid


@pytest.mark.parametrize("response_type", ["text", "binary"])
def test_cli_raw_masks_the_auth_token_with_an_api_key(
    tmp_path: Path, emulator: RunningEmulator, api_key: dict[str, Any], response_type: str
) -> None:
    """`twiliokit raw GET ... --response-type text|binary` with TWILIO_API_KEY prints the
    account with its auth token masked."""
    env = {
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_API_KEY": api_key["sid"],
        "TWILIO_API_SECRET": api_key["secret"],
        "TWILIOKIT_BASE_URL": emulator.base_url,
    }
    done = run_clean(tmp_path, "raw", "GET", ACCOUNT, "--response-type", response_type, env=env)
    assert done.returncode == 0, done.stderr
    text = base64.b64decode(done.stdout).decode() if response_type == "binary" else done.stdout
    assert f'"{emulator.auth_token}"' not in text  # (it is part of the account SID)
    assert json.loads(text)["auth_token"] == "****"


async def test_mcp_raw_request_masks_the_auth_token_in_bytes(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """Over MCP, raw_request's bytes answer (base64) carries the auth token masked."""
    arguments = {"method": "GET", "path": ACCOUNT, "response_type": "binary"}
    async with (
        stdio_client(mcp_server()) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("raw_request", arguments)
    assert result.is_error is False, result.content
    text = _answer_text(structured(result))
    assert f'"{emulator.auth_token}"' not in text  # (it is part of the account SID)
    assert json.loads(text)["auth_token"] == "****"


#: A forward target whose URL carries a password and a capability key (nothing listens).
FORWARD_URL = "http://fwduser:FWD-PASSWORD@127.0.0.1:9/hook?key=FWD-KEY"


async def test_forward_url_secrets_stay_out_of_the_outbox_views(
    emulator: RunningEmulator, tmp_path: Path, mcp_server: McpServer
) -> None:
    """An inbound message forwarded (through the outbox) to a URL with user info and a query:
    list_outbox and get_send, over HTTP and over MCP on the same ledger, show the URL
    without either."""
    ledger = tmp_path / "ledger.db"
    forwarder = Forwarder(ForwardSettings(urls=(FORWARD_URL,), secret="forward-secret-0123456789"))
    settings = service_settings(
        emulator, ledger, TOKEN, forwarder=forwarder, outbox=OutboxSettings()
    )
    path = "/webhooks/twilio/messaging"
    params = {
        "MessageSid": "SM" + "b" * 32,
        "AccountSid": emulator.account_sid,
        "From": "+14155552671",
        "To": emulator.phone_number,
        "Body": "hello",
    }
    with serve_in_thread(create_service_app(settings)) as url:
        signature = compute_signature(f"{url}{path}", list(params.items()), emulator.auth_token)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        async with httpx.AsyncClient(base_url=url) as http:
            posted = await http.post(path, content=urlencode(params), headers=headers)
            assert posted.status_code == 200, posted.text
    # The forward is recorded in the outbox by the time the service has stopped (its write
    # runs beside the answer, and a clean shutdown waits for it); read it from a new one.
    reader = service_settings(emulator, ledger, TOKEN)
    with serve_in_thread(create_service_app(reader)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            listed = await http.post("/v1/actions/list_outbox", json={}, headers=AUTH)
            assert listed.status_code == 200, listed.text
            [item] = [i for i in listed.json()["items"] if i["kind"] == "forward"]
            arguments = {"outbox_id": item["outbox_id"]}
            one = await http.post("/v1/actions/get_send", json=arguments, headers=AUTH)
            assert one.status_code == 200, one.text
    for shown in (item, one.json()):
        assert shown["request"]["url"] == "http://127.0.0.1:9/hook?…"
        assert "FWD-" not in json.dumps(shown)
    async with (
        stdio_client(mcp_server("--db", f"sqlite:///{ledger}")) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("list_outbox", {})
    assert result.is_error is False, result.content
    [over_mcp] = [i for i in structured(result)["items"] if i["kind"] == "forward"]
    assert over_mcp["request"]["url"] == "http://127.0.0.1:9/hook?…"
    assert "FWD-" not in json.dumps(structured(result))


def test_http_errors_mask_a_secret_given_in_the_wrong_field(
    url: str, api_key: dict[str, Any]
) -> None:
    """A secret pasted into the wrong field (the service's API token, the connection's key
    secret as "from") is echoed back masked in the 400's message."""
    for secret in (TOKEN, api_key["secret"]):
        arguments = {"to": "+14155552671", "body": "hi", "from": secret}
        response = httpx.post(f"{url}/v1/actions/send_sms", json=arguments, headers=AUTH)
        assert response.status_code == 400, response.text
        assert secret not in response.text
        assert "'from' is not a valid phone number" in response.json()["error"]["message"]


async def test_mcp_errors_mask_a_secret_given_in_the_wrong_field(
    mcp_server: McpServer, emulator: RunningEmulator
) -> None:
    """Over MCP, the connection's auth token given as "from" comes back masked."""
    secret = "0123456789abcdef" * 2
    arguments = {"to": "+14155552671", "body": "hi", "from": secret}
    environment = mcp_server()
    assert environment.env is not None
    environment.env["TWILIO_AUTH_TOKEN"] = secret
    async with (
        stdio_client(environment) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("send_sms", arguments)
    assert result.is_error is True
    assert secret not in json.dumps(structured(result))
    assert "'from' is not a valid phone number" in structured(result)["error"]["message"]
