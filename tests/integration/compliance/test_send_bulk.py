"""send_bulk and the batch actions through Python's ``invoke``, with LedgerHooks on a real ledger
(SQLite, and PostgreSQL for the batched reads and the enqueue): every recipient is checked like
a single send in a few queries, refusals are recorded with reasons, quiet hours defer, and the
batch is counted and canceled by state."""

from __future__ import annotations

import json
from datetime import time, timedelta
from typing import Any

import pytest

from tests.integration.compliance.conftest import SENDER, SQL_KINDS, WHATSAPP_SENDER, Harness
from twiliokit.compliance import ComplianceSettings, QuietHours
from twiliokit.errors import ConfigurationError, NotRecordedError, ValidationError
from twiliokit.ledger.outbox_records import OutboxItem, OutboxQuery, OutboxState
from twiliokit.ledger.records import (
    Direction,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
)

# The batched reads and the enqueue are SQL: every test runs on each SQL ledger.
pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("ledger_kind", SQL_KINDS, indirect=True)]

ADA, BOB, CAROL = "+14155550101", "+14155550102", "+14155550103"
CANADA = "+16135550123"


def people(*numbers: str) -> list[dict[str, Any]]:
    return [{"to": n, "variables": {"first_name": f"P{i}"}} for i, n in enumerate(numbers)]


async def batch_items(harness: Harness, batch_id: str) -> dict[str, OutboxItem]:
    """The batch's items by recipient."""
    found = await harness.ledger.list_items(OutboxQuery(batch_id=batch_id, limit=1000))
    return {item.to: item for item in found}


async def bulk(harness: Harness, **arguments: Any) -> dict[str, Any]:
    arguments.setdefault("from", SENDER)
    arguments.setdefault("body", "Hi {first_name}")
    return await harness.run("send_bulk", arguments)


async def test_each_recipient_is_queued_with_its_own_text(harness: Harness) -> None:
    """Accepted recipients are recorded queued in one batch, each request its filled-in text."""
    answer = await bulk(harness, recipients=people(ADA, BOB), rate=5)
    assert (answer["accepted"], answer["refused"], answer["deferred"]) == (2, 0, 0)
    items = await batch_items(harness, answer["batch_id"])
    assert {to: item.request["body"] for to, item in items.items()} == {ADA: "Hi P0", BOB: "Hi P1"}
    assert {item.state for item in items.values()} == {OutboxState.QUEUED}
    assert items[ADA].request["from_"] == SENDER
    assert items[ADA].request["status_callback"].startswith(harness.sink.base_url)
    assert items[ADA].sender == SENDER
    assert items[ADA].id.startswith("OB")
    batch = await harness.run("get_batch", {"batch_id": answer["batch_id"]})
    assert batch["counts"]["queued"] == 2
    assert (batch["total"], batch["rate"], batch["done"]) == (2, 5.0, False)
    assert set(batch["counts"]) == {s.value for s in OutboxState}
    assert harness.emulator_messages() == 0  # the worker sends, not send_bulk


async def test_refusals_are_recorded_with_reasons_and_counted(harness: Harness) -> None:
    """Opted out, a disallowed country, the daily cap, a repeated row: refused, listed, counted."""
    harness.settings = ComplianceSettings(allowed_countries=frozenset({"US"}), daily_cap=1)
    await harness.ledger.record_opt_out(
        OptOutEvent(
            sender_key=SENDER,
            recipient=BOB,
            action=OptOutAction.STOP,
            at=harness.clock(),
            keyword="STOP",
        )
    )
    await harness.run("send_sms", {"to": CAROL, "body": "earlier today", "from": SENDER})
    answer = await bulk(harness, recipients=people(ADA, BOB, CANADA, CAROL, ADA))
    assert (answer["accepted"], answer["refused"]) == (1, 4)
    kinds = {(r["row"], r["type"]) for r in answer["refusals"]}
    assert kinds == {
        (1, "opted_out"),
        (2, "policy_refused"),
        (3, "policy_refused"),
        (4, "duplicate"),
    }
    assert all(r["reason"] for r in answer["refusals"])
    items = await batch_items(harness, answer["batch_id"])
    assert items[BOB].state is OutboxState.REFUSED
    assert "STOP" in (items[BOB].reason or "")
    assert "24 hours" in (items[CAROL].reason or "")
    batch = await harness.run("get_batch", {"batch_id": answer["batch_id"]})
    assert (batch["counts"]["queued"], batch["counts"]["refused"], batch["total"]) == (1, 4, 5)


async def test_the_whatsapp_window_is_judged_per_recipient(harness: Harness) -> None:
    """A WhatsApp bulk goes to whoever wrote in the last 24 hours; the others are refused."""
    inbound = MessageRecord(
        sid="SM" + "1" * 32,
        account_sid=harness.connection.account_sid,
        direction=Direction.INBOUND,
        from_="whatsapp:" + ADA,
        to=WHATSAPP_SENDER,
        status=MessageStatus.RECEIVED,
        date_created=harness.clock() - timedelta(hours=1),
        body="hello",
    )
    await harness.ledger.record_message(inbound)
    answer = await bulk(harness, recipients=people(ADA, BOB), **{"from": WHATSAPP_SENDER})
    assert [r["type"] for r in answer["refusals"]] == ["whatsapp_window_closed"]
    items = await batch_items(harness, answer["batch_id"])
    assert items["whatsapp:" + ADA].state is OutboxState.QUEUED
    assert items["whatsapp:" + BOB].state is OutboxState.REFUSED


async def test_quiet_hours_defer_to_their_end_in_local_time(harness: Harness) -> None:
    """A recipient inside quiet hours is deferred to when they end there, not refused."""
    noon_utc = harness.clock().replace(hour=12, minute=0, second=0, microsecond=0)
    harness.clock.now = noon_utc  # 04:00 or 05:00 in San Francisco, 12:00 in London
    harness.settings = ComplianceSettings(quiet_hours=QuietHours(start=time(21), end=time(8)))
    answer = await bulk(harness, recipients=people(ADA, "+442079460000"))
    assert (answer["accepted"], answer["deferred"], answer["refused"]) == (2, 1, 0)
    items = await batch_items(harness, answer["batch_id"])
    assert items["+442079460000"].not_before == noon_utc
    local = items[ADA].not_before.astimezone(_zone("America/Los_Angeles"))
    assert (local.hour, local.minute) == (8, 0)
    assert items[ADA].not_before - noon_utc < timedelta(hours=5)


async def test_quiet_hours_defer_before_the_daily_cap_is_judged(harness: Harness) -> None:
    """A recipient inside quiet hours who reached the daily cap is deferred, as a single send
    is (the first rule that applies wins): the cap is judged again when the item leaves."""
    noon_utc = harness.clock().replace(hour=12, minute=0, second=0, microsecond=0)
    harness.clock.now = noon_utc  # 04:00 or 05:00 in San Francisco
    await harness.run("send_sms", {"to": ADA, "body": "earlier today", "from": SENDER})
    harness.settings = ComplianceSettings(
        quiet_hours=QuietHours(start=time(21), end=time(8)), daily_cap=1
    )
    answer = await bulk(harness, recipients=people(ADA))
    assert (answer["accepted"], answer["deferred"], answer["refused"]) == (1, 1, 0)
    items = await batch_items(harness, answer["batch_id"])
    assert items[ADA].state is OutboxState.QUEUED
    assert items[ADA].not_before > noon_utc


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


async def test_cancel_batch_cancels_what_is_queued(harness: Harness) -> None:
    """cancel_batch cancels the queued items (refused ones stay refused); the batch is done."""
    harness.settings = ComplianceSettings(allowed_countries=frozenset({"US"}))
    send_at = (harness.clock() + timedelta(days=2)).isoformat()
    answer = await bulk(harness, recipients=people(ADA, BOB, CANADA), send_at=send_at)
    canceled = await harness.run("cancel_batch", {"batch_id": answer["batch_id"]})
    assert canceled["canceled"] == 2
    assert (canceled["counts"]["canceled"], canceled["counts"]["refused"]) == (2, 1)
    assert canceled["done"] is True
    assert canceled["canceled_at"] is not None
    again = await harness.run("cancel_batch", {"batch_id": answer["batch_id"]})
    assert again["canceled"] == 0


async def test_get_send_list_and_cancel_one_item(harness: Harness) -> None:
    """list_outbox filters by batch and state; get_send shows one; cancel_send cancels it once."""
    send_at = harness.clock() + timedelta(hours=3)
    answer = await bulk(harness, recipients=people(ADA, BOB), send_at=send_at.isoformat())
    listed = await harness.run("list_outbox", {"batch_id": answer["batch_id"], "status": "queued"})
    assert sorted(i["to"] for i in listed["items"]) == [ADA, BOB]
    due = await harness.run(
        "list_outbox", {"due_before": (send_at - timedelta(minutes=1)).isoformat()}
    )
    assert due["items"] == []
    first = listed["items"][0]["outbox_id"]
    shown = await harness.run("get_send", {"outbox_id": first})
    assert (shown["state"], shown["batch_id"], shown["action"]) == (
        "queued",
        answer["batch_id"],
        "send_bulk",
    )
    assert (await harness.run("cancel_send", {"outbox_id": first}))["canceled"] is True
    again = await harness.run("cancel_send", {"outbox_id": first})
    assert (again["canceled"], again["state"]) == (False, "canceled")
    with pytest.raises(NotRecordedError) as missing:
        await harness.run("get_send", {"outbox_id": "OB" + "0" * 32})
    assert missing.value.field == "outbox_id"


async def test_a_content_template_gets_each_recipients_variables(harness: Harness) -> None:
    """With content_sid, each recipient's variables merge over the shared content_variables."""
    answer = await bulk(
        harness,
        body=None,
        content_sid="HX" + "a" * 32,
        content_variables={"2": "Friday"},
        recipients=[{"to": ADA, "variables": {"1": "Ada"}}],
    )
    [item] = (await batch_items(harness, answer["batch_id"])).values()
    assert json.loads(item.request["content_variables"]) == {"1": "Ada", "2": "Friday"}
    assert item.request["content_sid"] == "HX" + "a" * 32
    assert "body" not in item.request


@pytest.mark.parametrize(
    ("recipients", "body", "field"),
    [
        ([{"to": ADA, "variables": {"first_name": "A"}}, {"to": BOB}], "Hi {first_name}",
         "recipients[1].variables.first_name"),
        ([{"to": "+1415"}], "Hi", "recipients[0].to"),
        ([{"to": "whatsapp:" + ADA}], "Hi", "recipients[0].to"),
        ([{"to": ADA}], "Hi {0.__class__}", "body"),
        ([{"to": ADA}], "Hi {", "body"),
    ],
)  # fmt: skip
async def test_bad_input_names_the_row_and_records_nothing(
    harness: Harness, recipients: list[dict[str, Any]], body: str, field: str
) -> None:
    """A bad number, a missing variable or a bad placeholder: a ValidationError naming it."""
    with pytest.raises(ValidationError) as refused:
        await bulk(harness, recipients=recipients, body=body)
    assert refused.value.field == field
    assert await harness.ledger.list_items(OutboxQuery()) == []


async def test_without_a_ledger_send_bulk_says_how_to_enable_it(harness: Harness) -> None:
    """No ledger: a ConfigurationError naming the ledger and --db, before anything else."""
    context = harness.context
    context.ledger = None
    from twiliokit.actions import invoke

    with pytest.raises(ConfigurationError) as refused:
        await invoke("send_bulk", {"recipients": people(ADA), "body": "Hi"}, context=context)
    assert refused.value.field == "ledger"
    assert "--db" in (refused.value.hint or "")


async def test_a_large_batch_is_accepted_in_one_go(harness: Harness) -> None:
    """5,000 recipients, two opted out and 200 listed twice, are recorded at once; every one is
    counted, and the answer lists the first 100 refusals."""
    numbers = [f"+1415555{i:04d}" for i in range(5000)]
    for opted in (numbers[10], numbers[4000]):
        await harness.ledger.record_opt_out(
            OptOutEvent(sender_key=SENDER, recipient=opted, action=OptOutAction.STOP,
                        at=harness.clock(), keyword="STOP")
        )  # fmt: skip
    listed = [{"to": n} for n in numbers + numbers[:200]]
    answer = await bulk(harness, recipients=listed, body="Hi")
    assert (answer["total"], answer["accepted"], answer["refused"]) == (5200, 4998, 202)
    shown = answer["refusals"]
    assert len(shown) == 100
    assert [r["row"] for r in shown[:2]] == [10, 4000]
    assert {r["type"] for r in shown[2:]} == {"duplicate"}
    batch = await harness.run("get_batch", {"batch_id": answer["batch_id"]})
    assert (batch["counts"]["queued"], batch["counts"]["refused"]) == (4998, 202)
