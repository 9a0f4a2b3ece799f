"""Incoming messages: POST /_emulator/inbound, the signed webhook with Twilio's parameters,
TwiML replies, media, fallback, and STOP/START/HELP opt-out handling."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.helpers.oai import assert_conforms
from tests.helpers.sink import Received, WebhookSink
from twiliokit.emulator.testing import RunningEmulator

NUMBER = "+14155550100"
HANDSET = "+17067815146"  # Blairsville, GA
SERVICE = "MG" + "cd" * 16
STOP_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this "
    "number. Reply START to resubscribe."
)


def configure(api: httpx.Client, emulator: RunningEmulator, number: str, **params: str) -> None:
    """Set the owned number's webhook settings through IncomingPhoneNumbers."""
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/IncomingPhoneNumbers.json"
    [record] = api.get(path, params={"PhoneNumber": number}).json()["incoming_phone_numbers"]
    response = api.post(record["uri"], data=params)
    assert response.status_code == 200, response.text


def messages(api: httpx.Client, emulator: RunningEmulator, **params: str) -> list[dict[str, Any]]:
    response = api.get(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json", params=params)
    found: list[dict[str, Any]] = assert_conforms(response)["messages"]
    return found


def send(api: httpx.Client, emulator: RunningEmulator, **params: str) -> httpx.Response:
    form = {"To": HANDSET, "From": NUMBER, "Body": "hello", **params}
    return api.post(f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json", data=form)


def assert_signed(request: Received, auth_token: str) -> None:
    validator = RequestValidator(auth_token)
    params = dict(request.form) if request.method == "POST" else {}
    assert validator.validate(request.url, params, request.headers["x-twilio-signature"])


# --- the webhook ------------------------------------------------------------------------------


def test_inbound_calls_the_webhook_with_twilios_parameters(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """The webhook gets every §2.5 parameter, signed; the answer reports what it returned."""
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"))
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="Hi there")
    [request] = sink.at("/sms")
    assert request.method == "POST"
    assert_signed(request, emulator.auth_token)
    params = dict(request.form)
    sid = result["message_sid"]
    assert sid.startswith("SM")
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"] == sid
    assert (params["From"], params["To"], params["Body"]) == (HANDSET, NUMBER, "Hi there")
    assert (params["NumMedia"], params["NumSegments"]) == ("0", "1")
    assert (params["SmsStatus"], params["ApiVersion"]) == ("received", "2010-04-01")
    assert params["AccountSid"] == emulator.account_sid
    assert (params["FromCity"], params["FromState"], params["FromCountry"]) == (
        "BLAIRSVILLE",
        "GA",
        "US",
    )
    assert (params["ToCity"], params["ToState"], params["ToCountry"]) == (
        "SAN FRANCISCO",
        "CA",
        "US",
    )
    assert params["FromZip"] == params["ToZip"] == ""
    assert result["url"] == sink.url("/sms")
    assert (result["status"], result["response_body"]) == (200, "<Response/>")
    [message] = messages(api, emulator)
    assert (message["sid"], message["direction"], message["status"]) == (sid, "inbound", "received")
    assert (message["from"], message["to"], message["body"]) == (HANDSET, NUMBER, "Hi there")
    assert message["date_sent"] is not None


def test_number_without_sms_url_answers_nulls(emulator: RunningEmulator) -> None:
    """With no SmsUrl the message is recorded and url/status/response_body are null."""
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="anyone?")
    assert result["message_sid"].startswith("SM")
    assert (result["url"], result["status"], result["response_body"]) == (None, None, None)
    assert emulator.control.webhooks() == []


def test_get_webhooks_carry_parameters_in_the_query(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """SmsMethod=GET puts the parameters in the query string; the signature covers the URL."""
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms?tenant=7"), SmsMethod="GET")
    emulator.control.inbound(From=HANDSET, To=NUMBER, Body="via GET")
    [request] = sink.at("/sms")
    assert request.method == "GET"
    assert "Body=via+GET" in request.url
    assert "tenant=7" in request.url
    assert_signed(request, emulator.auth_token)


def test_unknown_to_is_a_control_error(emulator: RunningEmulator) -> None:
    """A To nobody owns gets 400 naming the field, not a traceback."""
    response = httpx.post(
        emulator.base_url + "/_emulator/inbound",
        json={"From": HANDSET, "To": "+14155559999", "Body": "x"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "To"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"To": NUMBER, "Body": "x"}, "From"),
        ({"From": "garbage", "To": NUMBER}, "From"),
        ({"From": HANDSET, "To": NUMBER, "MediaUrl": ["ftp://x/y.png"]}, "MediaUrl"),
        ({"From": HANDSET, "To": NUMBER, "Body": 5}, "Body"),
    ],
)
def test_bad_inbound_input_names_the_field(
    emulator: RunningEmulator, body: dict[str, Any], field: str
) -> None:
    """Each bad inbound request gets a 400 naming the offending field."""
    response = httpx.post(emulator.base_url + "/_emulator/inbound", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_inbound_media(api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink) -> None:
    """Media makes an MM message; MediaUrlN points at the emulator, which redirects to it."""
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"))
    source = "https://example.com/photo.png"
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="", MediaUrl=[source])
    assert result["message_sid"].startswith("MM")
    params = dict(sink.at("/sms")[0].form)
    assert (params["NumMedia"], params["MediaContentType0"]) == ("1", "image/png")
    assert params["MediaUrl0"].startswith(emulator.base_url + "/2010-04-01/Accounts/")
    redirect = httpx.get(params["MediaUrl0"])
    assert (redirect.status_code, redirect.headers["location"]) == (307, source)
    [message] = messages(api, emulator)
    assert message["num_media"] == "1"


def test_failed_webhook_falls_back(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """When SmsUrl answers 500, SmsFallbackUrl gets the request with ErrorCode 11200."""
    sink.respond("/sms", "boom", status=500, content_type="text/plain")
    sink.respond("/fallback", "<Response><Message>Sorry, try later</Message></Response>")
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"), SmsFallbackUrl=sink.url("/fallback"))
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="hello")
    [fallback] = sink.at("/fallback")
    assert (fallback.param("ErrorCode"), fallback.param("ErrorUrl")) == ("11200", sink.url("/sms"))
    assert_signed(fallback, emulator.auth_token)
    assert result["url"] == sink.url("/fallback")
    assert len(result["reply_sids"]) == 1


# --- TwiML replies ----------------------------------------------------------------------------


def test_twiml_message_becomes_an_outbound_reply(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """Each <Message> is sent as outbound-reply and goes through the lifecycle."""
    sink.respond(
        "/sms",
        '<?xml version="1.0"?><Response><Message action="/reply-status">Thanks!</Message>'
        "<Message><Body>Pic</Body><Media>https://example.com/a.jpg</Media></Message></Response>",
    )
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"))
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="hi")
    assert len(result["reply_sids"]) == 2
    text_sid, media_sid = result["reply_sids"]
    assert media_sid.startswith("MM")
    emulator.control.advance(3)
    replies = {m["sid"]: m for m in messages(api, emulator) if m["direction"] == "outbound-reply"}
    text = replies[text_sid]
    assert (text["from"], text["to"], text["body"]) == (NUMBER, HANDSET, "Thanks!")
    assert text["status"] == "delivered"
    assert replies[media_sid]["num_media"] == "1"
    statuses = [r.param("MessageStatus") for r in sink.at("/reply-status")]
    assert statuses == ["sending", "sent", "delivered"]


def test_bad_twiml_sends_nothing_and_says_why(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """A non-TwiML answer sends no reply; the control answer explains the TwiML error."""
    sink.respond("/sms", "<Response><Say>voice verb</Say></Response>")
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"))
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="hi")
    assert result["reply_sids"] == []
    assert "Say" in result["twiml_error"]


# --- opt-out keywords -------------------------------------------------------------------------


def test_stop_opts_out_auto_replies_and_still_forwards(
    api: httpx.Client, emulator: RunningEmulator, sink: WebhookSink
) -> None:
    """STOP blocks the sender (21610), Twilio's free auto-reply is recorded, the app still hears."""
    sink.respond("/sms", "<Response><Message>We will miss you</Message></Response>")
    configure(api, emulator, NUMBER, SmsUrl=sink.url("/sms"))
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body="  stop ")
    assert sink.at("/sms")[0].param("Body") == "  stop "
    assert result["reply_sids"] == []  # the app's reply to an opted-out number is not sent
    auto_sid = result["auto_reply_sid"]
    emulator.control.advance(3)
    [auto] = [m for m in messages(api, emulator) if m["sid"] == auto_sid]
    assert (auto["direction"], auto["body"]) == ("outbound-reply", STOP_REPLY)
    assert (auto["from"], auto["to"], auto["status"]) == (NUMBER, HANDSET, "delivered")
    assert auto["price"] == "0.00000"
    blocked = send(api, emulator)
    assert (blocked.status_code, blocked.json()["code"]) == (400, 21610)
    assert send(api, emulator, From="+14155550101").status_code == 201  # per sender


@pytest.mark.parametrize(
    "word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "revoke", "OptOut"]
)
def test_every_opt_out_synonym_opts_out(
    api: httpx.Client, emulator: RunningEmulator, word: str
) -> None:
    """Each of Twilio's opt-out keywords, in any case, blocks the sender."""
    emulator.control.inbound(From=HANDSET, To=NUMBER, Body=word)
    assert send(api, emulator).json()["code"] == 21610


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_opt_in_keywords_resubscribe(
    api: httpx.Client, emulator: RunningEmulator, word: str
) -> None:
    """START, YES and UNSTOP lift the block, with Twilio's re-subscribe reply."""
    emulator.control.inbound(From=HANDSET, To=NUMBER, Body="STOP")
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body=word)
    assert send(api, emulator).status_code == 201
    [auto] = [m for m in messages(api, emulator) if m["sid"] == result["auto_reply_sid"]]
    assert auto["body"].startswith("You have successfully been re-subscribed")


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_replies_without_changing_state(
    api: httpx.Client, emulator: RunningEmulator, word: str
) -> None:
    """HELP and INFO get Twilio's help text and change nothing."""
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body=word)
    [auto] = [m for m in messages(api, emulator) if m["sid"] == result["auto_reply_sid"]]
    assert auto["body"] == "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
    assert send(api, emulator).status_code == 201


@pytest.mark.parametrize("body", ["STOP PLEASE", "stop.", "please stop", ""])
def test_non_keywords_change_nothing(
    api: httpx.Client, emulator: RunningEmulator, body: str
) -> None:
    """Only a single keyword counts: longer messages get no auto-reply and no opt-out."""
    result = emulator.control.inbound(From=HANDSET, To=NUMBER, Body=body)
    assert result["auto_reply_sid"] is None
    assert send(api, emulator).status_code == 201


def test_stop_covers_the_messaging_service(api: httpx.Client, emulator: RunningEmulator) -> None:
    """STOP to a service's number opts the recipient out of the whole service."""
    assert send(api, emulator, From=SERVICE).status_code == 201
    emulator.control.inbound(From=HANDSET, To="+14155550101", Body="STOP")
    blocked = send(api, emulator, From=SERVICE)
    assert (blocked.status_code, blocked.json()["code"]) == (400, 21610)
    emulator.control.inbound(From=HANDSET, To="+14155550101", Body="START")
    assert send(api, emulator, From=SERVICE).status_code == 201
