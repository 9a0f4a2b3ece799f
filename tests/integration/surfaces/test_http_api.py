"""The HTTP actions API in-process (the service app with its lifespan): the token, running
actions, the ledger endpoints, error statuses and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from tests.integration.actions.helpers import count_messages
from tests.integration.surfaces.conftest import AUTH, TO, TOKEN, OpenGuarded, ServiceClient
from twiliokit.actions import catalogue
from twiliokit.actions.registry import ActionRegistry
from twiliokit.actions.schema import input_schema
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.http_api import create_http_api
from twiliokit.webhooks import WebhookSettings

pytestmark = pytest.mark.anyio

ERROR_KEYS = {"type", "message", "code", "status", "retryable", "hint", "field"}


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) >= ERROR_KEYS
    error: dict[str, object] = body["error"]
    return error


async def test_every_endpoint_but_two_needs_the_token(service: ServiceClient) -> None:
    """Without the token (or with a wrong one) /v1 and /mcp answer 401 with the error object;
    /healthz and /openapi.json are public."""
    client = await service()
    for method, path in [("GET", "/v1/actions"), ("POST", "/v1/actions/send_sms"),
                         ("GET", "/v1/messages"), ("POST", "/mcp")]:  # fmt: skip
        response = await client.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert _error(response)["type"] == "unauthorized"
    wrong = await client.get("/v1/actions", headers={"Authorization": "Bearer wrong-token"})
    assert wrong.status_code == 401
    assert _error(wrong)["message"] == "the token is wrong"
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/openapi.json")).status_code == 200


async def test_run_an_action_by_path_and_by_envelope(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """POST /v1/actions/send_sms (body: the arguments) and POST /v1/actions ({action,
    arguments}) both send through the emulator and return the action's output."""
    client = await service()
    by_path = await client.post(
        "/v1/actions/send_sms", json={"to": TO, "body": "one"}, headers=AUTH
    )
    by_envelope = await client.post(
        "/v1/actions",
        json={"action": "sendSMS", "arguments": {"to": TO, "body": "two"}},
        headers=AUTH,
    )
    assert by_path.status_code == 200, by_path.text
    assert by_envelope.status_code == 200, by_envelope.text
    assert by_path.json()["body"] == "one"
    assert by_envelope.json()["segments"] == 1
    assert count_messages(emulator) == 2


async def test_an_idempotency_key_header_makes_a_retried_post_send_once(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """Idempotency-Key on POST /v1/actions/send_sms: the retry returns the first message."""
    client = await service()
    headers = {**AUTH, "Idempotency-Key": "checkout-42"}
    answers = [
        await client.post("/v1/actions/send_sms", json={"to": TO, "body": "paid"}, headers=headers)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert count_messages(emulator) == 1
    other = await client.post(
        "/v1/actions",
        json={"action": "send_sms", "arguments": {"to": TO, "body": "refund"}},
        headers=headers,
    )
    assert other.status_code == 400
    assert _error(other)["field"] == "idempotency_key"


async def test_catalogue_lists_actions_with_schemas_and_guardrails(
    service: ServiceClient,
) -> None:
    """GET /v1/actions is the catalogue with both schemas; the guardrails in force are shown."""
    client = await service(guardrails=Guardrails(read_only=True))
    listing = (await client.get("/v1/actions", headers=AUTH)).json()
    names = {entry["name"] for entry in listing["actions"]}
    assert "list_messages" in names
    assert "send_sms" not in names
    entry = next(e for e in listing["actions"] if e["name"] == "list_messages")
    assert entry["input_schema"] == input_schema(catalogue().resolve("list_messages"))  # type: ignore[arg-type]
    assert listing["guardrails"]["read_only"] is True
    one = await client.get("/v1/actions/listMessages", headers=AUTH)
    assert one.json()["name"] == "list_messages"


@pytest.mark.parametrize(
    ("request_args", "status", "error_type"),
    [
        ({"method": "POST", "url": "/v1/actions/send_sms", "content": b"{oops"}, 400,
         "validation_error"),
        ({"method": "POST", "url": "/v1/actions/send_sms", "json": [1, 2]}, 400,
         "validation_error"),
        ({"method": "POST", "url": "/v1/actions/send_sms", "json": {"to": "nope", "body": "x"}},
         400, "validation_error"),
        ({"method": "POST", "url": "/v1/actions", "json": {"arguments": {}}}, 400,
         "validation_error"),
        ({"method": "POST", "url": "/v1/actions/send_smss", "json": {}}, 404, "not_found"),
        ({"method": "POST", "url": "/v1/actions", "json": {"action": "nope"}}, 404,
         "not_found"),
        ({"method": "GET", "url": "/v1/nothing"}, 404, "not_found"),
        ({"method": "GET", "url": "/v1/conversations/a%0Ab"}, 400, "validation_error"),
        ({"method": "DELETE", "url": "/v1/actions"}, 405, "method_not_allowed"),
        ({"method": "GET", "url": "/v1/messages", "params": {"limit": "0"}}, 400,
         "validation_error"),
        ({"method": "GET", "url": "/v1/messages", "params": {"since": "0.5"}}, 400,
         "validation_error"),
        ({"method": "GET", "url": "/v1/messages/SMnope/events"}, 400, "validation_error"),
        ({"method": "POST", "url": "/v1/actions/send_sms",
          "json": {"to": "+15005550001", "body": "invalid to"}}, 502, "twilio_error"),
    ],
)  # fmt: skip
async def test_errors_have_their_status_and_the_error_object(
    service: ServiceClient, request_args: dict[str, object], status: int, error_type: str
) -> None:
    """Bad JSON, bad arguments and bad queries are 400; unknown names 404; Twilio's own
    refusal 502; each with the JSON error object."""
    client = await service()
    response = await client.request(headers=AUTH, **request_args)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert _error(response)["type"] == error_type


async def test_twilios_answer_is_kept_in_a_502(service: ServiceClient) -> None:
    """A Twilio refusal carries Twilio's status, code and hint in the body."""
    client = await service()
    response = await client.post(
        "/v1/actions/send_sms", json={"to": "+15005550001", "body": "x"}, headers=AUTH
    )
    error = _error(response)
    assert (error["status"], error["code"]) == (400, 21211)
    assert error["hint"]


async def test_refusals_are_403_and_the_cap_is_429_with_retry_after(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """Guardrail refusals are 403; an hourly cap is 429 with Retry-After; nothing is sent."""
    client = await service(
        guardrails=Guardrails(allowed_destinations=("+1415",), max_messages_per_hour=1)
    )
    elsewhere = await client.post(
        "/v1/actions/send_sms", json={"to": "+33612345678", "body": "x"}, headers=AUTH
    )
    assert elsewhere.status_code == 403
    assert _error(elsewhere)["type"] == "policy_refused"
    first = await client.post("/v1/actions/send_sms", json={"to": TO, "body": "1"}, headers=AUTH)
    assert first.status_code == 200
    capped = await client.post("/v1/actions/send_sms", json={"to": TO, "body": "2"}, headers=AUTH)
    assert capped.status_code == 429
    assert 0 < int(capped.headers["retry-after"]) <= 3600
    assert _error(capped)["retry_after"] is not None
    assert count_messages(emulator) == 1


async def test_compliance_refusals_are_409(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """An opted-out recipient (the emulator's magic 21610 number, recorded by the ledger
    hooks on the first try) is refused before any request on the second: 409."""
    client = await service()
    opted_out = {"to": "+15005550004", "body": "x"}
    first = await client.post("/v1/actions/send_sms", json=opted_out, headers=AUTH)
    assert first.status_code == 502  # Twilio refused it: a Twilio error, with its code
    assert _error(first)["code"] == 21610
    # A one-time fault on every path: a request that reached the emulator would use it up.
    emulator.control.add_fault(path=".*", status=500, times=1)
    second = await client.post("/v1/actions/send_sms", json=opted_out, headers=AUTH)
    assert second.status_code == 409
    assert _error(second)["type"] == "opted_out"
    assert len(emulator.control.request("GET", "/_emulator/faults")["faults"]) == 1


async def test_ledger_endpoints_show_what_was_sent(service: ServiceClient) -> None:
    """A send through the API is in the ledger search, the conversation and its events."""
    client = await service()
    sent = (
        await client.post("/v1/actions/send_sms", json={"to": TO, "body": "hi"}, headers=AUTH)
    ).json()
    found = (
        await client.get(
            "/v1/messages", params={"contact": "+1 415 555 2671", "direction": "outbound-api"},
            headers=AUTH,
        )
    ).json()  # fmt: skip
    assert [m["sid"] for m in found["messages"]] == [sent["sid"]]
    talk = (await client.get(f"/v1/conversations/{TO}", headers=AUTH)).json()
    assert talk["messages"][0]["history"][0]["status"] == "queued"
    events = (await client.get(f"/v1/messages/{sent['sid']}/events", headers=AUTH)).json()
    assert (events["sid"], events["status"]) == (sent["sid"], "queued")
    missing = await client.get(f"/v1/messages/SM{'0' * 32}/events", headers=AUTH)
    assert missing.status_code == 404
    assert _error(missing)["type"] == "not_found"


async def test_dry_run_over_http_returns_the_preview(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """Dry-run mode answers 200 with the preview and sends nothing."""
    client = await service(guardrails=Guardrails(dry_run=True))
    response = await client.post(
        "/v1/actions/send_sms", json={"to": TO, "body": "hi"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert count_messages(emulator) == 0


async def test_body_over_the_limit_is_413(service: ServiceClient) -> None:
    """A body over 1 MiB is refused before it is parsed."""
    client = await service()
    response = await client.post(
        "/v1/actions/send_sms", content=b"x" * (1024 * 1024 + 1), headers=AUTH
    )
    assert response.status_code == 413
    assert _error(response)["type"] == "payload_too_large"


async def test_openapi_documents_each_action_errors_and_the_token(
    service: ServiceClient,
) -> None:
    """/openapi.json has a path per allowed action with its schemas, the error schema on
    every operation, and the bearer scheme."""
    client = await service(guardrails=Guardrails(deny_tools=frozenset({"raw_request"})))
    document = (await client.get("/openapi.json")).json()
    send = document["paths"]["/v1/actions/send_sms"]["post"]
    assert send["requestBody"]["content"]["application/json"]["schema"] == input_schema(
        catalogue().resolve("send_sms")  # type: ignore[arg-type]
    )
    assert "/v1/actions/raw_request" not in document["paths"]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for status in ("400", "401", "404", "502"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == error_ref, (path, status)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []


class _Nothing(BaseModel):
    pass


async def _broken(context: Any, arguments: _Nothing) -> _Nothing:
    raise RuntimeError("secret internals")


async def test_a_bug_is_a_json_500_without_internals(guarded: OpenGuarded) -> None:
    """An unexpected exception in an action answers 500 with the error object, and nothing of
    the exception itself."""
    registry = ActionRegistry()
    registry.action("broken", title="Broken", input_model=_Nothing, output_model=_Nothing)(_broken)
    runtime = await guarded(catalogue=GuardedCatalogue(Guardrails(), registry))
    app = create_http_api(runtime.catalogue, lambda: runtime, api_token=TOKEN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as client:
        response = await client.post("/v1/actions/broken", json={}, headers=AUTH)
    assert response.status_code == 500
    assert _error(response)["type"] == "internal_error"
    assert "secret internals" not in response.text


async def test_the_service_serves_the_receiver_into_the_same_ledger(
    service: ServiceClient, emulator: RunningEmulator
) -> None:
    """With webhook settings, the receiver's routes are served without the bearer token (Twilio
    signs them instead), and what they record is read through the API."""
    client = await service(webhooks=WebhookSettings(validate_signatures=False))
    inbound = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": emulator.account_sid,
        "From": TO,
        "To": emulator.phone_number,
        "Body": "hello from a handset",
        "NumMedia": "0",
    }
    answered = await client.post("/webhooks/twilio/messaging", data=inbound)
    assert answered.status_code == 200
    talk = (await client.get(f"/v1/conversations/{TO}", headers=AUTH)).json()
    assert [(m["direction"], m["body"]) for m in talk["messages"]] == [
        ("inbound", "hello from a handset")
    ]
