"""Reconciliation's matching: which listed message or call is the one an unknown item asked
for (pure; the I/O side is in tests/integration/outbox/test_crash.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from twiliokit.outbox.reconcile import Window, call_matches, message_matches

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
WINDOW = Window(T0 - timedelta(minutes=10), T0 + timedelta(minutes=10))
MG = "MG" + "1" * 32


@dataclass
class Listed:
    """A listed message or call, with the fields reconciliation reads."""

    to: str = "+14155550100"
    from_: str = "+15005550006"
    body: str | None = "hello"
    num_media: int | None = 0
    messaging_service_sid: str | None = None
    date_created: datetime | None = T0


REQUEST = {"to": "+14155550100", "from_": "+15005550006", "body": "hello"}


def test_a_message_matches_on_recipient_sender_body_media_and_time() -> None:
    """Same to, from, body, no media, created in the window: a match; any one different: not."""
    assert message_matches(REQUEST, Listed(), WINDOW)
    assert not message_matches(REQUEST, Listed(to="+14155550199"), WINDOW)
    assert not message_matches(REQUEST, Listed(from_="+15005550007"), WINDOW)
    assert not message_matches(REQUEST, Listed(body="hello!"), WINDOW)
    assert not message_matches(REQUEST, Listed(num_media=1), WINDOW)
    assert not message_matches(REQUEST, Listed(date_created=T0 - timedelta(hours=1)), WINDOW)
    assert not message_matches(REQUEST, Listed(date_created=None), WINDOW)


def test_a_service_or_template_message_matches_what_twilio_can_show() -> None:
    """Through a Messaging Service the number is Twilio's choice (the service must match); a
    template's body is rendered by Twilio (not compared); media are counted."""
    by_service = {"to": "+14155550100", "messaging_service_sid": MG, "body": "hello"}
    assert message_matches(by_service, Listed(messaging_service_sid=MG), WINDOW)
    assert not message_matches(by_service, Listed(messaging_service_sid=None), WINDOW)
    template = {**REQUEST, "body": None, "content_sid": "HX" + "2" * 32}
    assert message_matches(template, Listed(body="Your code is 1234"), WINDOW)
    media = {**REQUEST, "media_url": ["https://example.com/a.png"]}
    assert message_matches(media, Listed(num_media=1), WINDOW)


def test_a_call_matches_on_to_from_and_time() -> None:
    """A call is matched by its numbers and when it was created."""
    request = {"to": "+14155550100", "from_": "+15005550006", "twiml": "<Response/>"}
    assert call_matches(request, Listed(), WINDOW)
    assert not call_matches(request, Listed(date_created=T0 + timedelta(hours=1)), WINDOW)
