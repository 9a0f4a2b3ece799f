"""The executor's request format (pure): an approved intent becomes the request stored in the
outbox and back again, and a send's error becomes the item's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from twiliokit.actions.hooks import SendIntent
from twiliokit.actions.outbox_requests import intent_of, request_of, sender_of
from twiliokit.actions.sending import new_outbox_id, outcome_of_error
from twiliokit.errors import (
    ConnectError,
    OptedOutError,
    TwilioError,
    UnknownOutcomeError,
    ValidationError,
)
from twiliokit.ledger.outbox_records import OutcomeKind

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TO = "+14155552671"

INTENTS = [
    SendIntent(
        channel="mms",
        to=TO,
        from_="+15005550006",
        body="look",
        media_urls=("https://example.com/a.png",),
        status_callback="https://agent.invalid/webhooks/twilio/message-status",
        details={"validity_period": 600, "smart_encoded": True},
    ),
    SendIntent(
        channel="whatsapp",
        to="whatsapp:" + TO,
        from_=None,
        messaging_service_sid="MG" + "a" * 32,
        content_sid="HX" + "b" * 32,
        details={"content_variables": {"1": "Ada", "2": "10:30 \u2615"}},
    ),
    SendIntent(
        channel="call",
        to=TO,
        from_="+15005550006",
        details={
            "twiml": "<Response><Say>hi</Say></Response>",
            "status_callback_event": ["answered", "completed"],
            "ring_timeout": 20,
            "record": True,
        },
    ),
    SendIntent(
        channel="whatsapp",
        to=TO,
        from_=None,
        service_sid="VA" + "c" * 32,
        details={"channel": "whatsapp", "locale": "pt-BR", "rate_limits": {"ip": "203.0.113.7"}},
    ),
]


@pytest.mark.parametrize("intent", INTENTS, ids=lambda intent: intent.channel)
def test_a_request_reads_back_as_the_intent_that_made_it(intent: SendIntent) -> None:
    """request_of then intent_of gives the same request: what a worker re-checks and sends is
    what the action approved."""
    request = request_of(intent)
    again = intent_of(intent.kind, request)
    assert request_of(again) == request
    assert (again.kind, again.to, sender_of(again)) == (intent.kind, intent.to, sender_of(intent))


def test_a_message_request_is_the_clients_keywords_without_nones() -> None:
    """A message request holds create_message's keywords, content variables as JSON text,
    media as a list, and nothing that is None."""
    request = request_of(INTENTS[1])
    assert request == {
        "to": "whatsapp:" + TO,
        "messaging_service_sid": "MG" + "a" * 32,
        "content_sid": "HX" + "b" * 32,
        "content_variables": '{"1": "Ada", "2": "10:30 \u2615"}',
    }
    assert request_of(INTENTS[0])["media_url"] == ["https://example.com/a.png"]


def test_a_send_without_a_sender_names_from() -> None:
    """An intent with no sender at all has no pacing key: refused naming 'from'."""
    with pytest.raises(ValidationError) as caught:
        sender_of(SendIntent(channel="sms", to=TO, from_=None))
    assert caught.value.field == "from"


def test_outbox_ids_are_ob_and_32_hex_digits() -> None:
    """Every send's item id is OB + uuid4's 32 hex digits, and new each time."""
    first, second = new_outbox_id(), new_outbox_id()
    assert first != second
    assert first.startswith("OB")
    assert int(first[2:], 16) >= 0
    assert len(first) == 34


@pytest.mark.parametrize(
    ("error", "left", "kind"),
    [
        (OptedOutError("stopped"), False, OutcomeKind.REFUSED),
        (TwilioError("invalid", status=400, code=21211), True, OutcomeKind.FAILED),
        (UnknownOutcomeError("lost", method="POST", url=""), True, OutcomeKind.UNKNOWN),
        (ConnectError("refused"), True, OutcomeKind.FAILED),
        (ValidationError("no sender", field="from"), True, OutcomeKind.FAILED),
        (KeyboardInterrupt(), False, OutcomeKind.FAILED),
        (KeyboardInterrupt(), True, OutcomeKind.UNKNOWN),
    ],
)
def test_each_error_ends_the_item_as_it_should(
    error: BaseException, left: bool, kind: OutcomeKind
) -> None:
    """A refusal is refused, Twilio's answer failed (with its code), a lost answer or a request
    stopped after it left unknown, and what never left failed ("nothing was sent"), an
    interruption said in words, not as the name of a Python exception."""
    outcome = outcome_of_error(error, at=AT, left=left)
    assert outcome.kind == kind
    if isinstance(error, TwilioError):
        assert outcome.error_code == 21211
    if outcome.kind is OutcomeKind.FAILED and not isinstance(error, TwilioError | ValidationError):
        assert outcome.reason is not None
        assert outcome.reason.startswith("nothing was sent: ")
        assert "KeyboardInterrupt" not in outcome.reason


def test_a_worker_queues_again_what_never_left() -> None:
    """With retry_at (the workers), a connection that never opened queues the item again."""
    retry_at = AT + timedelta(seconds=30)
    outcome = outcome_of_error(ConnectError("refused"), at=AT, left=True, retry_at=retry_at)
    assert (outcome.kind, outcome.retry_at) == (OutcomeKind.RETRY, retry_at)
