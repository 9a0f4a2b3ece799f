"""Messaging Services around their pool: incoming messages to a pool number (the service's
webhook, MessagingServiceSid), opt-outs covering a created service, a number leaving the pool
when the account releases it, and a scheduled message picking its sender when it leaves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import WebhookSink
from tests.integration.emulator.services import number_sids, service_with_pool
from twiliokit.emulator.testing import RunningEmulator

FROM = "+14155550100"
SECOND = "+14155550101"
HANDSET = "+14155550123"


def send(api: httpx.Client, emulator: RunningEmulator, **params: str) -> httpx.Response:
    form = {"To": HANDSET, "Body": "hello", **params}
    return api.post(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json", data=form)


def fetch(api: httpx.Client, emulator: RunningEmulator, sid: str) -> dict[str, Any]:
    response = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages/{sid}.json")
    body: dict[str, Any] = response.json()
    return body


def test_inbound_to_a_pool_number_goes_to_the_services_webhook(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A message to a pool number is posted to the service's InboundRequestUrl with its
    MessagingServiceSid, and the inbound message carries the service's SID."""
    service = service_with_pool(api, emulator, FROM, InboundRequestUrl=sink.url("/service"))
    result = emulator.control.inbound(From=HANDSET, To=FROM, Body="hi")
    [request] = sink.at("/service")
    assert dict(request.form)["MessagingServiceSid"] == service
    assert fetch(api, emulator, result["message_sid"])["messaging_service_sid"] == service


def test_a_service_can_defer_to_the_numbers_webhook(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """With UseInboundWebhookOnNumber the number's own SmsUrl gets the message."""
    sids = number_sids(api, emulator)
    api.post(
        f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers/{sids[FROM]}.json",
        data={"SmsUrl": sink.url("/number")},
    )
    service_with_pool(
        api,
        emulator,
        FROM,
        InboundRequestUrl=sink.url("/service"),
        UseInboundWebhookOnNumber="true",
    )
    emulator.control.inbound(From=HANDSET, To=FROM, Body="hi")
    assert (len(sink.at("/number")), sink.at("/service")) == (1, [])


def test_stop_to_a_pool_number_refuses_the_services_next_message(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """STOP to a pool number opts the recipient out of the created service: 21610."""
    service = service_with_pool(api, emulator, FROM)
    emulator.control.inbound(From=HANDSET, To=FROM, Body="STOP")
    response = send(api, emulator, MessagingServiceSid=service)
    assert (response.status_code, response.json()["code"]) == (400, 21610)


def test_a_released_number_leaves_the_pool(api: httpx.Client, emulator: RunningEmulator) -> None:
    """Deleting an IncomingPhoneNumber drops it from the pool; an emptied pool is 21704."""
    service = service_with_pool(api, emulator, SECOND)
    sid = number_sids(api, emulator)[SECOND]
    api.delete(f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers/{sid}.json")
    assert api.get(f"/v1/Services/{service}/PhoneNumbers").json()["phone_numbers"] == []
    response = send(api, emulator, MessagingServiceSid=service)
    assert (response.status_code, response.json()["code"]) == (400, 21704)


def test_a_scheduled_message_picks_its_sender_when_it_leaves(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A message scheduled through a service leaves from the pool as it is at SendAt."""
    service = service_with_pool(api, emulator, FROM)
    send_at = emulator.control.now() + timedelta(minutes=10)
    created = send(
        api,
        emulator,
        MessagingServiceSid=service,
        ScheduleType="fixed",
        SendAt=send_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ).json()
    assert (created["status"], created["from"]) == ("scheduled", None)
    [entry] = api.get(f"/v1/Services/{service}/PhoneNumbers").json()["phone_numbers"]
    assert api.delete(entry["url"]).status_code == 204
    added = api.post(
        f"/v1/Services/{service}/PhoneNumbers",
        data={"PhoneNumberSid": number_sids(api, emulator)[SECOND]},
    )
    assert added.status_code == 201
    emulator.control.advance(11 * 60)
    message = fetch(api, emulator, created["sid"])
    assert (message["status"], message["from"]) == ("delivered", SECOND)


def test_every_service_and_pool_answer_conforms_to_twilios_openapi(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """Create, list, fetch, update and delete of a Service and of its PhoneNumbers answer
    exactly what Twilio's Messaging v1 OpenAPI document describes (tests/conformance/oai)."""
    created = assert_conforms(api.post("/v1/Services", data={"FriendlyName": "conform"}))
    service = created["sid"]
    number = number_sids(api, emulator)[FROM]
    pool = f"/v1/Services/{service}/PhoneNumbers"
    responses = [
        api.post(pool, data={"PhoneNumberSid": number}),
        api.get(pool, params={"PageSize": 1}),
        api.get(f"{pool}/{number}"),
        api.get("/v1/Services"),
        api.get(f"/v1/Services/{service}"),
        api.post(f"/v1/Services/{service}", data={"StickySender": "false", "ValidityPeriod": 60}),
        api.delete(f"{pool}/{number}"),
        api.delete(f"/v1/Services/{service}"),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 200, 204, 204]
    for response in responses:
        assert_conforms(response)


def test_a_setting_that_is_not_true_or_false_is_refused_changing_nothing(
    api: httpx.Client,
) -> None:
    """StickySender=maybe is 400 / 20001 naming the parameter, as the emulator's docs say;
    the service keeps its setting (``maybe`` used to switch it off)."""
    service = api.post("/v1/Services", data={"FriendlyName": "pool"}).json()["sid"]
    refused = api.post(f"/v1/Services/{service}", data={"StickySender": "maybe"})
    assert (refused.status_code, refused.json()["code"]) == (400, 20001)
    assert "StickySender" in refused.json()["message"]
    assert api.get(f"/v1/Services/{service}").json()["sticky_sender"] is True
    changed = api.post(f"/v1/Services/{service}", data={"StickySender": "False"})
    assert changed.json()["sticky_sender"] is False
