"""LedgerHooks over the in-memory ledger, and chain_hooks: what is refused, filled in and
recorded around a send."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from twiliokit.actions.hooks import NoHooks, SendHooks, SendIntent, chain_hooks
from twiliokit.compliance import ComplianceSettings, LedgerHooks, QuietHours
from twiliokit.compliance.hooks import CALL_STATUS_PATH, MESSAGE_STATUS_PATH
from twiliokit.errors import (
    ConfigurationError,
    OptedOutError,
    PolicyError,
    TwilioError,
    WhatsAppWindowError,
)
from twiliokit.ledger import (
    Direction,
    MemoryLedger,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
    OptOutSource,
)
from twiliokit.resources.calls import Call
from twiliokit.resources.messages import Message

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # 10:00 in San Francisco
ACCOUNT = "AC" + "0" * 32
US = "+15005550006"
THEM = "+14155552671"
WA_US = "whatsapp:+14155238886"
WA_THEM = "whatsapp:" + THEM
SERVICE = "MG" + "1" * 32
PUBLIC = "https://abc.ngrok.app"


def sms(**fields: Any) -> SendIntent:
    values: dict[str, Any] = {"channel": "sms", "to": THEM, "from_": US, "body": "hi"}
    values.update(fields)
    return SendIntent(**values)


def whatsapp(**fields: Any) -> SendIntent:
    values: dict[str, Any] = {"channel": "whatsapp", "to": WA_THEM, "from_": WA_US, "body": "hi"}
    values.update(fields)
    return SendIntent(**values)


def message(sid: int = 1, **fields: Any) -> Message:
    data: dict[str, Any] = {
        "sid": f"SM{sid:032x}",
        "account_sid": ACCOUNT,
        "from": US,
        "to": THEM,
        "body": "hi",
        "status": "queued",
        "direction": "outbound-api",
        "date_created": "Mon, 02 Mar 2026 18:00:00 +0000",
    }
    data.update(fields)
    return Message.from_twilio(data)


def hooks(ledger: MemoryLedger, **settings: Any) -> LedgerHooks:
    return LedgerHooks(
        ledger, ComplianceSettings(**settings), status_callback_url=PUBLIC, now=lambda: NOW
    )


async def stop(ledger: MemoryLedger, sender: str, recipient: str, at: datetime = NOW) -> None:
    await ledger.record_opt_out(
        OptOutEvent(sender_key=sender, recipient=recipient, action=OptOutAction.STOP, at=at)
    )


async def inbound(ledger: MemoryLedger, at: datetime) -> None:
    await ledger.record_message(
        MessageRecord(
            sid=f"SM{int(at.timestamp()):032x}",
            account_sid=ACCOUNT,
            direction=Direction.INBOUND,
            from_=WA_THEM,
            to=WA_US,
            status=MessageStatus.RECEIVED,
            date_created=at,
            body="hello",
        )
    )


# --- before_send -----------------------------------------------------------------------------


async def test_status_callback_is_filled_per_channel() -> None:
    """Messages get the receiver's message-status URL, calls its call-status URL."""
    ledger = MemoryLedger()
    approved = await hooks(ledger).before_send(sms())
    assert approved.status_callback == PUBLIC + MESSAGE_STATUS_PATH
    call = SendIntent(channel="call", to=THEM, from_=US, body="hello")
    assert (await hooks(ledger).before_send(call)).status_callback == PUBLIC + CALL_STATUS_PATH


async def test_a_callers_own_status_callback_is_kept() -> None:
    """A status_callback the caller gave is never replaced."""
    mine = "https://example.com/mine"
    approved = await hooks(MemoryLedger()).before_send(sms(status_callback=mine))
    assert approved.status_callback == mine


async def test_without_a_receiver_url_nothing_is_filled() -> None:
    """No status_callback_url: the intent is passed through unchanged."""
    intent = sms()
    assert await LedgerHooks(MemoryLedger()).before_send(intent) == intent


def test_receiver_paths_match_the_receivers_routes() -> None:
    """The URLs filled in are the webhook receiver's real routes."""
    from twiliokit.webhooks.receiver import PATHS

    assert (
        PATHS["message_status"],
        PATHS["call_status"],
    ) == (MESSAGE_STATUS_PATH, CALL_STATUS_PATH)


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://abc.ngrok.app/", "https://abc.ngrok.app"),
        ("https://example.com/tw", "https://example.com/tw"),
        ("https://example.com/tw" + MESSAGE_STATUS_PATH, "https://example.com/tw"),
    ],
)
def test_status_callback_url_is_a_base_url(given: str, base: str) -> None:
    """A trailing slash or the receiver's own path is trimmed to the base URL."""
    assert LedgerHooks(MemoryLedger(), status_callback_url=given).status_callback_url == base


@pytest.mark.parametrize("bad", ["abc.ngrok.app", "ftp://x", "https://u:p@x.com", "https://x?a=1"])
def test_a_bad_status_callback_url_is_a_configuration_error(bad: str) -> None:
    """Not an http(s) base URL: ConfigurationError on status_callback_url."""
    with pytest.raises(ConfigurationError) as caught:
        LedgerHooks(MemoryLedger(), status_callback_url=bad)
    assert caught.value.field == "status_callback_url"


async def test_opt_out_is_per_sender() -> None:
    """A STOP to one number refuses that number only."""
    ledger = MemoryLedger()
    await stop(ledger, US, THEM)
    with pytest.raises(OptedOutError):
        await hooks(ledger).before_send(sms())
    await hooks(ledger).before_send(sms(from_="+14155550100"))


async def test_opt_out_is_per_messaging_service_when_one_is_used() -> None:
    """A STOP kept for a Messaging Service refuses sends through it, not from a number."""
    ledger = MemoryLedger()
    await stop(ledger, SERVICE, THEM)
    with pytest.raises(OptedOutError):
        await hooks(ledger).before_send(sms(from_=None, messaging_service_sid=SERVICE))
    await hooks(ledger).before_send(sms())


async def test_start_after_stop_allows_again() -> None:
    """A later START lifts the STOP."""
    ledger = MemoryLedger()
    await stop(ledger, US, THEM, NOW - timedelta(hours=2))
    await ledger.record_opt_out(
        OptOutEvent(sender_key=US, recipient=THEM, action=OptOutAction.START, at=NOW)
    )
    await hooks(ledger).before_send(sms())


async def test_opt_outs_can_be_turned_off() -> None:
    """opt_outs=False skips the check."""
    ledger = MemoryLedger()
    await stop(ledger, US, THEM)
    await hooks(ledger, opt_outs=False).before_send(sms())


async def test_calls_are_not_refused_for_sms_opt_outs() -> None:
    """STOP blocks messages, not voice calls."""
    ledger = MemoryLedger()
    await stop(ledger, US, THEM)
    await hooks(ledger).before_send(SendIntent(channel="call", to=THEM, from_=US, body="hi"))


async def test_whatsapp_window_follows_the_last_inbound_message() -> None:
    """No inbound: refused; inbound 23 h ago: allowed; 25 h ago: refused; a template: allowed."""
    ledger = MemoryLedger()
    with pytest.raises(WhatsAppWindowError):
        await hooks(ledger).before_send(whatsapp())
    await hooks(ledger).before_send(whatsapp(body=None, content_sid="HX" + "0" * 32))
    await inbound(ledger, NOW - timedelta(hours=25))
    with pytest.raises(WhatsAppWindowError):
        await hooks(ledger).before_send(whatsapp())
    await inbound(ledger, NOW - timedelta(hours=23))
    await hooks(ledger).before_send(whatsapp())


async def test_the_window_belongs_to_the_sender_written_to() -> None:
    """A message to another of our WhatsApp senders does not open this one's window; through a
    Messaging Service any sender counts."""
    ledger = MemoryLedger()
    await inbound(ledger, NOW - timedelta(hours=1))
    with pytest.raises(WhatsAppWindowError):
        await hooks(ledger).before_send(whatsapp(from_="whatsapp:+14155550100"))
    await hooks(ledger).before_send(whatsapp(from_=None, messaging_service_sid=SERVICE))


async def test_quiet_hours_use_send_at_for_scheduled_messages() -> None:
    """Now (10:00 local) is fine, but a send_at at 23:00 local is refused."""
    ledger = MemoryLedger()
    night = QuietHours(start="21:00", end="08:00")  # type: ignore[arg-type]
    await hooks(ledger, quiet_hours=night).before_send(sms())
    late = NOW + timedelta(hours=13)
    with pytest.raises(PolicyError) as caught:
        await hooks(ledger, quiet_hours=night).before_send(sms(details={"send_at": late}))
    assert caught.value.field == "send_at"


async def test_daily_cap_counts_sms_and_whatsapp_to_one_person() -> None:
    """With a cap of 2, one SMS and one WhatsApp in the last day leave no room; older ones
    do not count."""
    ledger = MemoryLedger()
    capped = hooks(ledger, daily_cap=2, whatsapp_window=False)
    await ledger.record_message(
        MessageRecord(
            sid="SM" + "a" * 32,
            account_sid=ACCOUNT,
            direction=Direction.OUTBOUND_API,
            from_=US,
            to=THEM,
            status=MessageStatus.DELIVERED,
            date_created=NOW - timedelta(hours=25),
        )
    )
    await capped.after_send(sms(), message(1))
    await capped.before_send(sms())
    await capped.after_send(whatsapp(), message(2, to=WA_THEM, **{"from": WA_US}))
    with pytest.raises(PolicyError) as caught:
        await capped.before_send(sms())
    assert "2 messages" in caught.value.message


# --- after_send / send_failed ----------------------------------------------------------------


async def test_after_send_records_the_message_with_its_first_status() -> None:
    """The accepted message is in the ledger: outbound, queued (source api), its channel."""
    ledger = MemoryLedger()
    intent = sms(channel="mms", media_urls=("https://example.com/a.png",))
    await hooks(ledger).after_send(intent, message(1, num_media="1"))
    record = await ledger.get_message(f"SM{1:032x}")
    assert record is not None
    assert (record.direction.value, record.status.value, record.channel) == (
        "outbound-api",
        "queued",
        "mms",
    )
    assert record.media_urls == ("https://example.com/a.png",)
    [event] = await ledger.status_history(record.sid)
    assert event.source.value == "api"


async def test_after_send_records_a_call() -> None:
    """A placed call is recorded with its status."""
    ledger = MemoryLedger()
    call = Call.from_twilio(
        {"sid": "CA" + "2" * 32, "account_sid": ACCOUNT, "from": US, "to": THEM, "status": "queued"}
    )
    await hooks(ledger).after_send(SendIntent(channel="call", to=THEM, from_=US), call)
    record = await ledger.get_call(call.sid)
    assert record is not None
    assert (record.status.value, record.to, record.date_created) == ("queued", THEM, NOW)


async def test_after_send_never_raises_for_what_it_cannot_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A message the ledger cannot store is logged, not raised: it was sent already."""
    caplog.set_level(logging.WARNING, logger="twiliokit.compliance")
    intent = sms(body="the secret text")
    await hooks(MemoryLedger()).after_send(intent, message(1, account_sid=None))
    assert "could not be recorded" in caplog.text
    assert "secret" not in caplog.text  # never the body


async def test_a_21610_is_recorded_as_an_opt_out_and_refuses_the_next_send() -> None:
    """Twilio's 21610 becomes a STOP with source twilio_21610; the next send is refused."""
    ledger = MemoryLedger()
    hook = hooks(ledger)
    error = TwilioError("Attempt to send to unsubscribed recipient", status=400, code=21610)
    await hook.send_failed(sms(), error)
    [opt_out] = await ledger.list_opt_outs()
    assert (opt_out.sender_key, opt_out.recipient, opt_out.source) == (
        US,
        THEM,
        OptOutSource.TWILIO_21610,
    )
    with pytest.raises(OptedOutError):
        await hook.before_send(sms())


@pytest.mark.parametrize("code", [63016, 21211, None])
async def test_other_failures_are_not_opt_outs(code: int | None) -> None:
    """63016 (a closed WhatsApp window) and other errors record no opt-out."""
    ledger = MemoryLedger()
    await hooks(ledger).send_failed(whatsapp(), TwilioError("no", status=400, code=code))
    assert await ledger.list_opt_outs() == []


# --- chain_hooks -----------------------------------------------------------------------------


class Recorder:
    """Hooks that note every call and may refuse or fail."""

    def __init__(self, name: str, log: list[str], *, refuse: bool = False, fail: bool = False):
        self.name, self.log, self.refuse, self.fail = name, log, refuse, fail

    async def before_send(self, intent: SendIntent) -> SendIntent:
        self.log.append(f"{self.name}.before")
        if self.refuse:
            raise PolicyError(f"{self.name} refuses")
        return replace(intent, body=(intent.body or "") + self.name)

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        self.log.append(f"{self.name}.after:{intent.body}")
        if self.fail:
            raise RuntimeError(self.name)

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        self.log.append(f"{self.name}.failed:{error}")


async def test_chain_passes_the_adjusted_intent_along() -> None:
    """Each hook gets the intent the previous one returned, in order."""
    log: list[str] = []
    chained = chain_hooks(Recorder("a", log), Recorder("b", log))
    assert (await chained.before_send(sms(body=""))).body == "ab"
    assert log == ["a.before", "b.before"]


async def test_a_refusal_stops_the_chain_and_tells_those_that_approved() -> None:
    """b refuses: c never runs, a hears send_failed with b's refusal, which is raised."""
    log: list[str] = []
    chained = chain_hooks(Recorder("a", log), Recorder("b", log, refuse=True), Recorder("c", log))
    with pytest.raises(PolicyError, match="b refuses"):
        await chained.before_send(sms(body=""))
    assert log == ["a.before", "b.before", "a.failed:b refuses"]


async def test_after_send_reaches_every_hook_even_when_one_fails() -> None:
    """a's after_send raises; b still records, then a's error surfaces."""
    log: list[str] = []
    chained = chain_hooks(Recorder("a", log, fail=True), Recorder("b", log))
    with pytest.raises(RuntimeError, match="a"):
        await chained.after_send(sms(body="x"), object())
    assert log == ["a.after:x", "b.after:x"]


def test_chain_of_none_or_one_is_that_hook() -> None:
    """No hooks is NoHooks; one hook is itself."""
    one: SendHooks = NoHooks()
    assert isinstance(chain_hooks(), NoHooks)
    assert chain_hooks(one) is one


async def test_compliance_runs_after_guardrails_in_a_chain() -> None:
    """chain_hooks(other, LedgerHooks): the ledger hooks refuse an opted-out recipient and the
    other hook hears it."""
    ledger = MemoryLedger()
    await stop(ledger, US, THEM)
    log: list[str] = []
    chained = chain_hooks(Recorder("g", log), hooks(ledger))
    with pytest.raises(OptedOutError):
        await chained.before_send(sms())
    assert log[0] == "g.before"
    assert log[1].startswith("g.failed:")
