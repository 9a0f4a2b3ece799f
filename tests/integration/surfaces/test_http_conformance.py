"""The service over a real socket agrees with its own OpenAPI document: the methods it allows,
the bodies it requires, the time parameters it takes, who it asks for a token, and one error
shape everywhere (the API, the webhooks, the guardrails)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY, count_messages, emulator_now
from tests.integration.surfaces.conftest import AUTH, TO, TOKEN
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.guardrails import Guardrails
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import WebhookSettings
from twiliokit.webhooks.app import create_receiver_app

ERROR_KEYS = {"type", "message", "code", "status", "retryable", "hint", "field"}
#: Words that belong to Python, not to an HTTP client's error.
PYTHON_WORDS = ("LedgerQuery", "datetime", "timezone-aware", "Traceback", "NoneType", "dict")

Serve = Callable[..., httpx.Client]


@pytest.fixture
def serve(emulator: RunningEmulator) -> Iterator[Serve]:
    """``serve(**settings)``: the service on a free loopback port (uvicorn, lifespan run),
    and an httpx client for it (no token unless the test sends one)."""
    with contextlib.ExitStack() as stack:

        def start(**settings: Any) -> httpx.Client:
            settings.setdefault("ledger_url", "memory://")
            settings.setdefault("retry", FAST_RETRY)
            settings.setdefault("mcp", False)
            app = create_service_app(
                ServiceSettings(connection=emulator.connection(), api_token=TOKEN, **settings)
            )
            base_url = stack.enter_context(serve_in_thread(app))
            return stack.enter_context(httpx.Client(base_url=base_url))

        yield start


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) >= ERROR_KEYS, body
    error: dict[str, Any] = body["error"]
    assert not any(word in error["message"] for word in PYTHON_WORDS), error["message"]
    return error


def test_405_lists_every_method_the_path_takes(serve: Serve) -> None:
    """OPTIONS, DELETE... on an action path answer 405 with Allow: GET, POST (both are
    served and both documented), not just the first route's GET."""
    client = serve()
    for method, path, allowed in [
        ("OPTIONS", "/v1/actions/send_sms", "GET, POST"),
        ("DELETE", "/v1/actions/send_sms", "GET, POST"),
        ("OPTIONS", "/v1/actions", "GET, POST"),
        ("PUT", "/v1/messages", "GET"),
    ]:
        response = client.request(method, path, headers=AUTH)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed, (method, path)
        assert _error(response)["type"] == "method_not_allowed"
        assert allowed.replace(", ", " and ") in _error(response)["message"]
    assert client.get("/v1/actions/send_sms", headers=AUTH).json()["name"] == "send_sms"
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/actions/send_sms"]) == {"get", "post"}


def test_the_document_requires_a_body_exactly_where_the_server_does(serve: Serve) -> None:
    """An action with required arguments declares its body required, and a POST without one
    is a 400 naming the first missing argument; one without required arguments runs on none."""
    client = serve()
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/v1/actions"]["post"]["requestBody"]["required"] is True
    assert paths["/v1/actions/{name}"]["post"]["requestBody"]["required"] is False
    for name, entry in [
        (path.removeprefix("/v1/actions/"), operations["post"])
        for path, operations in paths.items()
        if path.startswith("/v1/actions/") and path != "/v1/actions/{name}"
    ]:
        body = entry["requestBody"]
        required = body["content"]["application/json"]["schema"].get("required", [])
        assert body["required"] is bool(required), name
    send = client.post("/v1/actions/send_sms", headers=AUTH)
    assert send.status_code == 400
    assert _error(send)["field"] == "to"
    assert client.post("/v1/actions/list_messages", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"null", "null"), (b"[]", "an array"), (b'"hi"', "a string"), (b"1", "a number")],
)
def test_a_body_that_is_not_a_json_object_is_refused(serve: Serve, body: bytes, kind: str) -> None:
    """null (or any JSON that is not an object) is not "no arguments": 400 naming the body."""
    client = serve()
    headers = {**AUTH, "Content-Type": "application/json"}
    for path in ("/v1/actions/list_messages", "/v1/actions"):
        response = client.post(path, content=body, headers=headers)
        assert response.status_code == 400, path
        error = _error(response)
        assert error["field"] == "body"
        assert f"must be a JSON object, not {kind}" in error["message"]


def test_time_parameters_take_days_timestamps_and_durations_in_utc(
    serve: Serve, emulator: RunningEmulator
) -> None:
    """A day is that whole day in UTC (since: from its start; until: through its end); a
    timestamp without a zone is UTC; 7d-style durations work as in the CLI; anything else is a
    400 naming the parameter."""
    client = serve()
    sent = client.post("/v1/actions/send_sms", json={"to": TO, "body": "hi"}, headers=AUTH)
    assert sent.status_code == 200, sent.text
    now = emulator_now(emulator)
    day = now.date().isoformat()
    next_day = now.date().fromordinal(now.date().toordinal() + 1).isoformat()
    previous_day = now.date().fromordinal(now.date().toordinal() - 1).isoformat()
    naive_before = now.replace(tzinfo=None, microsecond=0).isoformat()

    def found(**params: str) -> int:
        response = client.get("/v1/messages", params=params, headers=AUTH)
        assert response.status_code == 200, response.text
        return len(response.json()["messages"])

    assert found(since=day) == 1
    assert found(since=next_day) == 0
    assert found(until=day) == 1
    assert found(until=previous_day) == 0
    assert found(since=naive_before) == 1
    assert found(since=day, until=day) == 1
    assert found(since="36500d") == 1  # a duration before now, as the CLI and actions read it
    assert found(until="36500d") == 0

    def conversation(before: str) -> int:
        response = client.get(f"/v1/conversations/{TO}", params={"before": before}, headers=AUTH)
        assert response.status_code == 200, response.text
        return len(response.json()["messages"])

    assert conversation(next_day) == 1
    assert conversation(day) == 0
    for path, params in [
        ("/v1/messages", {"until": "0.5"}),
        ("/v1/messages", {"since": "2026-13-01"}),
        ("/v1/messages", {"since": "last week"}),
        (f"/v1/conversations/{TO}", {"before": "1733443200"}),
    ]:
        response = client.get(path, params=params, headers=AUTH)
        assert response.status_code == 400, (path, params)
        error = _error(response)
        [name] = params
        assert error["field"] == name
        assert f"'{name}' must be a day (YYYY-MM-DD), an ISO 8601 timestamp" in error["message"]
        assert "7d" in error["message"]
    reversed_range = client.get(
        "/v1/messages", params={"since": next_day, "until": previous_day}, headers=AUTH
    )
    assert reversed_range.status_code == 400
    assert _error(reversed_range)["field"] == "since"


def test_no_token_is_401_whatever_the_path_holds(serve: Serve) -> None:
    """A path with a control character (a%0Ab) asks for the token like any other (it used to
    escape to a 404); with the token it is an unknown action."""
    client = serve()
    anonymous = client.post("/v1/actions/a%0Ab")
    assert anonymous.status_code == 401
    assert _error(anonymous)["type"] == "unauthorized"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    known = client.post("/v1/actions/a%0Ab", headers=AUTH)
    assert known.status_code == 404
    assert _error(known)["field"] == "action"


def test_webhook_routes_answer_405_and_errors_in_the_api_shape(
    serve: Serve, emulator: RunningEmulator
) -> None:
    """PUT/DELETE/PATCH on a webhook route are 405 with its methods (no token asked), and
    a refused signature is a 403 with the same error object as the API's."""
    client = serve(webhooks=WebhookSettings(auth_token=emulator.auth_token))
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        response = client.request(method, "/webhooks/twilio/messaging")
        assert response.status_code == 405, method
        assert {"GET", "POST"} <= {m.strip() for m in response.headers["allow"].split(",")}
        assert _error(response)["type"] == "method_not_allowed"
    forged = client.post("/webhooks/twilio/messaging", data={"From": TO, "Body": "hi"})
    assert forged.status_code == 403
    error = _error(forged)
    assert error["type"] == "signature_invalid"
    assert (error["code"], error["status"], error["retryable"]) == (None, None, False)


def test_the_receiver_app_alone_answers_405_and_404_in_the_api_shape() -> None:
    """create_receiver_app, served on its own: a method a route does not take is a JSON 405
    with Allow, an unknown path a JSON 404 (not Starlette's plain text)."""
    app = create_receiver_app(WebhookSettings(auth_token="0" * 32), "memory://")
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        wrong = client.put("/webhooks/twilio/voice")
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET, HEAD, POST"
        assert "PUT is not allowed" in _error(wrong)["message"]
        missing = client.post("/webhooks/twilio/nothing")
        assert missing.status_code == 404
        assert "/webhooks/twilio/voice" in (_error(missing)["hint"] or "")


def test_a_zero_cap_is_a_403_that_says_disabled_and_is_not_retryable(
    serve: Serve, emulator: RunningEmulator
) -> None:
    """max_messages_per_hour = 0: 403, retryable false, no Retry-After, and the message says
    sending is disabled (not "try again in 3600 seconds"); nothing is sent."""
    client = serve(guardrails=Guardrails(max_messages_per_hour=0))
    response = client.post("/v1/actions/send_sms", json={"to": TO, "body": "hi"}, headers=AUTH)
    assert response.status_code == 403
    assert "retry-after" not in response.headers
    error = _error(response)
    assert error["retryable"] is False
    assert "sending messages is disabled" in error["message"]
    assert "seconds" not in (error["hint"] or "")
    assert count_messages(emulator) == 0


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        ("/v1/actions/list_messages", {"include_raw": 0}, "include_raw", "true or false, not a"),
        ("/v1/actions/list_messages", {"limit": "20"}, "limit", "a whole number, not a string"),
        ("/v1/actions/list_messages", {"limit": True}, "limit", "a whole number, not true"),
        ("/v1/actions", {"action": "list_messages", "arguments": None}, "arguments", "an object"),
        ("/v1/actions", {"action": "list_messages", "arguments": {"include_raw": 1}},
         "arguments.include_raw", "true or false"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_json_type_is_refused_not_coerced(
    serve: Serve, path: str, body: dict[str, Any], field: str, message: str
) -> None:
    """0 for a boolean or "20" for an integer is a client bug: a 400 naming the argument,
    not a silent coercion (the document says boolean, integer)."""
    client = serve()
    response = client.post(path, json=body, headers=AUTH)
    assert response.status_code == 400, response.text
    error = _error(response)
    assert error["field"] == field
    assert message in error["message"]


def test_parameter_errors_are_in_words_not_pydantics(serve: Serve) -> None:
    """Bad query parameters and arguments read "'limit' must be a whole number", never
    pydantic's "Input should be a valid integer, unable to parse string as an integer"."""
    client = serve()
    for response, expected in [
        (client.get("/v1/messages?limit=abc", headers=AUTH), "'limit' must be a whole number"),
        (client.get("/v1/messages?limit=0", headers=AUTH), "'limit' must be at least 1"),
        (client.get("/v1/messages?direction=up", headers=AUTH), "'direction' must be one of"),
        (client.get(f"/v1/messages?text={'a' * 300}", headers=AUTH), "at most 200 characters"),
        (
            client.post("/v1/actions/list_messages", json={"limit": 5000}, headers=AUTH),
            "'limit' must be at most 1,000",
        ),
    ]:
        assert response.status_code == 400, expected
        message = _error(response)["message"]
        assert expected in message
        assert "should" not in message
