"""The HTTP API over a real socket says when an idempotent send was a replay: the
``Idempotent-Replayed: true`` header, on both ways of running an action."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY, count_messages
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.http_api import REPLAYED_HEADER
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

TOKEN = "replay-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TO = "+14155552671"


@pytest.fixture
def base_url(emulator: RunningEmulator) -> Iterator[str]:
    """The service (HTTP API, in-memory ledger) on a free loopback port, over the emulator."""
    settings = ServiceSettings(
        connection=emulator.connection(),
        api_token=TOKEN,
        ledger_url="memory://",
        retry=FAST_RETRY,
        mcp=False,
    )
    with serve_in_thread(create_service_app(settings)) as url:
        yield url


def test_a_replay_says_so_in_a_header(base_url: str, emulator: RunningEmulator) -> None:
    """The same Idempotency-Key twice: one message sent, the second answer is the first's
    body with Idempotent-Replayed: true; a fresh key's answer has no such header."""
    body = {"to": TO, "body": "once"}
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=30) as client:
        keyed = {"Idempotency-Key": "order-17"}
        first = client.post("/v1/actions/send_sms", json=body, headers=keyed)
        again = client.post("/v1/actions/send_sms", json=body, headers=keyed)
        fresh = client.post("/v1/actions/send_sms", json=body, headers={"Idempotency-Key": "o-18"})
    assert (first.status_code, again.status_code, fresh.status_code) == (200, 200, 200)
    assert REPLAYED_HEADER not in first.headers
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.json() == first.json()
    assert REPLAYED_HEADER not in fresh.headers
    assert count_messages(emulator) == 2


def test_the_envelope_route_marks_a_replay_too(base_url: str, emulator: RunningEmulator) -> None:
    """POST /v1/actions with the key in the arguments: the retry carries the header."""
    envelope = {
        "action": "send_sms",
        "arguments": {"to": TO, "body": "hi", "idempotency_key": "job-3"},
    }
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=30) as client:
        first = client.post("/v1/actions", json=envelope)
        again = client.post("/v1/actions", json=envelope)
    assert REPLAYED_HEADER not in first.headers
    assert again.headers[REPLAYED_HEADER] == "true"
    assert again.json()["sid"] == first.json()["sid"]
    assert count_messages(emulator) == 1
