"""WhatsApp in the emulator: whatsapp: addresses, owned senders, the 24-hour window (63016),
approved Content templates, read receipts and WhatsApp's webhook parameters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import WebhookSink
from twiliokit.emulator.testing import RunningEmulator

SENDER = "whatsapp:+14155238886"
USER = "whatsapp:+14155550123"
WINDOW_ERROR = (
    "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template."
)


def post(api: httpx.Client, emulator: RunningEmulator, **params: Any) -> httpx.Response:
    form = {"To": USER, "From": SENDER, "Body": "Your order shipped", **params}
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
    body: dict[str, Any] = assert_conforms(response)
    return body


def template(emulator: RunningEmulator, status: str = "approved") -> str:
    created = emulator.control.request(
        "POST",
        "/_emulator/content",
        {
            "friendly_name": "order_shipped",
            "body": "Hi {{1}}, order {{2}} shipped.",
            "variables": {"1": "there", "2": "0"},
            "whatsapp_status": status,
        },
    )
    sid: str = created["sid"]
    return sid


def test_free_form_outside_the_window_fails_63016(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Created 201 queued, then failed 63016 with a signed WhatsApp status callback."""
    message = create(api, emulator, StatusCallback=sink.url("/status"))
    assert (message["status"], message["to"], message["from"]) == ("queued", USER, SENDER)
    emulator.control.advance(1)
    failed = fetch(api, emulator, message["sid"])
    assert (failed["status"], failed["error_code"]) == ("failed", 63016)
    assert failed["error_message"] == WINDOW_ERROR
    [callback] = sink.at("/status")
    params = dict(callback.form)
    assert (params["MessageStatus"], params["ErrorCode"]) == ("failed", "63016")
    assert (params["ChannelPrefix"], params["ChannelToAddress"]) == ("whatsapp", "+14155550123")
    assert RequestValidator(emulator.auth_token).validate(
        callback.url, params, callback.headers["x-twilio-signature"]
    )


def test_an_inbound_message_opens_the_24_hour_window(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """After the user writes, free-form messages deliver; 24 hours later they fail again."""
    emulator.control.inbound(From=USER, To=SENDER, Body="Where is my order?")
    inside = create(api, emulator, StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(3)
    assert fetch(api, emulator, inside)["status"] == "delivered"
    delivered = dict(sink.at("/status")[-1].form)
    assert (delivered["MessageStatus"], delivered["EventType"]) == ("delivered", "DELIVERED")
    emulator.control.advance(24 * 3600)
    outside = create(api, emulator)["sid"]
    emulator.control.advance(1)
    assert fetch(api, emulator, outside)["error_code"] == 63016


def test_read_receipts(api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink) -> None:
    """A handset set to 'read' takes WhatsApp messages on to read, with EventType READ."""
    emulator.control.request("POST", "/_emulator/handsets", {"number": USER, "outcome": "read"})
    emulator.control.inbound(From=USER, To=SENDER, Body="hi")
    sid = create(api, emulator, StatusCallback=sink.url("/status"))["sid"]
    emulator.control.advance(4)
    assert fetch(api, emulator, sid)["status"] == "read"
    received = sink.at("/status")
    assert [r.param("MessageStatus") for r in received] == ["sending", "sent", "delivered", "read"]
    assert received[-1].param("EventType") == "READ"


def test_approved_template_may_start_a_conversation(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """An approved ContentSid goes outside the window, its body filled from ContentVariables."""
    sid = template(emulator)
    message = create(
        api, emulator, Body=None, ContentSid=sid, ContentVariables='{"1": "Ada", "2": "42"}'
    )
    assert message["body"] == "Hi Ada, order 42 shipped."
    emulator.control.advance(3)
    assert fetch(api, emulator, message["sid"])["status"] == "delivered"


def test_unapproved_template_is_still_free_form(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """A template WhatsApp has not approved fails 63016 outside the window."""
    message = create(api, emulator, Body=None, ContentSid=template(emulator, "pending"))
    assert message["body"] == "Hi there, order 0 shipped."  # the template's defaults
    emulator.control.advance(1)
    assert fetch(api, emulator, message["sid"])["error_code"] == 63016


@pytest.mark.parametrize("variables", ["not json", '["a"]', '{"1": null}'])
def test_bad_content_variables_are_21656(
    api: httpx.Client, emulator: RunningEmulator, variables: str
) -> None:
    """ContentVariables must be a JSON object of values."""
    response = post(api, emulator, ContentSid=template(emulator), ContentVariables=variables)
    assert (response.status_code, response.json()["code"]) == (400, 21656)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"From": "whatsapp:+14155550100"}, 63007),  # owned SMS number, not a WhatsApp sender
        ({"From": "+14155550100"}, 21910),
        ({"To": "whatsapp:+1415"}, 21211),
    ],
)
def test_whatsapp_sender_errors(
    api: httpx.Client, emulator: RunningEmulator, params: dict[str, str], code: int
) -> None:
    """From must be an owned WhatsApp sender, on the same channel as To."""
    response = post(api, emulator, **params)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_no_geo_permissions_or_opt_out_keywords_on_whatsapp(
    api: httpx.Client, emulator: RunningEmulator
) -> None:
    """SMS geo permissions do not apply to WhatsApp, and STOP on WhatsApp is just text."""
    japan = "whatsapp:+81312345678"
    emulator.control.inbound(From=japan, To=SENDER, Body="STOP")
    message = create(api, emulator, To=japan)
    assert message["status"] == "queued"
    emulator.control.advance(3)
    assert fetch(api, emulator, message["sid"])["status"] == "delivered"


def test_whatsapp_webhook_parameters(emulator: RunningEmulator, sink: WebhookSink) -> None:
    """The sender's webhook gets ProfileName, WaId and MessageType, whatsapp: addresses, signed."""
    emulator.control.request(
        "POST", "/_emulator/whatsapp-senders", {"number": SENDER, "sms_url": sink.url("/wa")}
    )
    emulator.control.inbound(
        From=USER,
        To=SENDER,
        Body="photo",
        ProfileName="Ada",
        MediaUrl=["https://example.com/p.jpg"],
    )
    [request] = sink.at("/wa")
    params = dict(request.form)
    assert (params["From"], params["To"]) == (USER, SENDER)
    assert (params["ProfileName"], params["WaId"]) == ("Ada", "14155550123")
    assert (params["MessageType"], params["NumMedia"]) == ("image", "1")
    assert "FromCity" not in params
    assert RequestValidator(emulator.auth_token).validate(
        request.url, params, request.headers["x-twilio-signature"]
    )


def test_whatsapp_senders_are_listed_and_configurable(emulator: RunningEmulator) -> None:
    """The control API lists the WhatsApp senders and rejects a bad URL naming the field."""
    listed = emulator.control.request("GET", "/_emulator/whatsapp-senders")["whatsapp_senders"]
    assert [s["number"] for s in listed] == [SENDER]
    response = httpx.post(
        emulator.base_url + "/_emulator/whatsapp-senders",
        json={"number": SENDER, "sms_url": "nope"},
    )
    assert (response.status_code, response.json()["error"]["field"]) == (400, "sms_url")
