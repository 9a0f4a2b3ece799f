"""TwiML: the builder's documents (checked against the official SDK) and the reply parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from twiliokit.errors import ValidationError
from twiliokit.twiml import Response, TwimlMessage, parse_messages, parse_voice_verbs


def canonical(xml_text: str) -> str:
    """C14N form: attribute order and the XML declaration no longer matter."""
    return ET.canonicalize(xml_text.removeprefix('<?xml version="1.0" encoding="UTF-8"?>'))


def test_voice_document_equals_official_sdk() -> None:
    """A voice document equals what twilio-python's VoiceResponse builds."""
    ours = Response()
    gather = ours.gather(action="/gather", input="speech dtmf", num_digits=1, timeout=5)
    gather.say("Press 1 for sales", voice="alice", language="en-US")
    ours.dial("+15558675310", caller_id="+15017122661", timeout=20).number(
        "+15551234567", send_digits="wwww1"
    )
    ours.record(max_length=30, play_beep=False).pause(length=2).hangup()

    sdk = VoiceResponse()
    sdk_gather = sdk.gather(action="/gather", input="speech dtmf", num_digits=1, timeout=5)
    sdk_gather.say("Press 1 for sales", voice="alice", language="en-US")
    sdk.dial("+15558675310", caller_id="+15017122661", timeout=20).number(
        "+15551234567", send_digits="wwww1"
    )
    sdk.record(max_length=30, play_beep=False)
    sdk.pause(length=2)
    sdk.hangup()
    assert canonical(str(ours)) == canonical(str(sdk))


def test_messaging_document_equals_official_sdk() -> None:
    """A message with media and a redirect equals what MessagingResponse builds."""
    ours = Response()
    ours.message("Hi there", to="+15558675310", from_="+15017122661").media(
        "https://example.com/cat.jpg"
    )
    ours.redirect("https://example.com/next", method="POST")

    sdk = MessagingResponse()
    sdk.message("Hi there", to="+15558675310", from_="+15017122661").media(
        "https://example.com/cat.jpg"
    )
    sdk.redirect("https://example.com/next", method="POST")
    assert canonical(str(ours)) == canonical(str(sdk))


def test_document_text() -> None:
    """str() gives the declaration and the verbs; leaf verbs chain, containers return the child."""
    response = Response().say("Hello").play("https://example.com/a.mp3", loop=2).reject()
    assert str(response) == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say>'
        '<Play loop="2">https://example.com/a.mp3</Play><Reject /></Response>'
    )
    assert str(response.message("x")) == "<Message>x</Message>"


def test_escaping() -> None:
    """Markup in text and attributes is escaped, never interpreted."""
    response = Response()
    response.message('<b>&"hi"</b> ]]>', to='"><Hangup/>')
    text = str(response)
    assert "<b>" not in text
    assert "<Hangup" not in text
    assert parse_messages(text) == [TwimlMessage('<b>&"hi"</b> ]]>', to='"><Hangup/>')]


def test_media_puts_text_in_body() -> None:
    """With media the text goes in <Body>, and both parse back."""
    response = Response()
    response.message("look", media=["https://example.com/a.jpg", "https://example.com/b.jpg"])
    assert "<Body>look</Body>" in str(response)
    (message,) = parse_messages(str(response))
    assert message.body == "look"
    assert message.media_urls == ("https://example.com/a.jpg", "https://example.com/b.jpg")


@pytest.mark.parametrize("text", ["null \x00 byte", "bell \x07", "\ufffe"])
def test_text_xml_cannot_carry_is_refused(text: str) -> None:
    """Characters XML cannot carry raise ValidationError naming the verb, not broken XML."""
    with pytest.raises(ValidationError) as caught:
        Response().say(text)
    assert caught.value.field == "say"


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")), max_size=80))
def test_message_bodies_round_trip(body: str) -> None:
    """Any printable body survives building and parsing (up to outer whitespace)."""
    response = Response()
    response.message(body, to="+14155552671", media=["https://example.com/x.png"])
    (message,) = parse_messages(str(response))
    assert message.body == body.strip()
    assert message.to == "+14155552671"


def test_parse_messages_reads_every_message() -> None:
    """Messages are read in order with to, from, action, method, and stripped text."""
    xml_text = """<?xml version="1.0" encoding="UTF-8"?>
    <Response>
      <Message to="+14155552671" from="+15017122661" action="/status" method="POST">
        First
      </Message>
      <Redirect>/next</Redirect>
      <Message><Body>Second</Body><Media> https://example.com/a.png </Media></Message>
    </Response>"""
    assert parse_messages(xml_text) == [
        TwimlMessage("First", "+14155552671", "+15017122661", (), "/status", "POST"),
        TwimlMessage("Second", media_urls=("https://example.com/a.png",)),
    ]


def test_empty_response_has_no_messages() -> None:
    """<Response/> means: send nothing."""
    assert parse_messages("<Response/>") == []
    assert parse_voice_verbs("<Response></Response>") == []


@pytest.mark.parametrize(
    ("xml_text", "message"),
    [
        ("", "the TwiML is empty"),
        ("<Response>", "the TwiML is not well-formed XML"),
        ("OK", "the TwiML is not well-formed XML"),
        ("<Reply/>", "the TwiML root is <Reply>"),
        ("<Response><Say>hi</Say></Response>", "<Say> is not a messaging verb"),
        ("<Response><Message/></Response>", "<Message> has no body and no media"),
        ("<Response><Message><Foo/></Message></Response>", "<Message> cannot hold <Foo>"),
        (
            '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<Response><Message>&b;</Message></Response>",
            "the TwiML has a DOCTYPE",
        ),
    ],
)
def test_parse_messages_refuses_malformed(xml_text: str, message: str) -> None:
    """Malformed TwiML raises ValidationError on the 'twiml' field with a fix."""
    with pytest.raises(ValidationError) as caught:
        parse_messages(xml_text)
    assert caught.value.message.startswith(message)
    assert caught.value.field == "twiml"
    assert caught.value.hint


def test_parse_voice_verbs() -> None:
    """Voice verbs come back in order; nouns follow their verb; SSML text is kept."""
    xml_text = (
        "<Response>"
        '<Say voice="alice">Hello <emphasis>there</emphasis></Say>'
        '<Gather numDigits="1" action="/menu"><Say>Press 1</Say><Pause length="1"/></Gather>'
        '<Dial callerId="+15017122661"><Number sendDigits="w1">+14155552671</Number></Dial>'
        "<Hangup/>"
        "</Response>"
    )
    assert parse_voice_verbs(xml_text) == [
        ("Say", {"voice": "alice"}, "Hello there"),
        ("Gather", {"numDigits": "1", "action": "/menu"}, ""),
        ("Gather/Say", {}, "Press 1"),
        ("Gather/Pause", {"length": "1"}, ""),
        ("Dial", {"callerId": "+15017122661"}, ""),
        ("Dial/Number", {"sendDigits": "w1"}, "+14155552671"),
        ("Hangup", {}, ""),
    ]


def test_parse_voice_verbs_refuses_unknown_verb() -> None:
    """A verb Twilio does not know is refused, as Twilio's parser would."""
    with pytest.raises(ValidationError, match="<Speak> is not a voice verb"):
        parse_voice_verbs("<Response><Speak>hi</Speak></Response>")
