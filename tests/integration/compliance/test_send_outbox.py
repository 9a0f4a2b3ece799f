"""The send pipeline's outbox record, end to end: the catalogue's send actions on the emulator
(real HTTP), a real ledger (SQLite, and PostgreSQL where storage matters), LedgerHooks. Every
send is recorded before its request and finished with its outcome; a refusal records nothing;
send_at records a queued item and sends nothing."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.integration.compliance.conftest import OPTED_OUT_MAGIC, SENDER, SQL_KINDS, TO, Harness
from twiliokit.compliance import ComplianceSettings, QuietHours
from twiliokit.errors import (
    OptedOutError,
    PolicyError,
    TwilioError,
    UnknownOutcomeError,
    ValidationError,
)
from twiliokit.ledger.outbox_records import OutboxItem, OutboxQuery, OutboxState

# This module's sends are about storage: every test runs on each SQL ledger.
pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("ledger_kind", SQL_KINDS, indirect=True)]

CANADA = "+16135550123"
SYDNEY = "+61291234567"


async def items(harness: Harness) -> list[OutboxItem]:
    """Every outbox item, newest first."""
    return await harness.ledger.list_items(OutboxQuery())


async def test_a_send_is_recorded_then_finished_with_its_sid(harness: Harness) -> None:
    """send_sms records an item before its request and finishes it sent with Twilio's SID and
    status; the output names it (outbox_id) and the request is what left."""
    sent = await harness.run("send_sms", {"to": TO, "body": "Your table is ready"})
    [item] = await items(harness)
    assert sent["outbox_id"] == item.id
    assert item.id.startswith("OB")
    assert len(item.id) == 34
    assert (item.state, item.sid, item.kind, item.action) == (
        OutboxState.SENT,
        sent["sid"],
        "message",
        "send_sms",
    )
    assert (item.sender, item.to, item.attempts) == (SENDER, TO, 1)
    assert item.request_started_at is not None
    assert item.request["body"] == "Your table is ready"
    assert item.request["status_callback"].endswith("/webhooks/twilio/message-status")
    assert harness.emulator_messages() == 1


async def test_a_refused_send_records_nothing(harness: Harness) -> None:
    """A send compliance refuses (opted out by Twilio's 21610, then by the ledger) leaves no
    outbox item for the refusal, only the one Twilio failed."""
    with pytest.raises(TwilioError):
        await harness.run("send_sms", {"to": OPTED_OUT_MAGIC, "body": "hi"})
    [failed] = await items(harness)
    assert (failed.state, failed.error_code) == (OutboxState.FAILED, 21610)
    with pytest.raises(OptedOutError):
        await harness.run("send_sms", {"to": OPTED_OUT_MAGIC, "body": "hi again"})
    assert [item.id for item in await items(harness)] == [failed.id]


async def test_a_lost_answer_leaves_the_item_unknown(harness: Harness) -> None:
    """An answer lost after the create reached Twilio: UnknownOutcomeError, and the item is
    unknown (reconciliation's work), never sent again."""
    harness.emulator.control.add_fault(
        method="POST", path="/Messages.json$", mode="drop_after", times=1
    )
    with pytest.raises(UnknownOutcomeError) as caught:
        await harness.run("send_sms", {"to": TO, "body": "maybe"})
    [item] = await items(harness)
    assert item.state == OutboxState.UNKNOWN
    assert f"outbox item {item.id} stays unknown" in (caught.value.hint or "")
    assert item.request_started_at is not None
    assert harness.emulator_messages() == 1


async def test_an_idempotency_key_is_kept_on_the_item(harness: Harness) -> None:
    """A keyed send records its key; the retry replays the answer without a second item."""
    arguments = {"to": TO, "body": "once", "idempotency_key": "order-42"}
    first = await harness.run("send_sms", arguments)
    again = await harness.run("send_sms", arguments)
    assert again["outbox_id"] == first["outbox_id"]
    [item] = await items(harness)
    assert item.idempotency_key == "order-42"
    found = await harness.ledger.find_item(idempotency_key="order-42")
    assert found is not None
    assert found.id == item.id


async def test_send_at_records_a_queued_item_and_sends_nothing(harness: Harness) -> None:
    """send_at an hour ahead, without a Messaging Service: status scheduled, no sid, and a
    queued item due then; no request leaves."""
    when = harness.clock() + timedelta(hours=1)
    requests = harness.transport.requests
    held = await harness.run("send_sms", {"to": TO, "body": "later", "send_at": when.isoformat()})
    assert (held["status"], held["sid"]) == ("scheduled", None)
    due = datetime.fromisoformat(held["send_at"])
    assert abs(due - when) < timedelta(seconds=1)
    [item] = await items(harness)
    assert (item.id, item.state, item.not_before) == (held["outbox_id"], OutboxState.QUEUED, due)
    assert item.lease_owner is None
    assert "send_at" not in item.request
    assert harness.transport.requests == requests
    assert harness.emulator_messages() == 0


async def test_send_at_is_checked_for_quiet_hours_at_that_time(harness: Harness) -> None:
    """Quiet hours judge a scheduled send at its send_at in the recipient's time: 03:00 in
    San Francisco is refused; nothing is recorded."""
    quiet = QuietHours(start="21:00", end="08:00")  # type: ignore[arg-type]
    harness.settings = ComplianceSettings(quiet_hours=quiet)
    now = harness.clock()
    night = (now + timedelta(days=1)).replace(hour=11, minute=0, second=0, microsecond=0)
    with pytest.raises(PolicyError) as caught:
        await harness.run("send_sms", {"to": TO, "body": "x", "send_at": night.isoformat()})
    assert caught.value.field == "send_at"
    assert await items(harness) == []


@pytest.mark.parametrize("days", [36, -1])
async def test_send_at_outside_35_days_is_refused(harness: Harness, days: int) -> None:
    """send_at in the past or more than 35 days ahead names send_at; nothing is recorded."""
    when = harness.clock() + timedelta(days=days)
    with pytest.raises(ValidationError) as caught:
        await harness.run("make_call", {"to": TO, "say": "hi", "send_at": when.isoformat()})
    assert caught.value.field == "send_at"
    assert await items(harness) == []


async def test_a_call_and_a_verification_are_recorded_by_kind(harness: Harness) -> None:
    """make_call and start_verification walk the same pipeline: items of kind call and
    verification, sent with their SIDs."""
    call = await harness.run("make_call", {"to": TO, "say": "Your order is here"})
    service = await harness.run("create_verify_service", {"friendly_name": "Acme"})
    code = await harness.run("start_verification", {"service_sid": service["sid"], "to": TO})
    by_id = {item.id: item for item in await items(harness)}
    assert (by_id[call["outbox_id"]].kind, by_id[call["outbox_id"]].sid) == ("call", call["sid"])
    verification = by_id[code["outbox_id"]]
    assert (verification.kind, verification.sid, verification.sender) == (
        "verification",
        code["sid"],
        service["sid"],
    )
    assert verification.request == {"service_sid": service["sid"], "to": TO, "channel": "sms"}


async def test_verifications_obey_countries_and_opt_outs(harness: Harness) -> None:
    """start_verification is refused for a country not allowed, and by SMS to someone who
    replied STOP to one of our numbers; by voice it goes. Refusals record nothing."""
    service = (await harness.run("create_verify_service", {"friendly_name": "Acme"}))["sid"]
    harness.settings = ComplianceSettings(allowed_countries=frozenset({"US"}))
    with pytest.raises(PolicyError):
        await harness.run("start_verification", {"service_sid": service, "to": SYDNEY})
    harness.settings = ComplianceSettings()
    with pytest.raises(TwilioError):  # Twilio's 21610 records the STOP
        await harness.run("send_sms", {"to": OPTED_OUT_MAGIC, "body": "hi"})
    before = len(await items(harness))
    with pytest.raises(OptedOutError) as caught:
        await harness.run("start_verification", {"service_sid": service, "to": OPTED_OUT_MAGIC})
    assert "verification code" in caught.value.message
    assert len(await items(harness)) == before
    by_voice: dict[str, Any] = await harness.run(
        "start_verification", {"service_sid": service, "to": OPTED_OUT_MAGIC, "channel": "call"}
    )
    assert by_voice["status"] == "pending"


async def test_a_paced_sender_waits_for_its_slot(harness: Harness) -> None:
    """A sender with a pace of 5 messages/s: the second of two sends leaves a slot (0.2 s)
    after the first, even from a process that sends at once."""
    await harness.ledger.set_pace(SENDER, rate=5)
    await harness.run("send_sms", {"to": TO, "body": "one"})
    started = time.monotonic()
    await harness.run("send_sms", {"to": CANADA, "body": "two"})
    assert time.monotonic() - started >= 0.18
    assert harness.emulator_messages() == 2


async def test_a_scheduled_send_leaves_at_its_time_through_a_worker(harness: Harness) -> None:
    """send_sms with send_at: a worker sends nothing before send_at (emulator-aligned clock),
    then sends it once the clock reaches it; the item ends sent with the message's SID."""
    from twiliokit.outbox.running import build_worker

    when = harness.clock() + timedelta(minutes=10)
    held = await harness.run(
        "send_sms", {"to": TO, "body": "reminder", "send_at": when.isoformat()}
    )
    async with build_worker(harness.ledger, harness.client, now=harness.clock) as worker:
        assert await worker.run_until_idle() == 0
        assert harness.emulator_messages() == 0
        harness.clock.advance(minutes=10)
        assert await worker.run_until_idle() == 1
    item = await harness.ledger.get_item(held["outbox_id"])
    assert item is not None
    assert item.state in {OutboxState.SENT, OutboxState.DELIVERED}
    assert item.sid is not None
    assert harness.emulator_messages() == 1
