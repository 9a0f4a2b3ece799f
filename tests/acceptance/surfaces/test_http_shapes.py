"""`?shape=NAME` on the HTTP API, served over a real socket against the emulator: the named
route and the {action, arguments} envelope answer each seed platform's fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.seed_answers import (
    BOOKS_SMS_MESSAGE,
    PRISMATIC_GET_SMS,
    PRISMATIC_SEND_SMS,
    SB_AGENT_HUB_SEND_SMS,
    SMYTHOS_FETCH_RATE_LIMIT,
    SMYTHOS_LIST_RATE_LIMITS,
    SMYTHOS_SEND,
    fits_table,
    same_form,
)
from tests.integration.actions.helpers import FAST_RETRY, count_messages
from twiliokit.actions.shapes import SHAPE_NAMES
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.guardrails import Guardrails
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread

TOKEN = "shapes-token-0123456789abcdef"
TO = "+14155552671"


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """An HTTP client on the service (HTTP API, in-memory ledger) on a free loopback port."""
    settings = ServiceSettings(
        connection=emulator.connection(), api_token=TOKEN, ledger_url="memory://", retry=FAST_RETRY
    )
    with (
        serve_in_thread(create_service_app(settings)) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        ) as client,
    ):
        yield client


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def run(api: httpx.Client, name: str, arguments: dict[str, Any], shape: str | None) -> Any:
    """Run through the named route, ``POST /v1/actions/{name}?shape=``."""
    params = {"shape": shape} if shape else {}
    return ok(api.post(f"/v1/actions/{name}", params=params, json=arguments))


def envelope(api: httpx.Client, name: str, arguments: dict[str, Any], shape: str) -> Any:
    """Run through the envelope route, ``POST /v1/actions?shape=`` with {action, arguments}."""
    body = {"action": name, "arguments": arguments}
    return ok(api.post("/v1/actions", params={"shape": shape}, json=body))


def test_smythos_send_and_rate_limit_reads(api: httpx.Client) -> None:
    """Send SMS answers messageSID/status/Response; Fetch and List Rate Limits answer
    description/url and rateLimits, on both routes."""
    sent = run(api, "send_sms", {"recipientPhoneNumber": TO, "body": "hi"}, "smythos")
    assert fits_table(sent, SMYTHOS_SEND) == []
    assert sent["Response"]["sid"] == sent["messageSID"]
    service = run(api, "create_verify_service", {"friendly_name": "Acme"}, None)
    created = envelope(
        api,
        "createRateLimit",
        {"serviceSID": service["sid"], "uniqueName": "phone_number", "description": "Per number"},
        "smythos",
    )
    arguments = {"serviceSID": service["sid"], "rateLimitSID": created["rateLimitSID"]}
    fetched = envelope(api, "fetchRateLimit", arguments, "smythos")
    assert fits_table(fetched, SMYTHOS_FETCH_RATE_LIMIT) == []
    assert fetched["description"] == "Per number"
    assert fetched["Response"]["sid"] == created["rateLimitSID"]
    listed = run(api, "listRateLimits", {"serviceSID": service["sid"]}, "smythos")
    assert fits_table(listed, SMYTHOS_LIST_RATE_LIMITS) == []
    assert [limit["sid"] for limit in listed["rateLimits"]] == [created["rateLimitSID"]]


def test_prismatic_send_and_get_match_the_seed_examples(api: httpx.Client) -> None:
    """sendSMS and getSMS answer {"data": message} in the seed examples' form, on both
    routes; listMessages an array under data."""
    sent = envelope(api, "sendSMS", {"to": TO, "body": "Testing"}, "prismatic")
    assert same_form(sent, PRISMATIC_SEND_SMS) == []
    sid = sent["data"]["sid"]
    fetched = run(api, "getSMS", {"sid": sid}, "prismatic")
    assert same_form(fetched, PRISMATIC_GET_SMS) == []
    listed = run(api, "list_messages", {"to": TO}, "prismatic")
    assert [message["sid"] for message in listed["data"]] == [sid]


def test_books_send_and_read(api: httpx.Client) -> None:
    """Books: send answers {"answer": SID}; reads answer the "Twilio sms message" concept."""
    sent = run(api, "send_sms", {"recipient_number": TO, "message_body": "From Books"}, "books")
    assert list(sent) == ["answer"]
    listed = envelope(api, "list_messages", {"recipient_number": TO}, "books")
    [message] = listed["sms_messages"]
    assert message["sid"] == sent["answer"]
    table = dict(BOOKS_SMS_MESSAGE, messaging_service_sid="optional[text]")
    assert fits_table(message, table) == []


def test_sb_agent_hub_send_and_call_status(api: httpx.Client) -> None:
    """SB Agent Hub: sendSMS as the seed's example; makeCall and getCallStatus answer
    callSid and status."""
    sent = envelope(api, "sendSMS", {"to": TO, "body": "Your code"}, "sb-agent-hub")
    assert same_form(sent, SB_AGENT_HUB_SEND_SMS) == []
    call = run(api, "makeCall", {"to": TO, "url": "https://example.com/t"}, "sb-agent-hub")
    assert list(call) == ["callSid", "status"]
    status = envelope(api, "getCallStatus", {"callSid": call["callSid"]}, "sb-agent-hub")
    assert list(status) == ["callSid", "status"]
    assert status["callSid"] == call["callSid"]


def test_default_shape_is_unchanged(api: httpx.Client) -> None:
    """No shape and shape=twiliokit give the catalogue's own output, on both routes."""
    plain = run(api, "send_sms", {"to": TO, "body": "one"}, None)
    named = envelope(api, "send_sms", {"to": TO, "body": "two"}, "twiliokit")
    assert set(plain) == set(named)
    assert {"sid", "status", "from", "to", "num_segments", "raw", "segments"} <= set(plain)


def test_unknown_shape_is_a_400_naming_shape_and_sends_nothing(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """An unknown shape is a 400 whose error names the field 'shape' and lists the shapes;
    nothing is sent."""
    for response in (
        api.post("/v1/actions/send_sms", params={"shape": "zapier"}, json={"to": TO, "body": "x"}),
        api.post(
            "/v1/actions",
            params={"shape": "zapier"},
            json={"action": "send_sms", "arguments": {"to": TO, "body": "x"}},
        ),
    ):
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["field"] == "shape"
        for name in SHAPE_NAMES:
            assert name in error["hint"]
    assert count_messages(emulator) == 0


def test_openapi_documents_the_shape_parameter(api: httpx.Client) -> None:
    """/openapi.json lists shape (with its names) on both run routes."""
    document = ok(api.get("/openapi.json"))
    for path in ("/v1/actions/{name}", "/v1/actions"):
        parameters = document["paths"][path]["post"]["parameters"]
        [shape] = [p for p in parameters if p["name"] == "shape"]
        assert shape["in"] == "query"
        for name in SHAPE_NAMES:
            assert name in json.dumps(shape["schema"])


def test_dry_run_previews_are_not_shaped(emulator: RunningEmulator) -> None:
    """In dry-run mode a send answers its preview as it is, whatever the shape: the preview
    is not the action's output, and nothing is sent."""
    settings = ServiceSettings(
        connection=emulator.connection(),
        api_token=TOKEN,
        ledger_url="memory://",
        retry=FAST_RETRY,
        guardrails=Guardrails(dry_run=True),
    )
    with (
        serve_in_thread(create_service_app(settings)) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        preview = ok(
            client.post(
                "/v1/actions/send_sms", params={"shape": "books"}, json={"to": TO, "body": "x"}
            )
        )
    assert "answer" not in preview
    assert preview["dry_run"] is True
    assert preview["action"] == "send_sms"
    assert count_messages(emulator) == 0
