"""The HTTP API over a real socket (uvicorn in a thread), as a client on the network meets
it: the bearer token, the body-size limit, and how each kind of failure maps to a status."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY, count_messages
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.guardrails import Guardrails
from twiliokit.server.http_api import MAX_BODY_BYTES
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

TOKEN = "socket-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TO = "+14155552671"
ERROR_KEYS = {"type", "message", "code", "status", "retryable", "hint", "field"}


@pytest.fixture
def serve(emulator: RunningEmulator) -> Iterator[Callable[..., str]]:
    """``serve(guardrails=...)``: the service on a free loopback port; returns its base URL."""
    with ExitStack() as stack:
        enter = stack.enter_context

        def start(**overrides: Any) -> str:
            settings = ServiceSettings(
                connection=emulator.connection(),
                api_token=TOKEN,
                ledger_url="memory://",
                retry=FAST_RETRY,
                mcp=False,
                **overrides,
            )
            url: str = enter(serve_in_thread(create_service_app(settings)))
            return url

        yield start


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= ERROR_KEYS
    error: dict[str, Any] = body["error"]
    return error


def _raw_exchange(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` bytes as they are on a fresh connection; the status, headers and body
    of the answer (read until the server closes or the body is complete)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def test_the_token_is_checked_on_the_wire(serve: Callable[..., str]) -> None:
    """No token or a wrong one: 401 with WWW-Authenticate and the error object, and nothing
    runs; the right token runs the action."""
    url = serve()
    missing = httpx.post(f"{url}/v1/actions/send_sms", json={"to": TO, "body": "x"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="twiliokit"'
    assert _error(missing)["type"] == "unauthorized"
    assert _error(missing)["message"] == "a bearer token is required"
    wrong = httpx.get(f"{url}/v1/actions", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert _error(wrong)["message"] == "the token is wrong"
    assert TOKEN not in wrong.text
    basic = httpx.get(f"{url}/v1/actions", auth=("user", TOKEN))  # the token, wrong scheme
    assert basic.status_code == 401
    listed = httpx.get(f"{url}/v1/actions", headers=AUTH)
    assert listed.status_code == 200
    assert "send_sms" in {action["name"] for action in listed.json()["actions"]}


def test_a_body_over_the_limit_is_413_before_it_is_read(
    serve: Callable[..., str], emulator: RunningEmulator
) -> None:
    """A declared Content-Length over the limit is refused with 413 and the error object, and
    so is a chunked body that grows past it; nothing is sent."""
    url = serve()
    host = urlsplit(url).netloc
    declared = (
        f"POST /v1/actions/send_sms HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\nConnection: close\r\n\r\n{{"
    ).encode()
    status, _headers, body = _raw_exchange(url, declared)
    assert status == 413
    assert json.loads(body)["error"]["type"] == "payload_too_large"
    big = json.dumps({"to": TO, "body": "x" * (MAX_BODY_BYTES + 10)}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = httpx.post(
        f"{url}/v1/actions/send_sms",
        content=chunks(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert _error(streamed)["type"] == "payload_too_large"
    assert count_messages(emulator) == 0


def test_each_kind_of_failure_has_its_status(
    serve: Callable[..., str], emulator: RunningEmulator
) -> None:
    """Over the wire: bad input 400 naming the field, guardrails 403, an hourly cap 429 with
    Retry-After, compliance 409, Twilio's own error 502 with its code, an unknown action 404."""
    url = serve(guardrails=Guardrails(allowed_destinations=("+1",), max_messages_per_hour=1))
    send = f"{url}/v1/actions/send_sms"
    bad = httpx.post(send, json={"to": "not-a-number", "body": "x"}, headers=AUTH)
    assert (bad.status_code, _error(bad)["field"]) == (400, "to")
    abroad = httpx.post(send, json={"to": "+33612345678", "body": "x"}, headers=AUTH)
    assert (abroad.status_code, _error(abroad)["type"]) == (403, "policy_refused")
    twilio = httpx.post(send, json={"to": "+15005550001", "body": "x"}, headers=AUTH)
    assert (twilio.status_code, _error(twilio)["code"]) == (502, 21211)
    opted = httpx.post(send, json={"to": "+15005550004", "body": "x"}, headers=AUTH)
    assert (opted.status_code, _error(opted)["code"]) == (502, 21610)  # Twilio refused it
    again = httpx.post(send, json={"to": "+15005550004", "body": "x"}, headers=AUTH)
    assert (again.status_code, _error(again)["type"]) == (409, "opted_out")  # we refused it
    first = httpx.post(send, json={"to": TO, "body": "x"}, headers=AUTH)
    assert first.status_code == 200
    capped = httpx.post(send, json={"to": TO, "body": "x"}, headers=AUTH)
    assert capped.status_code == 429
    assert 0 < int(capped.headers["retry-after"]) <= 3600
    unknown = httpx.post(f"{url}/v1/actions/send_smss", json={}, headers=AUTH)
    assert unknown.status_code == 404
    assert "send_sms" in (_error(unknown)["hint"] or "")
    assert count_messages(emulator) == 1


def test_a_lost_answer_from_twilio_is_an_unknown_outcome(
    serve: Callable[..., str], emulator: RunningEmulator
) -> None:
    """When Twilio's answer to a send is lost, the API says the outcome is unknown (not a
    plain failure to retry), and the message was sent once."""
    url = serve()
    emulator.control.add_fault(method="POST", path="/Messages.json", mode="drop_after", times=1)
    lost = httpx.post(f"{url}/v1/actions/send_sms", json={"to": TO, "body": "x"}, headers=AUTH)
    assert lost.status_code in {502, 504}
    error = _error(lost)
    assert error["type"] == "unknown_outcome"
    assert error["retryable"] is False
    assert count_messages(emulator) == 1
