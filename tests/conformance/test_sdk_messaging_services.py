"""Twilio's own Python SDK against the emulator's Messaging Services (messaging.twilio.com):
Services create, fetch, list (paged), update and delete; the sender pool
(``Services/{MG}/PhoneNumbers``); messages sent through a service leaving from its pool; and
the reconciliation read (messages by From, To and DateSent instants) the outbox relies on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.helpers.sdk import EmulatorHttpClient, sdk_client
from twiliokit.emulator import EmulatorConfig
from twiliokit.emulator.testing import RunningEmulator, run_emulator

FROM = "+14155550100"
SECOND = "+14155550101"
TO = "+14155550123"


def number_sid(client: Client, number: str) -> str:
    [found] = client.incoming_phone_numbers.list(phone_number=number)
    sid: str = found.sid
    return sid


def twilio_error(call: object) -> TwilioRestException:
    assert callable(call)
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


# --- Services ---------------------------------------------------------------------------------


def test_sdk_service_create_fetch_update_delete(client: Client) -> None:
    """A Service is created with Twilio's defaults, fetched, updated and deleted (then 404)."""
    created = client.messaging.v1.services.create(
        friendly_name="Reminders", status_callback="https://example.com/status"
    )
    assert created.sid is not None
    assert created.sid.startswith("MG")
    assert (created.friendly_name, created.sticky_sender, created.validity_period) == (
        "Reminders",
        True,
        36_000,
    )
    assert (created.usecase, created.scan_message_content) == ("undeclared", "inherit")
    assert created.links is not None
    assert str(created.links["phone_numbers"]).endswith(f"/v1/Services/{created.sid}/PhoneNumbers")
    fetched = client.messaging.v1.services(created.sid).fetch()
    assert (fetched.status_callback, fetched.date_created) == (
        "https://example.com/status",
        created.date_created,
    )
    updated = client.messaging.v1.services(created.sid).update(
        friendly_name="Alerts", sticky_sender=False, validity_period=600, usecase="notifications"
    )
    assert (updated.friendly_name, updated.sticky_sender, updated.validity_period) == (
        "Alerts",
        False,
        600,
    )
    assert updated.usecase == "notifications"
    assert client.messaging.v1.services(created.sid).delete() is True
    error = twilio_error(client.messaging.v1.services(created.sid).fetch)
    assert (error.status, error.code) == (404, 20404)


def test_sdk_lists_services_page_by_page(client: Client) -> None:
    """Listing pages through every service, newest first, with Twilio's v1 paging."""
    names = [f"service {n}" for n in range(5)]
    for name in names:
        client.messaging.v1.services.create(friendly_name=name)
    http = client.http_client
    assert isinstance(http, EmulatorHttpClient)
    before = len(http.requests)
    listed = client.messaging.v1.services.list(page_size=2)
    assert [s.friendly_name for s in listed] == list(reversed(names))
    assert len(http.requests) - before == 3  # pages of 2, 2 and 1


def test_sdk_service_errors(client: Client) -> None:
    """A missing FriendlyName and a bad setting are Twilio's 400s; nothing is created."""
    error = twilio_error(lambda: client.messaging.v1.services.create(friendly_name=""))
    assert (error.status, error.code) == (400, 20001)
    assert "FriendlyName" in error.msg
    error = twilio_error(
        lambda: client.messaging.v1.services.create(friendly_name="x", inbound_request_url="ftp:x")
    )
    assert (error.status, error.code) == (400, 11100)
    error = twilio_error(
        lambda: client.messaging.v1.services.create(friendly_name="x", validity_period=0)
    )
    assert (error.status, error.code) == (400, 20001)
    assert client.messaging.v1.services.list() == []


# --- the sender pool --------------------------------------------------------------------------


def test_sdk_sender_pool_add_list_fetch_remove(client: Client) -> None:
    """Numbers join a pool by PhoneNumberSid and are listed, fetched and removed."""
    service = client.messaging.v1.services.create(friendly_name="Pool")
    assert service.sid is not None
    pool = client.messaging.v1.services(service.sid).phone_numbers
    added = pool.create(phone_number_sid=number_sid(client, FROM))
    pool.create(phone_number_sid=number_sid(client, SECOND))
    assert (added.phone_number, added.service_sid, added.country_code) == (FROM, service.sid, "US")
    assert added.capabilities == ["MMS", "SMS", "Voice"]
    assert [n.phone_number for n in pool.list()] == [SECOND, FROM]
    assert added.sid is not None
    assert pool(added.sid).fetch().phone_number == FROM
    assert pool(added.sid).delete() is True
    assert [n.phone_number for n in pool.list()] == [SECOND]
    assert twilio_error(pool(added.sid).fetch).status == 404


def test_sdk_sender_pool_errors(client: Client) -> None:
    """Twilio's codes: a number already in the pool (21710), in another service (21712), not
    one of the account's numbers (21421), and no PhoneNumberSid (20001)."""
    first = client.messaging.v1.services.create(friendly_name="First")
    second = client.messaging.v1.services.create(friendly_name="Second")
    assert first.sid is not None
    assert second.sid is not None
    sid = number_sid(client, FROM)
    client.messaging.v1.services(first.sid).phone_numbers.create(phone_number_sid=sid)
    cases = [
        (first.sid, sid, 21710),
        (second.sid, sid, 21712),
        (first.sid, "PN" + "0" * 32, 21421),
        (first.sid, "not-a-sid", 21421),
    ]
    for service_sid, number, code in cases:
        pool = client.messaging.v1.services(service_sid).phone_numbers
        error = twilio_error(lambda: pool.create(phone_number_sid=number))  # noqa: B023
        assert (error.status, error.code) == (400, code), number


# --- sending through a service ----------------------------------------------------------------


def test_sdk_service_message_leaves_from_its_pool(
    client: Client, emulator: RunningEmulator
) -> None:
    """A service message is accepted, then queued from a pool number with its
    messaging_service_sid; one recipient keeps its number (sticky sender)."""
    service = client.messaging.v1.services.create(friendly_name="Pool")
    assert service.sid is not None
    client.messaging.v1.services(service.sid).phone_numbers.create(
        phone_number_sid=number_sid(client, SECOND)
    )
    created = client.messages.create(to=TO, messaging_service_sid=service.sid, body="hi")
    assert (created.status, created.from_, created.messaging_service_sid) == (
        "accepted",
        None,
        service.sid,
    )
    emulator.control.advance(5)
    sent = client.messages(created.sid).fetch()
    assert (sent.status, sent.from_, sent.messaging_service_sid) == (
        "delivered",
        SECOND,
        service.sid,
    )


def test_sdk_service_with_an_empty_pool_is_21704(client: Client) -> None:
    """Sending through a service whose pool is empty is refused with Twilio's 21704."""
    service = client.messaging.v1.services.create(friendly_name="Empty")
    error = twilio_error(
        lambda: client.messages.create(to=TO, messaging_service_sid=service.sid, body="hi")
    )
    assert (error.status, error.code) == (400, 21704)


@pytest.fixture(scope="module")
def strict() -> Iterator[RunningEmulator]:
    """An emulator where only created Messaging Services exist."""
    with run_emulator(EmulatorConfig(time_rate=0.0, implicit_messaging_services=False)) as emu:
        yield emu


def test_sdk_unknown_service_is_21701_when_services_are_strict(
    strict: RunningEmulator,
) -> None:
    """With implicit services off, an MG SID that names no service is Twilio's 21701."""
    client = sdk_client(strict.base_url, strict.account_sid, strict.auth_token)
    error = twilio_error(
        lambda: client.messages.create(to=TO, messaging_service_sid="MG" + "0" * 32, body="hi")
    )
    assert (error.status, error.code) == (400, 21701)


# --- the reconciliation read ------------------------------------------------------------------


def test_sdk_lists_one_senders_messages_between_two_instants(
    client: Client, emulator: RunningEmulator
) -> None:
    """From, To and DateSent>/< instants pick out exactly the message sent in that window:
    one long code's messages leave one second apart."""
    sids = [client.messages.create(to=TO, from_=FROM, body=f"m{n}").sid for n in range(3)]
    client.messages.create(to=TO, from_=SECOND, body="other sender")
    emulator.control.advance(10)
    middle = client.messages(sids[1]).fetch()
    assert middle.date_sent is not None
    listed = client.messages.list(
        from_=FROM, to=TO, date_sent_after=middle.date_sent, date_sent_before=middle.date_sent
    )
    assert [m.sid for m in listed] == [sids[1]]
    everything = client.messages.list(from_=FROM, to=TO, date_sent_after=middle.date_sent)
    assert [m.sid for m in everything] == [sids[2], sids[1]]
