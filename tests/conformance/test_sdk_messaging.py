"""Twilio's own Python SDK against the emulator: Messages, Media, IncomingPhoneNumbers and
Account operations, paging through 1,000+ messages, Twilio's documented errors as
``TwilioRestException``, and every callback the emulator sends passing ``RequestValidator``."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.helpers.sdk import sdk_client
from tests.helpers.sink import WebhookSink
from twiliokit.emulator import TEST_ACCOUNT_SID
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
TO = "+14155550123"


def twilio_error(call: object) -> TwilioRestException:
    assert callable(call)
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


# --- Messages and Media -----------------------------------------------------------------------


def test_sdk_message_lifecycle(client: Client, emulator: RunningEmulator) -> None:
    """create, fetch, list with filters, redact and delete work through the SDK."""
    created = client.messages.create(to=TO, from_=FROM, body="Hello from the SDK")
    assert created.sid.startswith("SM")
    assert (created.status, created.num_segments, created.num_media) == ("queued", "1", "0")
    assert isinstance(created.date_created, datetime)
    assert created.direction == "outbound-api"
    emulator.control.advance(3)
    fetched = client.messages(created.sid).fetch()
    assert (fetched.status, fetched.price, fetched.price_unit) == ("delivered", "-0.00790", "USD")
    assert isinstance(fetched.date_sent, datetime)
    listed = client.messages.list(to=TO, from_=FROM, date_sent=fetched.date_sent.date(), limit=20)
    assert [m.sid for m in listed] == [created.sid]
    assert client.messages.list(date_sent_before=datetime(2000, 1, 1), limit=5) == []
    redacted = client.messages(created.sid).update(body="")
    assert redacted.body == ""
    assert client.messages(created.sid).delete() is True
    error = twilio_error(client.messages(created.sid).fetch)
    assert (error.status, error.code) == (404, 20404)


def test_sdk_media(client: Client) -> None:
    """MediaUrl on create gives Media the SDK lists, fetches and deletes."""
    urls = ["https://example.com/a.jpg", "https://example.com/b.png"]
    message = client.messages.create(to=TO, from_=FROM, media_url=urls)
    assert (message.sid[:2], message.num_media) == ("MM", "2")
    media = client.messages(message.sid).media.list()
    assert sorted(m.content_type for m in media) == ["image/jpeg", "image/png"]
    one = client.messages(message.sid).media(media[0].sid).fetch()
    assert (one.parent_sid, one.sid) == (message.sid, media[0].sid)
    assert client.messages(message.sid).media(one.sid).delete() is True
    assert len(client.messages(message.sid).media.list()) == 1


def test_sdk_scheduled_message_cancel(client: Client, emulator: RunningEmulator) -> None:
    """A scheduled message is canceled with update(status='canceled')."""
    clock = datetime.fromisoformat(emulator.control.request("GET", "/_emulator/clock")["now"])
    send_at = clock.replace(microsecond=0).timestamp() + 3600
    message = client.messages.create(
        to=TO,
        messaging_service_sid="MG" + "0" * 32,
        body="later",
        schedule_type="fixed",
        send_at=datetime.fromtimestamp(send_at, tz=clock.tzinfo),
    )
    assert message.status == "scheduled"
    assert client.messages(message.sid).update(status="canceled").status == "canceled"


def test_sdk_pages_through_more_than_a_thousand_messages(
    client: Client, emulator: RunningEmulator
) -> None:
    """The SDK's list and stream walk 1,050 messages newest first, with no repeats or gaps."""
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"
    senders = list(emulator.state.config.numbers)
    created = []
    with httpx.Client(
        base_url=emulator.base_url, auth=(emulator.account_sid, emulator.auth_token)
    ) as api:
        for n in range(1050):
            form = {"To": TO, "From": senders[n % len(senders)], "Body": f"#{n}"}
            response = api.post(path, data=form)
            assert response.status_code == 201, response.text
            created.append(response.json()["sid"])
    listed = client.messages.list(page_size=100)
    assert [m.sid for m in listed] == list(reversed(created))
    streamed = [m.sid for m in client.messages.stream(page_size=1000, limit=1050)]
    assert streamed == list(reversed(created))
    first_page = client.messages.page(page_size=50)
    assert [m.sid for m in first_page] == list(reversed(created))[:50]
    second_page = first_page.next_page()
    assert second_page is not None
    assert [m.sid for m in second_page] == list(reversed(created))[50:100]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "from_", "body", "code"),
    [
        ("", FROM, "x", 21604),
        (TO, FROM, "", 21602),
        ("not-a-number", FROM, "x", 21211),
        (TO, "+14155559999", "x", 21606),
        (TO, FROM, "x" * 1601, 21617),
        ("+15005550001", FROM, "x", 21211),
        ("+15005550002", FROM, "x", 21612),
        ("+15005550003", FROM, "x", 21408),
        ("+15005550004", FROM, "x", 21610),
        ("+15005550009", FROM, "x", 21614),
    ],
)
def test_sdk_gets_twilios_errors(client: Client, to: str, from_: str, body: str, code: int) -> None:
    """Bad input and the magic To numbers raise TwilioRestException with Twilio's code."""
    error = twilio_error(lambda: client.messages.create(to=to, from_=from_, body=body))
    assert (error.status, error.code) == (400, code)
    assert error.msg


@pytest.mark.parametrize(
    ("from_", "code"), [("+15005550001", 21212), ("+15005550007", 21606), ("+15005550008", 21611)]
)
def test_sdk_test_credentials_magic_from(test_client: Client, from_: str, code: int) -> None:
    """With test credentials the magic From numbers give Twilio's documented codes."""
    error = twilio_error(lambda: test_client.messages.create(to=TO, from_=from_, body="x"))
    assert (error.status, error.code) == (400, code)


def test_sdk_test_credentials_send_and_are_forbidden_elsewhere(test_client: Client) -> None:
    """+15005550006 sends with test credentials; reading anything is 403."""
    message = test_client.messages.create(to=TO, from_="+15005550006", body="test")
    assert message.status == "queued"
    error = twilio_error(lambda: test_client.api.v2010.accounts(TEST_ACCOUNT_SID).fetch())
    assert error.status == 403


def test_sdk_wrong_token_is_20003(emulator: RunningEmulator) -> None:
    """A wrong auth token raises 401 / 20003."""
    bad = sdk_client(emulator.base_url, emulator.account_sid, "f" * 32)
    error = twilio_error(lambda: bad.messages.create(to=TO, from_=FROM, body="x"))
    assert (error.status, error.code) == (401, 20003)


def test_sdk_delete_too_early_is_20009(client: Client) -> None:
    """Deleting a message still on its way raises 20009."""
    message = client.messages.create(to=TO, from_=FROM, body="x")
    error = twilio_error(client.messages(message.sid).delete)
    assert (error.status, error.code) == (400, 20009)


# --- IncomingPhoneNumbers and Account ---------------------------------------------------------


def test_sdk_incoming_phone_numbers(client: Client) -> None:
    """Buy, list, fetch, update and release a number through the SDK."""
    bought = client.incoming_phone_numbers.create(area_code="646", friendly_name="NYC")
    assert bought.phone_number.startswith("+1646")
    assert bought.capabilities["sms"] is True
    found = client.incoming_phone_numbers.list(phone_number=bought.phone_number)
    assert [n.sid for n in found] == [bought.sid]
    updated = client.incoming_phone_numbers(bought.sid).update(
        sms_url="https://example.com/sms", sms_method="GET", voice_url="https://example.com/v"
    )
    assert (updated.sms_url, updated.sms_method) == ("https://example.com/sms", "GET")
    assert client.incoming_phone_numbers(bought.sid).fetch().voice_url == "https://example.com/v"
    assert client.incoming_phone_numbers(bought.sid).delete() is True
    error = twilio_error(lambda: client.incoming_phone_numbers.create(phone_number="+15005550000"))
    assert (error.status, error.code) == (400, 21422)
    error = twilio_error(lambda: client.incoming_phone_numbers.create(area_code="533"))
    assert (error.status, error.code) == (400, 21452)


def test_sdk_account_fetch(client: Client, emulator: RunningEmulator) -> None:
    """The SDK fetches the development account."""
    account = client.api.v2010.accounts(emulator.account_sid).fetch()
    assert (account.sid, account.status) == (emulator.account_sid, "active")


# --- signatures -------------------------------------------------------------------------------


def test_every_callback_and_webhook_passes_the_sdks_validator(
    client: Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Callbacks and webhooks pass RequestValidator as received and as logged."""
    sink.respond("/sms", "<Response><Message>Auto reply</Message></Response>")
    [number] = client.incoming_phone_numbers.list(phone_number=FROM)
    client.incoming_phone_numbers(number.sid).update(sms_url=sink.url("/sms"))
    client.messages.create(to=TO, from_=FROM, body="one", status_callback=sink.url("/status"))
    client.messages.create(
        to="whatsapp:+14155550123",
        from_="whatsapp:+14155238886",
        body="outside the window",
        status_callback=sink.url("/status?channel=wa"),
    )
    emulator.control.inbound(From=TO, To=FROM, Body="hello")
    emulator.control.advance(5)
    validator = RequestValidator(emulator.auth_token)
    received = sink.received
    assert len(received) >= 5
    for request in received:
        assert validator.validate(
            request.url, dict(request.form), request.headers["x-twilio-signature"]
        ), request.url
    records = emulator.control.webhooks()
    assert {r["kind"] for r in records} == {"message-status", "incoming-message"}
    for record in records:
        signature = record["headers"]["X-Twilio-Signature"]
        assert validator.validate(record["url"], dict(record["params"]), signature), record["url"]
