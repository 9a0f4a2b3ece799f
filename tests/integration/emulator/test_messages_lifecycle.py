"""A message's life in virtual time: status steps, signed status callbacks, per-sender pacing,
handset outcomes, ValidityPeriod, queue overflow, Messaging Services and scheduling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import Received, WebhookSink
from twiliokit.emulator import EmulatorConfig
from twiliokit.emulator.testing import RunningEmulator, run_emulator

FROM = "+14155550100"
TO = "+14155550123"
SERVICE = "MG" + "ab" * 16


@pytest.fixture(scope="module")
def _slow_server() -> Iterator[RunningEmulator]:
    """An emulator whose senders hand one segment to carriers every 1000 s."""
    with run_emulator(EmulatorConfig(time_rate=0.0, sender_mps=0.001)) as emu:
        yield emu


@pytest.fixture
def slow(_slow_server: RunningEmulator) -> RunningEmulator:
    """The slow-sender emulator, reset."""
    _slow_server.control.reset()
    return _slow_server


def post(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> httpx.Response:
    form = {"To": TO, "From": FROM, "Body": "hello", **params}
    return api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json",
        data={k: v for k, v in form.items() if v is not None},
    )


def create(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> dict[str, Any]:
    response = post(api, emulator, **params)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def fetch(api: httpx.Client, emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    response = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = assert_conforms(response)
    return body


def statuses(received: list[Received]) -> list[str | None]:
    return [r.param("MessageStatus") for r in received]


def assert_signed(received: list[Received], auth_token: str) -> None:
    """Every request carries a signature Twilio's own SDK accepts."""
    validator = RequestValidator(auth_token)
    for request in received:
        signature = request.headers["x-twilio-signature"]
        assert validator.validate(request.url, dict(request.form), signature), request.url


def clock_now(emulator: RunningEmulator) -> datetime:
    return datetime.fromisoformat(emulator.control.request("GET", "/_emulator/clock")["now"])


# --- steps and callbacks ----------------------------------------------------------------------


def test_queued_sending_sent_delivered_one_step_apart(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Each step takes delivery_step_seconds; date_sent and price appear at sent."""
    sid = create(api, emulator, StatusCallback=sink.url("/status"))["sid"]
    seen = []
    for _ in range(3):
        emulator.control.advance(1)
        message = fetch(api, emulator, sid)
        seen.append(message["status"])
        if message["status"] == "sending":
            assert (message["date_sent"], message["price"]) == (None, None)
    assert seen == ["sending", "sent", "delivered"]
    assert message["date_sent"] is not None
    assert (message["price"], message["price_unit"]) == ("-0.00790", "USD")
    assert (message["error_code"], message["error_message"]) == (None, None)


def test_status_callbacks_carry_twilios_parameters_signed(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Every change after queued is POSTed, in order, form-encoded and signed."""
    sid = create(api, emulator, StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(10)
    received = sink.at("/status")
    assert statuses(received) == ["sending", "sent", "delivered"]
    assert_signed(received, emulator.auth_token)
    delivered = dict(received[-1].form)
    assert delivered["MessageSid"] == delivered["SmsSid"] == sid
    assert delivered["SmsStatus"] == "delivered"
    assert (delivered["From"], delivered["To"]) == (FROM, TO)
    assert delivered["AccountSid"] == emulator.account_sid
    assert delivered["ApiVersion"] == "2010-04-01"
    assert len(delivered["RawDlrDoneDate"]) == 10
    assert delivered["RawDlrDoneDate"].isdigit()
    assert "ErrorCode" not in delivered
    assert "MessagingServiceSid" not in delivered
    assert received[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert received[0].headers["user-agent"] == "TwilioProxy/1.1"


def test_price_counts_segments(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A three-segment message costs three segments."""
    sid = create(api, emulator, Body="x" * 400)["sid"]
    emulator.control.advance(3)
    assert fetch(api, emulator, sid)["price"] == "-0.02370"


# --- pacing, validity, queue overflow ---------------------------------------------------------


def test_a_sender_drains_its_queue_at_its_mps(api: httpx.Client, emulator: RunningEmulator) -> None:
    """At 10 segments/s, 30 messages from one sender leave the queue 0.1 s apart."""
    emulator.control.set_throughput(10, kind="long_code")
    sids = [create(api, emulator, Body=f"m{n}")["sid"] for n in range(30)]
    other = create(api, emulator, From="+14155550101")["sid"]
    emulator.control.advance(2)
    seen = [fetch(api, emulator, sid)["status"] for sid in sids]
    assert seen.count("queued") == 19  # message n starts sending at 1 + 0.1 n seconds
    assert seen[:11] == ["sent"] + ["sending"] * 10
    assert fetch(api, emulator, other)["status"] == "sent"  # another sender has its own queue
    emulator.control.advance(10)
    assert {fetch(api, emulator, sid)["status"] for sid in sids} == {"delivered"}


def test_validity_period_expiry_fails_30036(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A message still queued when its ValidityPeriod ends fails with 30036."""
    for _ in range(5):  # 55 segments: 55 s of backlog at a US long code's 1 segment/s
        create(api, emulator, Body="x" * 1600)
    sid = create(api, emulator, ValidityPeriod="5", StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(4.9)
    assert fetch(api, emulator, sid)["status"] == "queued"
    emulator.control.advance(0.1)
    message = fetch(api, emulator, sid)
    assert (message["status"], message["error_code"]) == ("failed", 30036)
    assert message["error_message"] == "Validity Period Expired"
    [callback] = sink.at("/status")
    assert (callback.param("MessageStatus"), callback.param("ErrorCode")) == ("failed", "30036")


def test_ten_hour_queue_overflow_is_21611(slow: RunningEmulator) -> None:
    """A sender with 10 hours of segments queued refuses more with 21611."""
    with httpx.Client(base_url=slow.base_url, auth=(slow.account_sid, slow.auth_token)) as api:
        for n in range(36):  # 36 x 1000 s = exactly 10 hours
            assert post(api, slow, Body=f"m{n}").status_code == 201
        response = post(api, slow)
        assert (response.status_code, response.json()["code"]) == (400, 21611)
        assert post(api, slow, From="+14155550101").status_code == 201


def test_service_queue_overflow_fails_30001_later(slow: RunningEmulator) -> None:
    """With a Messaging Service the message is accepted, then fails 30001 once queued."""
    with httpx.Client(base_url=slow.base_url, auth=(slow.account_sid, slow.auth_token)) as api:
        for n in range(36):
            assert post(api, slow, Body=f"m{n}", From=None, MessagingServiceSid=SERVICE).is_success
        overflow = create(api, slow, From=None, MessagingServiceSid=SERVICE)
        assert overflow["status"] == "accepted"
        slow.control.advance(0)
        message = fetch(api, slow, overflow["sid"])
        assert (message["status"], message["error_code"]) == ("failed", 30001)


# --- handsets ---------------------------------------------------------------------------------


def test_undelivered_handset(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A handset set to undelivered ends messages undelivered with its error code."""
    emulator.control.request(
        "POST", "/_emulator/handsets", {"number": TO, "outcome": "undelivered", "error_code": 30005}
    )
    sid = create(api, emulator, StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(3)
    message = fetch(api, emulator, sid)
    assert (message["status"], message["error_code"]) == ("undelivered", 30005)
    assert message["error_message"] == "Unknown destination handset"
    assert message["date_sent"] is not None
    last = dict(sink.at("/status")[-1].form)
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30005")
    assert last["ErrorMessage"] == "Unknown destination handset"
    assert "RawDlrDoneDate" in last


def test_failed_handset_never_sends(api: httpx.Client, emulator: RunningEmulator) -> None:
    """A failed outcome ends the message failed before 'sent': no date_sent, no price."""
    emulator.control.request("POST", "/_emulator/handsets", {"number": TO, "outcome": "failed"})
    sid = create(api, emulator)["sid"]
    emulator.control.advance(5)
    message = fetch(api, emulator, sid)
    assert (message["status"], message["error_code"]) == ("failed", 30008)
    assert (message["date_sent"], message["price"]) == (None, None)


def test_handset_back_to_delivered(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Setting outcome delivered restores normal delivery; the list shows what is set."""
    control = emulator.control
    control.request("POST", "/_emulator/handsets", {"number": TO, "outcome": "undelivered"})
    assert control.request("GET", "/_emulator/handsets")["handsets"][0]["number"] == TO
    control.request("POST", "/_emulator/handsets", {"number": TO, "outcome": "delivered"})
    assert control.request("GET", "/_emulator/handsets")["handsets"] == []
    sid = create(api, emulator)["sid"]
    control.advance(3)
    assert fetch(api, emulator, sid)["status"] == "delivered"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "delivered"}, "number"),
        ({"number": "nope", "outcome": "delivered"}, "number"),
        ({"number": TO, "outcome": "lost"}, "outcome"),
        ({"number": TO, "outcome": "undelivered", "error_code": 12345}, "error_code"),
        ({"number": TO, "outcome": "read", "error_code": 30003}, "error_code"),
    ],
)
def test_bad_handset_is_a_control_error(
    emulator: RunningEmulator, body: dict[str, Any], field: str
) -> None:
    """Bad handset input gets 400 naming the field."""
    response = httpx.post(emulator.base_url + "/_emulator/handsets", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


# --- Messaging Services -----------------------------------------------------------------------


def test_service_message_starts_accepted_then_gets_a_sender(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """With a service: accepted, no From, 0 segments; then queued from the first owned number."""
    message = create(
        api, emulator, From=None, MessagingServiceSid=SERVICE, StatusCallback=sink.url("/s")
    )
    assert (message["status"], message["from"], message["num_segments"]) == ("accepted", None, "0")
    assert message["messaging_service_sid"] == SERVICE
    emulator.control.advance(0)
    queued = fetch(api, emulator, message["sid"])
    assert (queued["status"], queued["num_segments"]) == ("queued", "1")
    assert queued["from"] == emulator.state.config.numbers[0]
    emulator.control.advance(3)
    received = sink.at("/s")
    assert statuses(received) == ["queued", "sending", "sent", "delivered"]
    assert {r.param("MessagingServiceSid") for r in received} == {SERVICE}
    assert_signed(received, emulator.auth_token)


def test_service_sid_may_be_given_as_from(api: httpx.Client, emulator: RunningEmulator) -> None:
    """From=MG… works like MessagingServiceSid."""
    message = create(api, emulator, From=SERVICE)
    assert (message["messaging_service_sid"], message["status"]) == (SERVICE, "accepted")


def test_from_with_a_service_is_the_sender(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Given both, the service's message goes out from the given From."""
    message = create(api, emulator, From="+14155550101", MessagingServiceSid=SERVICE)
    assert (message["status"], message["messaging_service_sid"]) == ("accepted", SERVICE)
    emulator.control.advance(0)
    assert fetch(api, emulator, message["sid"])["from"] == "+14155550101"


# --- scheduling -------------------------------------------------------------------------------


def send_at(emulator: RunningEmulator, seconds: float) -> str:
    return (clock_now(emulator) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_scheduled_message_is_queued_at_send_at(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """ScheduleType=fixed holds the message 'scheduled' until SendAt, then it goes out."""
    message = create(
        api,
        emulator,
        From=None,
        MessagingServiceSid=SERVICE,
        ScheduleType="fixed",
        SendAt=send_at(emulator, 600),
        StatusCallback=sink.url("/s"),
    )
    assert (message["status"], message["num_segments"]) == ("scheduled", "0")
    emulator.control.advance(599)
    assert fetch(api, emulator, message["sid"])["status"] == "scheduled"
    emulator.control.advance(1)
    assert fetch(api, emulator, message["sid"])["status"] == "queued"
    emulator.control.advance(3)
    assert fetch(api, emulator, message["sid"])["status"] == "delivered"
    assert statuses(sink.at("/s")) == ["queued", "sending", "sent", "delivered"]


def test_scheduled_message_can_be_canceled(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Status=canceled stops a scheduled message for good and reports 'canceled'."""
    sid = create(
        api,
        emulator,
        From=None,
        MessagingServiceSid=SERVICE,
        ScheduleType="fixed",
        SendAt=send_at(emulator, 3600),
        StatusCallback=sink.url("/s"),
    )["sid"]
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json"
    canceled = assert_conforms(api.post(path, data={"Status": "canceled"}))
    assert canceled["status"] == "canceled"
    emulator.control.advance(7200)
    assert fetch(api, emulator, sid)["status"] == "canceled"
    assert statuses(sink.at("/s")) == ["canceled"]
    assert api.delete(path).status_code == 204


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"ScheduleType": "fixed"}, 35111),
        ({"ScheduleType": "fixed", "SendAt": "tomorrow"}, 35115),
        ({"ScheduleType": "fixed", "SendAt": 299}, 35114),
        ({"ScheduleType": "fixed", "SendAt": 36 * 86400}, 35117),
        ({"ScheduleType": "later", "SendAt": 600}, 35126),
        (
            {"ScheduleType": "fixed", "SendAt": 600, "From": FROM, "MessagingServiceSid": None},
            35118,
        ),
    ],
)
def test_bad_schedules_get_twilios_errors(
    api: httpx.Client, emulator: RunningEmulator, params: dict[str, Any], code: int
) -> None:
    """Each bad schedule gets its 35xxx code (missing, unreadable, too soon, too late, ...)."""
    form: dict[str, Any] = {"From": None, "MessagingServiceSid": SERVICE, **params}
    if isinstance(form.get("SendAt"), int):
        form["SendAt"] = send_at(emulator, form["SendAt"])
    response = post(api, emulator, **form)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_send_at_without_schedule_type_is_ignored(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """SendAt alone does not schedule, as on Twilio."""
    message = create(api, emulator, SendAt=send_at(emulator, 600))
    assert message["status"] == "queued"
