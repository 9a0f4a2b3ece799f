"""Compliance before a request leaves, end to end: the catalogue's send actions on the
emulator, a SQLite ledger, LedgerHooks. A refusal must leave no request and no message."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from tests.integration.compliance.conftest import (
    OPTED_OUT_MAGIC,
    SENDER,
    TO,
    WHATSAPP_SENDER,
    WHATSAPP_TO,
    Harness,
)
from twiliokit.compliance import ComplianceSettings, QuietHours
from twiliokit.errors import OptedOutError, PolicyError, TwilioError, WhatsAppWindowError
from twiliokit.ledger import (
    Direction,
    LedgerBatch,
    MessageRecord,
    MessageStatus,
    OptOutEvent,
    keyword_action,
    sender_key,
)

pytestmark = pytest.mark.anyio

_inbound_sids = itertools.count(1)


async def inbound(harness: Harness, body: str, *, from_: str = TO, to: str = SENDER) -> None:
    """Record an inbound message the way the webhook receiver does: the message, and the
    consent event when its body is a keyword."""
    sid = f"SM{next(_inbound_sids):032x}"
    at = harness.clock()
    action = keyword_action(body)
    consent: tuple[OptOutEvent, ...] = ()
    if action is not None:
        consent = (
            OptOutEvent(
                sender_key=sender_key(to, None),
                recipient=from_,
                action=action,
                at=at,
                keyword=body.upper(),
                message_sid=sid,
            ),
        )
    message = MessageRecord(
        sid=sid,
        account_sid=harness.connection.account_sid,
        direction=Direction.INBOUND,
        from_=from_,
        to=to,
        status=MessageStatus.RECEIVED,
        date_created=at,
        body=body,
    )
    await harness.ledger.write(LedgerBatch(messages=(message,), opt_outs=consent))


async def refused_without_a_request(
    harness: Harness, error: type[Exception], action: str, arguments: Mapping[str, object]
) -> Exception:
    """Run a send that must be refused: no request leaves, the emulator gets no message."""
    requests, messages = harness.transport.requests, harness.emulator_messages()
    with pytest.raises(error) as caught:
        await harness.run(action, arguments)
    assert harness.transport.requests == requests
    assert harness.emulator_messages() == messages
    return caught.value


# --- opt-outs --------------------------------------------------------------------------------


async def test_stop_refuses_the_next_send_and_start_enables_it_again(harness: Harness) -> None:
    """After STOP, send_sms is refused with OptedOutError before any request; after START it
    goes again."""
    await harness.run("send_sms", {"to": TO, "body": "Your order shipped"})
    harness.clock.advance(minutes=1)
    await inbound(harness, "stop")

    error = await refused_without_a_request(
        harness, OptedOutError, "send_sms", {"to": TO, "body": "One more thing"}
    )
    assert "replied STOP" in str(error)
    assert "START" in (getattr(error, "hint", "") or "")
    # Another of our numbers is not blocked: STOP is per sender.
    await harness.run("send_sms", {"to": TO, "body": "hi", "from": "+14155550100"})

    harness.clock.advance(minutes=1)
    await inbound(harness, "START")
    before = harness.emulator_messages()
    await harness.run("send_sms", {"to": TO, "body": "Welcome back"})
    assert harness.emulator_messages() == before + 1


async def test_a_21610_from_twilio_becomes_an_opt_out_and_the_next_send_is_refused_fast(
    harness: Harness,
) -> None:
    """Twilio's 21610 (magic To +15005550004) is recorded as an opt-out (source
    twilio_21610); the next send to them is refused without a request."""
    with pytest.raises(TwilioError) as caught:
        await harness.run("send_sms", {"to": OPTED_OUT_MAGIC, "body": "hi"})
    assert caught.value.code == 21610

    listed = await harness.run("list_opt_outs", {"recipient": OPTED_OUT_MAGIC})
    assert [(o["sender"], o["source"]) for o in listed["opt_outs"]] == [(SENDER, "twilio_21610")]
    await refused_without_a_request(
        harness, OptedOutError, "send_sms", {"to": OPTED_OUT_MAGIC, "body": "hi again"}
    )


# --- the WhatsApp window ---------------------------------------------------------------------


async def test_the_whatsapp_window_is_enforced_from_the_ledger(harness: Harness) -> None:
    """No inbound: free-form refused; after an inbound: allowed; 24 hours later: refused
    again; a template is allowed throughout."""
    free_form = {"to": WHATSAPP_TO, "from": WHATSAPP_SENDER, "body": "Your order shipped"}
    error = await refused_without_a_request(
        harness, WhatsAppWindowError, "send_whatsapp", free_form
    )
    assert "content_sid" in (getattr(error, "hint", "") or "")

    await inbound(harness, "Where is my order?", from_=WHATSAPP_TO, to=WHATSAPP_SENDER)
    harness.emulator.control.inbound(From=WHATSAPP_TO, To=WHATSAPP_SENDER, Body="Where?")
    sent = await harness.run("send_whatsapp", free_form)
    assert sent["status"] == "queued"

    harness.clock.advance(hours=24)
    await refused_without_a_request(harness, WhatsAppWindowError, "send_whatsapp", free_form)

    template = harness.emulator.control.request(
        "POST",
        "/_emulator/content",
        {"friendly_name": "order_update", "body": "Order {{1}} shipped.", "variables": {"1": "0"}},
    )
    sent = await harness.run(
        "send_whatsapp",
        {
            "to": WHATSAPP_TO,
            "from": WHATSAPP_SENDER,
            "content_sid": template["sid"],
            "content_variables": {"1": "42"},
        },
    )
    assert sent["body"] == "Order 42 shipped."


async def test_a_63016_from_the_emulator_is_recorded_as_the_failure_it_is(
    harness: Harness,
) -> None:
    """When the ledger thinks the window is open but Twilio does not, the message fails with
    63016 later; wait_for_delivery records it as failed/63016 (not as an opt-out)."""
    await inbound(harness, "hi", from_=WHATSAPP_TO, to=WHATSAPP_SENDER)  # ledger only
    sent = await harness.run(
        "send_whatsapp", {"to": WHATSAPP_TO, "from": WHATSAPP_SENDER, "body": "free-form"}
    )
    harness.emulator.control.advance(2)

    result = await harness.run("wait_for_delivery", {"sid": sent["sid"], "timeout_seconds": 10})
    assert (result["status"], result["final"], result["error_code"]) == ("failed", True, 63016)
    assert "content_sid" in result["error_hint"]
    record = await harness.ledger.get_message(sent["sid"])
    assert record is not None
    assert (record.status, record.error_code) == (MessageStatus.FAILED, 63016)
    assert await harness.ledger.list_opt_outs() == []


# --- policies --------------------------------------------------------------------------------


async def test_quiet_hours_refuse_at_night_in_the_recipients_time_zone(harness: Harness) -> None:
    """21:00-08:00: at 22:30 in San Francisco an SMS and a call are refused; at 09:00 they go."""
    harness.settings = ComplianceSettings(
        quiet_hours=QuietHours(start="21:00", end="08:00")  # type: ignore[arg-type]
    )
    harness.clock.now = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)  # 22:30 PST
    error = await refused_without_a_request(
        harness, PolicyError, "send_sms", {"to": TO, "body": "Late news"}
    )
    assert "22:30" in str(error)
    assert "America/Los_Angeles" in str(error)
    await refused_without_a_request(harness, PolicyError, "make_call", {"to": TO, "say": "Hello"})

    harness.clock.now = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 09:00 PST
    await harness.run("send_sms", {"to": TO, "body": "Good morning"})


async def test_the_quiet_hours_hint_gives_a_send_at_that_is_taken(harness: Harness) -> None:
    """The refusal's hint names a send_at (no Messaging Service needed); the same send with
    that send_at is held by the outbox, not refused; inside quiet hours it is refused again."""
    harness.settings = ComplianceSettings(
        quiet_hours=QuietHours(start="21:00", end="08:00")  # type: ignore[arg-type]
    )
    harness.clock.now = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)  # 22:30 PST
    error = await refused_without_a_request(
        harness, PolicyError, "send_sms", {"to": TO, "body": "Late news"}
    )
    assert error.hint is not None
    assert "Messaging Service" not in error.hint
    assert 'send_at "2026-03-02T16:00:00Z"' in error.hint  # 08:00 PST
    held = await harness.run(
        "send_sms", {"to": TO, "body": "Late news", "send_at": "2026-03-02T16:00:00Z"}
    )
    assert held["status"] == "scheduled"
    too_early = await refused_without_a_request(
        harness,
        PolicyError,
        "send_sms",
        {"to": TO, "body": "Late news", "send_at": "2026-03-02T15:00:00Z"},
    )
    assert too_early.field == "send_at"
    assert (
        too_early.hint == "Give it a send_at at or after 08:00 their time (2026-03-02T16:00:00Z)."
    )


async def test_only_allowed_countries_are_reached(harness: Harness) -> None:
    """With allowed_countries = [GB] a US number is refused; with [US] it is sent."""
    harness.settings = ComplianceSettings(allowed_countries=frozenset({"GB"}))
    error = await refused_without_a_request(
        harness, PolicyError, "send_sms", {"to": TO, "body": "hi"}
    )
    assert "in US" in str(error)
    harness.settings = ComplianceSettings(allowed_countries=frozenset({"US"}))
    await harness.run("send_sms", {"to": TO, "body": "hi"})


async def test_the_daily_cap_counts_the_last_24_hours(harness: Harness) -> None:
    """daily_cap = 2: the third message in a day is refused; a day later it goes."""
    harness.settings = ComplianceSettings(daily_cap=2)
    await harness.run("send_sms", {"to": TO, "body": "one"})
    await harness.run("send_sms", {"to": TO, "body": "two"})
    await refused_without_a_request(harness, PolicyError, "send_sms", {"to": TO, "body": "three"})
    harness.clock.advance(hours=24, seconds=1)
    await harness.run("send_sms", {"to": TO, "body": "three"})


# --- what every send records -----------------------------------------------------------------


async def test_sends_are_recorded_with_the_receivers_status_callback(harness: Harness) -> None:
    """With no status_callback given, the message and the call get the receiver's URLs (Twilio
    posts there) and both are recorded in the ledger with their first status."""
    sent = await harness.run("send_sms", {"to": TO, "body": "hi"})
    call = await harness.run("make_call", {"to": TO, "say": "Hello there"})
    harness.emulator.control.advance(20)

    statuses = harness.sink.at("/webhooks/twilio/message-status")
    assert {r.param("MessageSid") for r in statuses} == {sent["sid"]}
    assert statuses[-1].param("MessageStatus") == "delivered"
    calls = harness.sink.at("/webhooks/twilio/call-status")
    assert [(r.param("CallSid"), r.param("CallStatus")) for r in calls] == [
        (call["sid"], "completed")
    ]

    record = await harness.ledger.get_message(sent["sid"])
    assert record is not None
    assert (record.direction, record.to, record.body) == (Direction.OUTBOUND_API, TO, "hi")
    [event] = await harness.ledger.status_history(sent["sid"])
    assert (event.status, event.source.value) == (MessageStatus.QUEUED, "api")
    recorded_call = await harness.ledger.get_call(call["sid"])
    assert recorded_call is not None
    assert recorded_call.to == TO


async def test_a_status_callback_the_caller_gives_is_kept(harness: Harness) -> None:
    """A send with its own status_callback posts there, not to the receiver."""
    own = harness.sink.url("/mine")
    await harness.run("send_sms", {"to": TO, "body": "hi", "status_callback": own})
    harness.emulator.control.advance(5)
    assert harness.sink.at("/mine")
    assert not harness.sink.at("/webhooks/twilio/message-status")
