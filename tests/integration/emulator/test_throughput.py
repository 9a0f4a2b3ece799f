"""Per-sender throughput in virtual time: each sender's messages leave at its rate (``date_sent``
spaced by segments / rate, status callbacks at those times), rates by kind of sender and set
through the control API, a Messaging Service spreading a burst over its pool, and Twilio's
queue limit (30001 for a service message, 21611 otherwise)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.helpers.sink import WebhookSink
from tests.integration.emulator.services import service_with_pool
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
SECOND = "+14155550101"
TOLL_FREE = "+18005550100"
TO = "+14155550123"


def send(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> dict[str, Any]:
    form = {"To": TO, "From": FROM, "Body": "hello", **params}
    response = api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json",
        data={k: v for k, v in form.items() if v is not None},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def fetch(api: httpx.Client, emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    response = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sent_at(api: httpx.Client, emulator: RunningEmulator, sid: str) -> datetime:
    date_sent = fetch(api, emulator, sid)["date_sent"]
    assert date_sent is not None, sid
    return parsedate_to_datetime(date_sent)


def gaps(times: list[datetime]) -> list[float]:
    return [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]


def throughput(emulator: RunningEmulator, **body: Any) -> httpx.Response:
    return httpx.post(f"{emulator.base_url}/_emulator/throughput", json=body)


def buy(api: httpx.Client, emulator: RunningEmulator, number: str) -> str:
    response = api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json",
        data={"PhoneNumber": number},
    )
    assert response.status_code == 201, response.text
    sid: str = response.json()["sid"]
    return sid


# --- one sender's pace ------------------------------------------------------------------------


def test_a_us_long_code_sends_one_message_a_second(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Four messages from one US long code get date_sent one second apart, and each 'sent'
    callback comes when its date_sent falls due; another number's queue is its own."""
    callback = sink.url("/status")
    sids = [send(api, emulator, Body=f"m{n}", StatusCallback=callback)["sid"] for n in range(4)]
    other = send(api, emulator, From=SECOND)["sid"]

    def sent_callbacks() -> list[str | None]:
        return [
            r.param("MessageSid") for r in sink.at("/status") if r.param("MessageStatus") == "sent"
        ]

    emulator.control.advance(2)  # queued -> sending (1 s) -> sent (2 s) for the first
    assert sent_callbacks() == sids[:1]
    for n in range(2, 5):
        emulator.control.advance(1)
        assert sent_callbacks() == sids[:n]
    emulator.control.advance(10)
    times = [sent_at(api, emulator, sid) for sid in sids]
    assert gaps(times) == [1.0, 1.0, 1.0]
    assert sent_at(api, emulator, other) == times[0]


def test_segments_take_their_share_of_the_rate(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A three-segment message holds a 1/s long code's queue for three seconds."""
    long = send(api, emulator, Body="x" * 400)["sid"]  # 3 GSM-7 segments
    short = send(api, emulator)["sid"]
    emulator.control.advance(10)
    assert gaps([sent_at(api, emulator, long), sent_at(api, emulator, short)]) == [3.0]


def test_a_toll_free_number_sends_three_a_second(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """At 3 segments/s, message n starts sending at 1 + n/3 s and is sent a step later."""
    buy(api, emulator, TOLL_FREE)
    sids = [send(api, emulator, From=TOLL_FREE, Body=f"m{n}")["sid"] for n in range(7)]
    emulator.control.advance(2.5)
    seen = [fetch(api, emulator, sid)["status"] for sid in sids]
    assert seen == ["sent"] * 2 + ["sending"] * 3 + ["queued"] * 2


# --- rates: by kind, by sender, through the control API ---------------------------------------


def test_rates_by_kind_are_twilios_defaults(emulator: RunningEmulator) -> None:
    """The control API shows each kind's rate: Twilio's documented throughput."""
    shown = httpx.get(f"{emulator.base_url}/_emulator/throughput").json()
    assert shown == {
        "kinds": {
            "long_code": 1.0,
            "toll_free": 3.0,
            "short_code": 100.0,
            "alphanumeric": 10.0,
            "international": 10.0,
            "whatsapp": 80.0,
        },
        "senders": [],
    }


def test_control_api_sets_a_senders_and_a_kinds_rate(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A rate set for one sender spaces its messages by 1/rate; a rate set for a kind applies
    to its other senders; DELETE goes back to the configured rates."""
    assert throughput(emulator, sender=FROM, mps=0.5).status_code == 201
    set_kind = throughput(emulator, kind="long_code", mps=0.25)
    assert set_kind.json()["senders"] == [{"sender": FROM, "kind": "long_code", "mps": 0.5}]
    mine = [send(api, emulator, Body=f"m{n}")["sid"] for n in range(3)]
    others = [send(api, emulator, From=SECOND, Body=f"o{n}")["sid"] for n in range(2)]
    emulator.control.advance(20)
    assert gaps([sent_at(api, emulator, sid) for sid in mine]) == [2.0, 2.0]
    assert gaps([sent_at(api, emulator, sid) for sid in others]) == [4.0]
    assert httpx.delete(f"{emulator.base_url}/_emulator/throughput").status_code == 204
    again = [send(api, emulator, Body=f"a{n}")["sid"] for n in range(2)]
    emulator.control.advance(10)
    assert gaps([sent_at(api, emulator, sid) for sid in again]) == [1.0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender": FROM}, "mps"),
        ({"sender": FROM, "mps": 0}, "mps"),
        ({"sender": FROM, "mps": True}, "mps"),
        ({"mps": 1}, "sender"),
        ({"sender": FROM, "kind": "long_code", "mps": 1}, "sender"),
        ({"kind": "carrier_pigeon", "mps": 1}, "kind"),
        ({"sender": "not a number!", "mps": 1}, "sender"),
    ],
)
def test_bad_throughput_is_a_control_error(
    emulator: RunningEmulator, body: dict[str, Any], field: str
) -> None:
    """Bad control input is a 400 naming the field."""
    response = throughput(emulator, **body)
    assert (response.status_code, response.json()["error"]["field"]) == (400, field)


# --- Messaging Services: the pool shares the load ---------------------------------------------


def test_a_service_spreads_a_burst_over_its_pool_and_keeps_senders_sticky(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Four recipients through a two-number pool: two messages leave from each number at the
    same moments; a second message to a recipient leaves from the number it got the first."""
    service = service_with_pool(api, emulator, FROM, SECOND)
    recipients = [f"+1415555012{n}" for n in range(4)]
    first = [
        send(api, emulator, From=None, To=to, MessagingServiceSid=service) for to in recipients
    ]
    again = send(api, emulator, From=None, To=recipients[2], MessagingServiceSid=service)
    emulator.control.advance(10)
    senders = [fetch(api, emulator, m["sid"])["from"] for m in first]
    assert senders == [FROM, SECOND, FROM, SECOND]
    assert fetch(api, emulator, again["sid"])["from"] == FROM
    times = [sent_at(api, emulator, m["sid"]) for m in first]
    assert times[0] == times[1]
    assert times[2] == times[3]
    assert gaps([times[0], times[2], sent_at(api, emulator, again["sid"])]) == [1.0, 1.0]


def test_a_from_named_with_a_service_is_the_sender_of_every_message(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Given both From and a service with a two-number pool, every message leaves from the
    From it named (shown at create), never from the number the pool would spread it to."""
    service = service_with_pool(api, emulator, FROM, SECOND)
    recipients = [f"+1415555013{n}" for n in range(3)]
    created = [
        send(api, emulator, From=FROM, To=to, MessagingServiceSid=service) for to in recipients
    ]
    assert [m["from"] for m in created] == [FROM] * 3
    emulator.control.advance(10)
    assert [fetch(api, emulator, m["sid"])["from"] for m in created] == [FROM] * 3


def test_a_service_queue_longer_than_ten_hours_fails_30001(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """At one message per 1000 s, a one-number pool holds 36 messages (10 hours); the 37th is
    accepted, then fails 30001 and its status callback says so."""
    service = service_with_pool(api, emulator, SECOND)
    emulator.control.set_throughput(0.001, sender=SECOND)
    for n in range(36):
        send(api, emulator, From=None, MessagingServiceSid=service, Body=f"m{n}")
    overflow = send(
        api, emulator, From=None, MessagingServiceSid=service, StatusCallback=sink.url("/s")
    )
    assert overflow["status"] == "accepted"
    emulator.control.advance(0)
    message = fetch(api, emulator, overflow["sid"])
    assert (message["status"], message["error_code"]) == ("failed", 30001)
    assert message["error_message"] == "Queue overflow"
    callbacks = [(r.param("MessageStatus"), r.param("ErrorCode")) for r in sink.at("/s")]
    assert callbacks == [("queued", None), ("failed", "30001")]


def test_a_number_queue_longer_than_ten_hours_is_21611(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Without a service the same overflow is refused at create with 21611."""
    emulator.control.set_throughput(0.001, sender=FROM)
    for n in range(36):
        send(api, emulator, Body=f"m{n}")
    response = api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json",
        data={"To": TO, "From": FROM, "Body": "one too many"},
    )
    assert (response.status_code, response.json()["code"]) == (400, 21611)


def test_service_settings_apply_to_its_messages(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A service's StatusCallback and ValidityPeriod apply to messages that set neither."""
    service = service_with_pool(api, emulator, FROM)
    api.post(
        f"/v1/Services/{service}",
        data={"StatusCallback": sink.url("/service"), "ValidityPeriod": "3"},
    )
    for n in range(5):
        send(api, emulator, Body=f"m{n}")  # five seconds of FROM's queue
    late = send(api, emulator, From=None, MessagingServiceSid=service)
    emulator.control.advance(4)
    message = fetch(api, emulator, late["sid"])
    assert (message["status"], message["error_code"]) == ("failed", 30036)
    assert [r.param("MessageStatus") for r in sink.at("/service")] == ["queued", "failed"]


def test_date_sent_spacing_is_computed_not_waited(emulator: RunningEmulator) -> None:
    """Creating a burst answers at once: the clock does not move while the queue fills."""
    before = emulator.control.now()
    with httpx.Client(
        base_url=emulator.base_url, auth=(emulator.account_sid, emulator.auth_token)
    ) as api:
        for n in range(20):
            send(api, emulator, Body=f"m{n}")
    assert emulator.control.now() - before < timedelta(seconds=1)
