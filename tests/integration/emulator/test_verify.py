"""Verify v2 in the emulator: services and their rate limits, verifications, checks, events."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import WebhookSink
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator

TO = "+14155552671"


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    body: dict[str, Any] = response.json()
    return body


def new_service(api: httpx.Client, **params: str) -> str:
    body = ok(api.post("/v2/Services", data={"FriendlyName": "My App", **params}), 201)
    sid: str = body["sid"]
    return sid


def start(api: httpx.Client, service: str, to: str = TO, **params: str) -> httpx.Response:
    return api.post(
        f"/v2/Services/{service}/Verifications", data={"To": to, "Channel": "sms", **params}
    )


def check(api: httpx.Client, service: str, code: str, to: str = TO) -> httpx.Response:
    return api.post(f"/v2/Services/{service}/VerificationCheck", data={"To": to, "Code": code})


def code_for(emulator: RunningEmulator, to: str = TO) -> str:
    [pending] = [v for v in emulator.control.verifications() if v["to"] == to]
    code: str = pending["code"]
    return code


# --- services, rate limits, buckets, webhooks -------------------------------------------------


def test_an_sms_code_to_a_landline_is_403_60205_and_a_call_goes(api: httpx.Client) -> None:
    """A UK landline (the line type the emulator's Lookup gives) cannot get an SMS code:
    403 / 60205, as Twilio answers; the same number by voice call is started."""
    service = new_service(api)
    landline = "+442079460958"
    body = error(start(api, service, landline), 403, 60205)
    assert body["message"] == "SMS is not supported by landline phone number"
    assert ok(start(api, service, landline, Channel="call"), 201)["channel"] == "call"


def test_service_crud(api: httpx.Client) -> None:
    """Services are created with defaults, listed newest first, updated, fetched and deleted."""
    first = new_service(api)
    created = ok(api.post("/v2/Services", data={"FriendlyName": "Other", "CodeLength": "8"}), 201)
    assert (created["code_length"], created["custom_code_enabled"]) == (8, False)
    assert created["links"]["verifications"].endswith(
        f"/v2/Services/{created['sid']}/Verifications"
    )
    listed = ok(api.get("/v2/Services"))
    assert [s["sid"] for s in listed["services"]] == [created["sid"], first]
    updated = ok(api.post(f"/v2/Services/{first}", data={"CodeLength": "4", "FriendlyName": "X"}))
    assert (updated["code_length"], updated["friendly_name"]) == (4, "X")
    assert ok(api.get(f"/v2/Services/{first}"))["code_length"] == 4
    assert api.delete(f"/v2/Services/{first}").status_code == 204
    error(api.get(f"/v2/Services/{first}"), 404, 20404)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"FriendlyName": "x" * 33},
        {"FriendlyName": "ok", "CodeLength": "3"},
        {"FriendlyName": "ok", "CodeLength": "11"},
        {"FriendlyName": "ok", "CodeLength": "six"},
    ],
)
def test_service_rejects_bad_parameters(api: httpx.Client, params: dict[str, str]) -> None:
    """A missing or over-long FriendlyName or a CodeLength outside 4-10 is 60200."""
    body = error(api.post("/v2/Services", data=params), 400, 60200)
    assert body["message"].startswith("Invalid parameter")


def test_rejected_update_changes_nothing(api: httpx.Client) -> None:
    """An update with one bad parameter leaves the service as it was."""
    sid = new_service(api)
    error(
        api.post(f"/v2/Services/{sid}", data={"FriendlyName": "New", "CodeLength": "2"}), 400, 60200
    )
    assert ok(api.get(f"/v2/Services/{sid}"))["friendly_name"] == "My App"


def test_rate_limit_crud_and_errors(api: httpx.Client) -> None:
    """Rate limits need a valid, unique UniqueName (60209 / 60208) and support CRUD."""
    service = new_service(api)
    base = f"/v2/Services/{service}/RateLimits"
    created = ok(api.post(base, data={"UniqueName": "end_user_ip", "Description": "IP"}), 201)
    assert created["links"]["buckets"] == created["url"] + "/Buckets"
    error(api.post(base, data={"UniqueName": "end_user_ip"}), 400, 60208)
    error(api.post(base, data={"UniqueName": "has spaces!"}), 400, 60209)
    error(api.post(base, data={}), 400, 60200)
    assert [r["sid"] for r in ok(api.get(base))["rate_limits"]] == [created["sid"]]
    updated = ok(api.post(f"{base}/{created['sid']}", data={"Description": "Client IP"}))
    assert updated["description"] == "Client IP"
    assert ok(api.get(f"{base}/{created['sid']}"))["unique_name"] == "end_user_ip"
    assert api.delete(f"{base}/{created['sid']}").status_code == 204
    error(api.get(f"{base}/{created['sid']}"), 404, 20404)


def test_bucket_crud_and_errors(api: httpx.Client) -> None:
    """Buckets need Max and Interval; a second bucket with the same Interval is 60211."""
    service = new_service(api)
    rate_limit = ok(
        api.post(f"/v2/Services/{service}/RateLimits", data={"UniqueName": "user_id"}), 201
    )["sid"]
    base = f"/v2/Services/{service}/RateLimits/{rate_limit}/Buckets"
    created = ok(api.post(base, data={"Max": "5", "Interval": "60"}), 201)
    assert (created["max"], created["interval"]) == (5, 60)
    error(api.post(base, data={"Max": "9", "Interval": "60"}), 400, 60211)
    error(api.post(base, data={"Interval": "30"}), 400, 60200)
    error(api.post(base, data={"Max": "3"}), 400, 60200)
    hourly = ok(api.post(base, data={"Max": "20", "Interval": "3600"}), 201)
    assert [b["sid"] for b in ok(api.get(base))["buckets"]] == [hourly["sid"], created["sid"]]
    error(api.post(f"{base}/{hourly['sid']}", data={"Interval": "60"}), 400, 60211)
    assert ok(api.post(f"{base}/{created['sid']}", data={"Max": "7"}))["max"] == 7
    assert ok(api.get(f"{base}/{created['sid']}"))["max"] == 7
    assert api.delete(f"{base}/{created['sid']}").status_code == 204
    error(api.get(f"{base}/{created['sid']}"), 404, 20404)


def test_webhook_crud_and_errors(api: httpx.Client) -> None:
    """Webhooks take repeated EventTypes, a URL, Status and Version; unknown events are 60200."""
    service = new_service(api)
    base = f"/v2/Services/{service}/Webhooks"
    params = {
        "FriendlyName": "events",
        "EventTypes": ["verification.approved", "verification.canceled"],
        "WebhookUrl": "https://example.com/v",
    }
    created = ok(api.post(base, data=params), 201)
    assert created["event_types"] == ["verification.approved", "verification.canceled"]
    assert (created["status"], created["version"], created["webhook_method"]) == (
        "enabled",
        "v2",
        "POST",
    )
    bad = {"FriendlyName": "x", "EventTypes": "sms.sent", "WebhookUrl": "https://e.com"}
    error(api.post(base, data=bad), 400, 60200)
    error(
        api.post(base, data={"FriendlyName": "x", "EventTypes": "*", "WebhookUrl": "nope"}),
        400,
        60200,
    )
    updated = ok(api.post(f"{base}/{created['sid']}", data={"Status": "disabled"}))
    assert updated["status"] == "disabled"
    assert [w["sid"] for w in ok(api.get(base))["webhooks"]] == [created["sid"]]
    assert ok(api.get(f"{base}/{created['sid']}"))["status"] == "disabled"
    assert api.delete(f"{base}/{created['sid']}").status_code == 204
    error(api.get(f"{base}/{created['sid']}"), 404, 20404)


# --- verifications ----------------------------------------------------------------------------


def test_start_and_approve(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A started verification is pending with a 6-digit code; the right code approves it."""
    service = new_service(api)
    started = ok(start(api, service), 201)
    assert (started["status"], started["valid"], started["channel"]) == ("pending", False, "sms")
    assert started["send_code_attempts"][0]["channel"] == "SMS"
    code = code_for(emulator)
    assert len(code) == 6
    assert code.isdigit()
    fetched = ok(api.get(f"/v2/Services/{service}/Verifications/{started['sid']}"))
    assert fetched["status"] == "pending"
    approved = ok(check(api, service, code))
    assert (approved["status"], approved["valid"], approved["sid"]) == (
        "approved",
        True,
        started["sid"],
    )
    assert emulator.control.verifications() == []


def test_wrong_code_is_pending_not_an_error(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A wrong code answers 200 with status pending and valid false."""
    service = new_service(api)
    ok(start(api, service), 201)
    wrong = "000000" if code_for(emulator) != "000000" else "111111"
    body = ok(check(api, service, wrong))
    assert (body["status"], body["valid"]) == ("pending", False)
    assert emulator.control.verifications()[0]["check_attempts"] == 1


def test_after_approval_check_and_fetch_are_404(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """An approved verification is deleted: check and fetch answer 404 / 20404."""
    service = new_service(api)
    sid = ok(start(api, service), 201)["sid"]
    code = code_for(emulator)
    ok(check(api, service, code))
    gone = error(check(api, service, code), 404, 20404)
    assert gone["message"] == (
        f"The requested resource /Services/{service}/VerificationCheck was not found"
    )
    error(api.get(f"/v2/Services/{service}/Verifications/{sid}"), 404, 20404)


def test_check_by_verification_sid(api: httpx.Client, emulator: RunningEmulator) -> None:
    """VerificationSid may replace To in a check."""
    service = new_service(api)
    sid = ok(start(api, service), 201)["sid"]
    response = api.post(
        f"/v2/Services/{service}/VerificationCheck",
        data={"VerificationSid": sid, "Code": code_for(emulator)},
    )
    assert ok(response)["status"] == "approved"


def test_resend_keeps_code_and_sixth_send_is_refused(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Starting again while pending re-sends the same code; the sixth send is 429 / 60203,
    with Retry-After until the verification expires."""
    service = new_service(api)
    first = ok(start(api, service), 201)
    code = code_for(emulator)
    for attempt in range(2, 6):
        again = ok(start(api, service, Channel="call"), 201)
        assert again["sid"] == first["sid"]
        assert len(again["send_code_attempts"]) == attempt
        assert again["channel"] == "call"
    assert code_for(emulator) == code
    refused = start(api, service)
    error(refused, 429, 60203)
    assert refused.headers["Retry-After"] == "600"  # when the verification expires


def test_five_wrong_codes_end_the_attempts(api: httpx.Client, emulator: RunningEmulator) -> None:
    """The fifth wrong code ends in max_attempts_reached; checking again is 429 / 60202."""
    service = new_service(api)
    ok(start(api, service), 201)
    code = code_for(emulator)
    wrong = "000000" if code != "000000" else "111111"
    statuses = [ok(check(api, service, wrong))["status"] for _ in range(5)]
    assert statuses == ["pending"] * 4 + ["max_attempts_reached"]
    error(check(api, service, code), 429, 60202)
    error(start(api, service), 429, 60202)
    emulator.control.advance(600)
    error(check(api, service, code), 404, 20404)
    assert ok(start(api, service), 201)["status"] == "pending"


def test_expires_after_ten_minutes(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A verification can be checked until ten minutes of virtual time pass, then 404."""
    service = new_service(api)
    ok(start(api, service), 201)
    code = code_for(emulator)
    emulator.control.advance(599)
    assert emulator.control.verifications()[0]["code"] == code
    emulator.control.advance(1)
    assert emulator.control.verifications() == []
    error(check(api, service, code), 404, 20404)


@pytest.mark.parametrize("status", ["canceled", "approved"])
def test_update_status_ends_the_verification(
    api: httpx.Client, emulator: RunningEmulator, status: str
) -> None:
    """Updating Status to canceled or approved answers that status and ends the verification."""
    service = new_service(api)
    sid = ok(start(api, service), 201)["sid"]
    code = code_for(emulator)
    updated = ok(api.post(f"/v2/Services/{service}/Verifications/{sid}", data={"Status": status}))
    assert (updated["status"], updated["valid"]) == (status, status == "approved")
    error(check(api, service, code), 404, 20404)
    error(
        api.post(f"/v2/Services/{service}/Verifications/{sid}", data={"Status": "canceled"}),
        404,
        20404,
    )


def test_update_rejects_other_statuses(api: httpx.Client) -> None:
    """Only canceled and approved can be set: anything else is 60200."""
    service = new_service(api)
    sid = ok(start(api, service), 201)["sid"]
    error(
        api.post(f"/v2/Services/{service}/Verifications/{sid}", data={"Status": "expired"}),
        400,
        60200,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"To": "4155552671", "Channel": "sms"},
        {"To": TO, "Channel": "pigeon"},
        {"To": "not-an-email", "Channel": "email"},
        {"Channel": "sms"},
        {"To": TO},
    ],
)
def test_start_rejects_bad_parameters(api: httpx.Client, params: dict[str, str]) -> None:
    """A To that is not E.164 (or an email for email), or an unknown Channel, is 60200."""
    service = new_service(api)
    error(api.post(f"/v2/Services/{service}/Verifications", data=params), 400, 60200)


def test_channels_email_and_auto(api: httpx.Client) -> None:
    """Email verifications take an address; auto resolves to sms for a phone number."""
    service = new_service(api)
    email = ok(start(api, service, to="Ada@Example.com", Channel="email"), 201)
    assert (email["to"], email["channel"]) == ("ada@example.com", "email")
    assert ok(start(api, service, Channel="auto"), 201)["channel"] == "sms"


def test_custom_code_needs_the_service_flag(api: httpx.Client, emulator: RunningEmulator) -> None:
    """CustomCode is refused (60200) unless the service enables custom codes, then used."""
    plain = new_service(api)
    error(start(api, plain, CustomCode="4321"), 400, 60200)
    custom = new_service(api, CustomCodeEnabled="true")
    ok(start(api, custom, CustomCode="4321"), 201)
    assert code_for(emulator) == "4321"
    assert ok(check(api, custom, "4321"))["status"] == "approved"


def test_code_length_follows_the_service(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Codes have the service's CodeLength."""
    service = new_service(api, CodeLength="9")
    ok(start(api, service), 201)
    assert len(code_for(emulator)) == 9


def test_service_rate_limit_buckets(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Starts over a bucket's Max within its Interval are 429 / 20429 with Retry-After until
    a place frees, per value, in virtual time."""
    service = new_service(api)
    rate_limit = ok(
        api.post(f"/v2/Services/{service}/RateLimits", data={"UniqueName": "end_user_ip"}), 201
    )["sid"]
    ok(
        api.post(
            f"/v2/Services/{service}/RateLimits/{rate_limit}/Buckets",
            data={"Max": "2", "Interval": "60"},
        ),
        201,
    )
    limits = json.dumps({"end_user_ip": "10.0.0.1"})
    ok(start(api, service, to="+14155550001", RateLimits=limits), 201)
    ok(start(api, service, to="+14155550002", RateLimits=limits), 201)
    refused = start(api, service, to="+14155550003", RateLimits=limits)
    limited = error(refused, 429, 20429)
    assert limited["message"] == "Too many requests"
    assert refused.headers["Retry-After"] == "60"  # when the bucket's oldest start leaves it
    other = json.dumps({"end_user_ip": "10.0.0.2"})
    ok(start(api, service, to="+14155550003", RateLimits=other), 201)
    emulator.control.advance(61)
    ok(start(api, service, to="+14155550004", RateLimits=limits), 201)


def test_rate_limits_must_be_a_json_object(api: httpx.Client) -> None:
    """RateLimits that is not a JSON object of values is 60200."""
    service = new_service(api)
    error(start(api, service, RateLimits="end_user_ip=1"), 400, 60200)


def test_test_credentials_are_forbidden(emulator: RunningEmulator) -> None:
    """Verify does not accept test credentials: 403 / 20008."""
    response = httpx.post(
        emulator.base_url + "/v2/Services",
        data={"FriendlyName": "x"},
        auth=(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )
    assert (response.status_code, response.json()["code"]) == (403, 20008)


# --- events -----------------------------------------------------------------------------------


def add_webhook(api: httpx.Client, service: str, url: str, *events: str) -> None:
    params = {"FriendlyName": "events", "WebhookUrl": url, "EventTypes": list(events)}
    ok(api.post(f"/v2/Services/{service}/Webhooks", data=params), 201)


def events_at(sink: WebhookSink, path: str, emulator: RunningEmulator) -> list[dict[str, Any]]:
    """Each event delivered to ``path``, after checking its signature with Twilio's SDK."""
    validator = RequestValidator(emulator.auth_token)
    found = []
    for request in sink.at(path):
        assert request.headers["content-type"] == "application/json"
        body = request.body.decode()
        assert validator.validate(request.url, body, request.headers["x-twilio-signature"])
        [event] = json.loads(body)
        found.append(event)
    return found


def test_events_reach_subscribed_webhooks_signed(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """`*` receives pending and approved as signed Verify Events; a narrower webhook only its
    own type, and a disabled one nothing."""
    service = new_service(api)
    add_webhook(api, service, sink.url("/all"), "*")
    add_webhook(api, service, sink.url("/approved"), "verification.approved")
    add_webhook(api, service, sink.url("/off"), "*")
    off = ok(api.get(f"/v2/Services/{service}/Webhooks"))["webhooks"][0]
    ok(api.post(f"/v2/Services/{service}/Webhooks/{off['sid']}", data={"Status": "disabled"}))
    sid = ok(start(api, service), 201)["sid"]
    ok(check(api, service, code_for(emulator)))
    emulator.control.advance(0)
    every = events_at(sink, "/all", emulator)
    assert [e["type"] for e in every] == [
        "com.twilio.accountsecurity.verify.verification.pending",
        "com.twilio.accountsecurity.verify.verification.approved",
    ]
    approved = every[1]
    assert approved["data"]["verification_sid"] == sid
    assert approved["data"]["verification_status"] == "APPROVED"
    assert approved["data"]["check_attempts"] == {
        "count": 1,
        "attempts": [{"time": approved["data"]["verified_at"], "status": "SUCCESS"}],
    }
    assert approved["source"].endswith(f"/Services/{service}/Verifications/{sid}")
    assert [e["type"].rsplit(".", 1)[1] for e in events_at(sink, "/approved", emulator)] == [
        "approved"
    ]
    assert sink.at("/off") == []


def test_expired_canceled_and_max_attempt_events(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Expiry, cancellation and the fifth wrong code each send their event."""
    service = new_service(api)
    add_webhook(
        api,
        service,
        sink.url("/ends"),
        "verification.expired",
        "verification.canceled",
        "verification.max-attempts-reached",
    )
    ok(start(api, service, to="+14155550001"), 201)
    canceled = ok(start(api, service, to="+14155550002"), 201)["sid"]
    ok(start(api, service, to="+14155550003"), 201)
    ok(api.post(f"/v2/Services/{service}/Verifications/{canceled}", data={"Status": "canceled"}))
    code = code_for(emulator, "+14155550003")
    for _ in range(5):
        check(api, service, "0000000" if code != "0000000" else "1111111", "+14155550003")
    emulator.control.advance(600)
    kinds = [
        (e["type"].rsplit(".", 1)[1], e["data"]["to"]) for e in events_at(sink, "/ends", emulator)
    ]
    assert kinds == [
        ("canceled", "+14155550002"),
        ("max-attempts-reached", "+14155550003"),
        ("expired", "+14155550001"),
        ("expired", "+14155550003"),
    ]
