"""The emulator core: authentication, test credentials, Twilio-shaped errors, injected faults,
virtual time, reset, the webhook log and the health check."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import WebhookSink
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
TO = "+14155550123"


def messages_path(emulator: RunningEmulator) -> str:
    return f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"


def send(api: httpx.Client, emulator: RunningEmulator, **params: str) -> httpx.Response:
    return api.post(messages_path(emulator), data={"To": TO, "From": FROM, "Body": "hi", **params})


def assert_twilio_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """The body is Twilio's error shape with this status and code."""
    body: dict[str, Any] = response.json()
    assert response.status_code == status, response.text
    assert body["code"] == code
    assert body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


# --- health, auth, errors ---------------------------------------------------------------------


def test_healthz_needs_no_credentials(emulator: RunningEmulator) -> None:
    """GET /healthz answers 200 {"status": "ok"} without authentication."""
    response = httpx.get(emulator.base_url + "/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_account_fetch_with_the_development_credentials(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """The development account fetches as Twilio's Account resource."""
    response = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}.json")
    body = assert_conforms(response)
    assert (body["sid"], body["status"]) == (emulator.account_sid, "active")


@pytest.mark.parametrize(
    "auth",
    [None, ("AC00000000000000000000000000000000", "wrong"), ("ACnope", "00000000")],
)
def test_bad_credentials_get_401_20003(
    emulator: RunningEmulator, auth: tuple[str, str] | None
) -> None:
    """Missing or wrong credentials get Twilio's 401 with code 20003."""
    response = httpx.get(
        f"{emulator.base_url}/2010-04-01/Accounts/{emulator.account_sid}.json", auth=auth
    )
    assert_twilio_error(response, 401, 20003)


def test_twilios_answers_carry_a_request_id_and_401_asks_for_basic_auth(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Each answer of Twilio's API has its own Twilio-Request-Id (RQ + 32 hex), errors too;
    a 401 names Basic auth as Twilio's does; the emulator's control API has no request id."""
    account = f"/2010-04-01/Accounts/{emulator.account_sid}.json"
    ids = [api.get(account).headers["Twilio-Request-Id"] for _ in range(2)]
    ids.append(api.get("/2010-04-01/Nothing/Here.json").headers["Twilio-Request-Id"])
    assert all(re.fullmatch(r"RQ[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == 3
    denied = httpx.get(f"{emulator.base_url}{account}")
    assert denied.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert "Twilio-Request-Id" in denied.headers
    assert "Twilio-Request-Id" not in api.get("/_emulator/webhooks").headers


@pytest.mark.parametrize("account", ["AC5f37acb25ffaeb498a78", "null"])
def test_a_malformed_account_sid_in_the_path_is_404_naming_it(
    api: httpx.Client, account: str
) -> None:
    """With good credentials, a path whose account SID is cut short or ``null`` (a missing
    setting) is Twilio's 404 / 20404 naming the path, not 401: the credentials are fine."""
    path = f"/2010-04-01/Accounts/{account}/Messages.json"
    response = api.post(path, data={"To": "+14155552671", "From": "+15005550006", "Body": "x"})
    assert (response.status_code, response.json()["code"]) == (404, 20404)
    assert response.json()["message"] == f"The requested resource {path} was not found"


def test_credentials_of_another_account_get_401(emulator: RunningEmulator) -> None:
    """Test credentials cannot reach the development account's resources."""
    response = httpx.post(
        emulator.base_url + messages_path(emulator),
        data={"To": TO, "From": FROM, "Body": "hi"},
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert_twilio_error(response, 401, 20003)


def test_api_keys_authenticate_for_their_account(emulator: RunningEmulator) -> None:
    """An API key from the control API works like the auth token; a wrong secret gets 401."""
    key = emulator.control.create_api_key()
    assert key["sid"].startswith("SK")
    assert key["account_sid"] == emulator.account_sid
    url = emulator.base_url + messages_path(emulator)
    form = {"To": TO, "From": FROM, "Body": "with a key"}
    response = httpx.post(url, data=form, auth=(key["sid"], key["secret"]))
    assert response.status_code == 201, response.text
    assert response.json()["account_sid"] == emulator.account_sid
    assert_twilio_error(httpx.post(url, data=form, auth=(key["sid"], "x" * 32)), 401, 20003)


def test_test_credentials_cannot_fetch_the_account(emulator: RunningEmulator) -> None:
    """Test credentials get 403 on everything but the 2010 create endpoints."""
    response = httpx.get(
        f"{emulator.base_url}/2010-04-01/Accounts/{TEST_ACCOUNT_SID}.json",
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert_twilio_error(response, 403, 20008)


def test_unknown_path_is_404_in_twilio_shape(api: httpx.Client) -> None:
    """An unknown resource gets Twilio's 404 JSON with code 20404."""
    assert_twilio_error(api.get("/2010-04-01/Nothing/Here.json"), 404, 20404)


def test_wrong_method_is_405_in_twilio_shape(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A method the resource does not support gets 405 JSON, not an HTML page."""
    response = api.put(messages_path(emulator), data={"To": TO})
    assert_twilio_error(response, 405, 20004)


# --- faults -----------------------------------------------------------------------------------


def test_respond_fault_answers_the_error_then_stops(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A 'respond' fault with times=1 answers its error once (with Retry-After), then no more."""
    emulator.control.add_fault(
        method="POST", path="/Messages.json$", status=429, code=20429, times=1, retry_after=3
    )
    first = send(api, emulator)
    assert_twilio_error(first, 429, 20429)
    assert first.headers["Retry-After"] == "3"
    assert send(api, emulator).status_code == 201
    assert emulator.control.request("GET", "/_emulator/faults")["faults"] == []


def test_drop_before_loses_the_request(api: httpx.Client, emulator: RunningEmulator) -> None:
    """drop_before cuts the connection and the message is never created."""
    emulator.control.add_fault(method="POST", path="/Messages.json$", mode="drop_before", times=1)
    with pytest.raises(httpx.TransportError):
        send(api, emulator)
    assert api.get(messages_path(emulator)).json()["messages"] == []


def test_drop_after_creates_but_loses_the_answer(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """drop_after creates the message, then cuts the connection before the answer."""
    emulator.control.add_fault(method="POST", path="/Messages.json$", mode="drop_after", times=1)
    with pytest.raises(httpx.TransportError):
        send(api, emulator, Body="created anyway")
    [message] = api.get(messages_path(emulator)).json()["messages"]
    assert message["body"] == "created anyway"


def test_delay_fault_slows_matching_requests(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A delay-only fault holds the request for delay_ms, then processes it normally, once."""
    emulator.control.add_fault(method="GET", path="/Messages.json$", delay_ms=300, times=1)
    started = time.perf_counter()
    response = api.get(messages_path(emulator))
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3
    assert emulator.control.request("GET", "/_emulator/faults")["faults"] == []


def test_control_api_is_never_faulted(emulator: RunningEmulator) -> None:
    """Faults match REST paths only: the control API and /healthz stay reachable."""
    emulator.control.add_fault(path=".*", status=500, code=20500)
    assert httpx.get(emulator.base_url + "/healthz").status_code == 200
    assert emulator.control.request("GET", "/_emulator/clock")["rate"] == 0.0


def test_bad_fault_is_a_control_error_naming_the_field(emulator: RunningEmulator) -> None:
    """A fault with a bad mode gets 400 {"error": {"message", "field"}}."""
    response = httpx.post(emulator.base_url + "/_emulator/faults", json={"mode": "explode"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "mode"


# --- time, reset, webhook log -----------------------------------------------------------------


def test_clock_is_frozen_and_advances_on_request(emulator: RunningEmulator) -> None:
    """With time frozen, only advance moves the clock, by exactly the seconds asked."""
    before = emulator.control.request("GET", "/_emulator/clock")["now"]
    assert emulator.control.request("GET", "/_emulator/clock")["now"] == before
    moved = emulator.control.advance(3600)
    assert moved["now"] != before
    delta = datetime.fromisoformat(moved["now"]) - datetime.fromisoformat(before)
    assert delta.total_seconds() == 3600


def test_advance_runs_due_events_only(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Events run when their time comes: one step runs one status change."""
    sid = send(api, emulator).json()["sid"]
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json"
    assert emulator.control.advance(0.5)["events_run"] == 0
    assert api.get(path).json()["status"] == "queued"
    assert emulator.control.advance(0.5)["events_run"] == 1
    assert api.get(path).json()["status"] == "sending"


def test_reset_forgets_everything(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Reset drops messages, bought numbers, faults and the webhook log."""
    send(api, emulator, StatusCallback="http://127.0.0.1:9/cb")
    numbers = f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json"
    api.post(numbers, data={"AreaCode": "415"})
    emulator.control.add_fault(path="/nothing", status=500)
    emulator.control.advance(5)
    assert emulator.control.webhooks()
    emulator.control.reset()
    assert api.get(messages_path(emulator)).json()["messages"] == []
    listed = api.get(numbers).json()["incoming_phone_numbers"]
    assert len(listed) == len(emulator.state.config.numbers)
    assert emulator.control.request("GET", "/_emulator/faults")["faults"] == []
    assert emulator.control.webhooks() == []


def test_reset_rewinds_the_clock_to_its_start(emulator: RunningEmulator) -> None:
    """Reset takes virtual time back to where it started, so earlier tests cannot move it."""
    start = emulator.control.now()
    emulator.control.advance(86400 * 3)
    emulator.control.set_time("2031-01-01T00:00:00Z")
    emulator.control.reset()
    assert emulator.control.now() == start
    emulator.control.advance(60)
    emulator.control.reset()
    assert emulator.control.now() == start


def test_clock_can_be_set_to_a_chosen_time(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Setting the clock stamps later messages with that time; a zoneless time is refused."""
    assert emulator.control.set_time("2026-03-10T12:00:00Z").isoformat() == (
        "2026-03-10T12:00:00+00:00"
    )
    created = send(api, emulator).json()["date_created"]
    assert created == "Tue, 10 Mar 2026 12:00:00 +0000"
    refused = httpx.post(
        f"{emulator.base_url}/_emulator/clock", json={"now": "2026-03-10T12:00:00"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "now"


def test_clock_cannot_go_back_past_pending_events(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Going back while a message's status steps are pending is refused: they would run out
    of order."""
    send(api, emulator)
    back = httpx.post(f"{emulator.base_url}/_emulator/clock", json={"now": "2001-01-01T00:00:00Z"})
    assert back.status_code == 400
    assert "pending" in back.json()["error"]["message"]


def test_webhook_log_records_each_delivery(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Each callback is logged with kind, URL, params, signature header and the answer."""
    sink.respond("/status", "ok", content_type="text/plain")
    send(api, emulator, StatusCallback=sink.url("/status"))
    emulator.control.advance(3)
    records = emulator.control.webhooks(kind="message-status")
    assert [dict(r["params"])["MessageStatus"] for r in records] == ["sending", "sent", "delivered"]
    first = records[0]
    assert (first["method"], first["url"], first["status"]) == ("POST", sink.url("/status"), 200)
    assert first["response_body"] == "ok"
    assert first["headers"]["X-Twilio-Signature"]
    assert emulator.control.webhooks(kind="no-such-kind") == []
