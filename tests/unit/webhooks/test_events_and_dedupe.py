"""Parsing Twilio's webhook parameters into typed events (keywords included), and the dedupe
key of each kind of delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from twiliokit.errors import ValidationError
from twiliokit.ledger import CallStatus, Channel, MessageStatus, OptOutAction, WebhookKind
from twiliokit.webhooks.dedupe import claim_key, make_claim
from twiliokit.webhooks.events import (
    opt_out_event,
    parse_call_received,
    parse_call_status,
    parse_message_received,
    parse_message_status,
    parse_verify_events,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SID = "SM" + "1" * 32


def inbound(**overrides: str) -> tuple[tuple[str, str], ...]:
    params = {
        "MessageSid": SID,
        "AccountSid": "AC" + "0" * 32,
        "From": "+14155550123",
        "To": "+14155550100",
        "Body": "hello",
        "NumMedia": "0",
        "NumSegments": "1",
        **overrides,
    }
    return tuple(params.items())


def test_an_inbound_sms_becomes_a_message_received() -> None:
    """The core fields are typed; every parameter is kept, unknown ones included."""
    params = inbound(FutureParam="x")
    event = parse_message_received(params, received_at=NOW, idempotency_token="tok")
    assert (event.sid, event.from_, event.to, event.body) == (
        SID,
        "+14155550123",
        "+14155550100",
        "hello",
    )
    assert (event.channel, event.num_segments, event.opt_out) == (Channel.SMS, 1, None)
    assert event.params == params
    assert event.idempotency_token == "tok"


def test_mms_media_and_whatsapp_are_recognised() -> None:
    """MediaUrlN/MediaContentTypeN become Media; whatsapp: addresses set the channel."""
    mms = parse_message_received(
        inbound(
            NumMedia="2",
            MediaUrl0="https://api.twilio.com/m0",
            MediaContentType0="image/png",
            MediaUrl1="https://api.twilio.com/m1",
        ),
        received_at=NOW,
    )
    assert [(m.url, m.content_type) for m in mms.media] == [
        ("https://api.twilio.com/m0", "image/png"),
        ("https://api.twilio.com/m1", None),
    ]
    assert mms.channel is Channel.MMS
    whatsapp = parse_message_received(
        inbound(From="whatsapp:+14155550123", To="whatsapp:+14155238886", ProfileName="Ann"),
        received_at=NOW,
    )
    assert (whatsapp.channel, whatsapp.profile_name) == (Channel.WHATSAPP, "Ann")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (inbound(MessageSid=""), "MessageSid"),
        (inbound(From=""), "From"),
        (inbound(NumMedia="two"), "NumMedia"),
        (inbound(NumMedia="1"), "MediaUrl0"),
    ],
)
def test_unusable_inbound_parameters_name_the_field(
    params: tuple[tuple[str, str], ...], field: str
) -> None:
    """Missing or malformed parameters raise ValidationError naming them (the receiver's 400)."""
    with pytest.raises(ValidationError) as caught:
        parse_message_received(params, received_at=NOW)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ("STOP", OptOutAction.STOP),
        (" unsubscribe ", OptOutAction.STOP),
        ("optout", OptOutAction.STOP),
        ("Start", OptOutAction.START),
        ("unstop", OptOutAction.START),
        ("info", OptOutAction.HELP),
        ("STOP PLEASE", None),
        ("stopped", None),
    ],
)
def test_only_single_keyword_bodies_change_consent(body: str, action: OptOutAction | None) -> None:
    """Twilio's default keywords: one word, any case; a sentence is not a keyword."""
    event = parse_message_received(inbound(Body=body), received_at=NOW)
    assert event.opt_out is action


def test_opt_out_type_wins_and_whatsapp_needs_it() -> None:
    """Advanced Opt-Out's OptOutType applies custom keywords; WhatsApp has no default ones."""
    custom = parse_message_received(inbound(Body="ARRET", OptOutType="STOP"), received_at=NOW)
    assert (custom.opt_out, custom.keyword) == (OptOutAction.STOP, "ARRET")
    whatsapp = inbound(From="whatsapp:+14155550123", To="whatsapp:+14155238886", Body="STOP")
    assert parse_message_received(whatsapp, received_at=NOW).opt_out is None


def test_the_opt_out_is_keyed_on_the_messaging_service_when_there_is_one() -> None:
    """sender = the Messaging Service SID if any, else our number; recipient = the user."""
    plain = opt_out_event(parse_message_received(inbound(Body="stop"), received_at=NOW))
    assert plain is not None
    assert (plain.sender_key, plain.recipient, plain.message_sid) == (
        "+14155550100",
        "+14155550123",
        SID,
    )
    service = "MG" + "2" * 32
    via = opt_out_event(
        parse_message_received(inbound(Body="stop", MessagingServiceSid=service), received_at=NOW)
    )
    assert via is not None
    assert via.sender_key == service
    assert opt_out_event(parse_message_received(inbound(), received_at=NOW)) is None


def test_status_callbacks_parse_status_and_error() -> None:
    """MessageStatus (or SmsStatus) and ErrorCode are typed; an unknown status is refused."""
    event = parse_message_status(
        (("SmsSid", SID), ("SmsStatus", "undelivered"), ("ErrorCode", "30003")), received_at=NOW
    )
    assert (event.sid, event.status, event.error_code) == (SID, MessageStatus.UNDELIVERED, 30003)
    with pytest.raises(ValidationError) as caught:
        parse_message_status((("MessageSid", SID), ("MessageStatus", "lost")), received_at=NOW)
    assert caught.value.field == "status"


def test_call_webhooks_parse() -> None:
    """Voice requests and call status callbacks become CallReceived / CallStatusChanged."""
    common = (("CallSid", "CA1"), ("AccountSid", "AC1"), ("From", "+1"), ("To", "+2"))
    received = parse_call_received(
        (*common, ("CallStatus", "in-progress"), ("Digits", "42")), received_at=NOW
    )
    assert (received.status, received.digits, received.direction) == (
        CallStatus.IN_PROGRESS,
        "42",
        "inbound",
    )
    status = parse_call_status(
        (*common, ("CallStatus", "completed"), ("CallDuration", "61"), ("SequenceNumber", "3")),
        received_at=NOW,
    )
    assert (status.status, status.duration, status.sequence_number) == (
        CallStatus.COMPLETED,
        61,
        3,
    )


def test_verify_events_accept_a_list_or_one_object_and_refuse_junk() -> None:
    """CloudEvents in a list or alone; each needs an id and a type."""
    event = {
        "id": "e1",
        "type": "com.twilio.accountsecurity.verify.verification.approved",
        "data": {"verification_sid": "VE1", "service_sid": "VA1"},
    }
    [one] = parse_verify_events(event, received_at=NOW)
    assert (one.status, one.verification_sid, one.service_sid) == ("approved", "VE1", "VA1")
    assert len(parse_verify_events([event, {**event, "id": "e2"}], received_at=NOW)) == 2
    for junk in ([], ["x"], [{"type": "t"}], {"id": "e"}):
        with pytest.raises(ValidationError):
            parse_verify_events(junk, received_at=NOW)


def test_dedupe_keys_follow_the_event_identity() -> None:
    """Inbound: the MessageSid (whatever the token); statuses: sid and status; voice: the
    token, else all parameters; Verify: the token, else the event ids."""
    inbound_kind = WebhookKind.INCOMING_MESSAGE
    assert claim_key(inbound_kind, token="a", sid=SID) == claim_key(
        inbound_kind, token="b", sid=SID
    )
    sent = claim_key(WebhookKind.MESSAGE_STATUS, token="a", sid=SID, status="sent")
    delivered = claim_key(WebhookKind.MESSAGE_STATUS, token="a", sid=SID, status="delivered")
    assert sent != delivered
    voice = WebhookKind.INCOMING_CALL
    gather_1 = claim_key(voice, token=None, params=[("CallSid", "CA1"), ("Digits", "1")])
    gather_2 = claim_key(voice, token=None, params=[("CallSid", "CA1"), ("Digits", "2")])
    assert gather_1 != gather_2
    assert claim_key(voice, token="t1") != claim_key(voice, token="t2")
    verify = WebhookKind.OTHER
    assert claim_key(verify, token=None, ids=["b", "a"]) == claim_key(
        verify, token=None, ids=["a", "b"]
    )


def test_long_keys_are_hashed_to_fit_the_ledger() -> None:
    """A key longer than the ledger allows becomes its SHA-256; the claim is valid."""
    key = claim_key(WebhookKind.INCOMING_CALL, token="x" * 400)
    assert key.startswith("sha256:")
    assert len(key) < 255
    assert make_claim(WebhookKind.INCOMING_CALL, key).kind == "webhook:incoming-call"
