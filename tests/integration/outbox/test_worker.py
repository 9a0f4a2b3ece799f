"""The outbox worker against the emulator over HTTP and a real SQLite ledger: it sends what is
queued, judges compliance again when an item leaves, holds scheduled sends until their time,
and backs off when Twilio says so."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import anyio
import pytest

from twiliokit.actions import ActionContext, invoke
from twiliokit.client import AsyncClient
from twiliokit.compliance import ComplianceSettings, LedgerHooks
from twiliokit.compliance.settings import QuietHours
from twiliokit.emulator import MAGIC_FROM
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger.outbox_records import NewBatch, OutboxClaim, OutboxState
from twiliokit.ledger.records import (
    Direction,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
)

from .conftest import WorkerFactory, assert_one_sent_rest_given_back, message_item

pytestmark = pytest.mark.anyio


async def _sent_bodies(client: AsyncClient, to: str) -> list[str]:
    return [m.body or "" async for m in client.iter_messages(to=to)]


async def test_a_worker_sends_queued_items_through_the_emulator(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """Three queued items leave once each: the emulator holds three messages, and each item is
    sent with the SID Twilio gave it."""
    now = datetime.now(UTC)
    items = [message_item(f"+1415555{n:04d}", f"hello {n}", at=now) for n in range(3)]
    await ledger.enqueue(items)
    async with make_worker() as worker:
        assert await worker.run_until_idle() == 3
    for item in items:
        stored = await ledger.get_item(item.id)
        assert stored.state == OutboxState.SENT
        assert stored.sid is not None
        assert stored.sid.startswith("SM")
        assert await _sent_bodies(client, item.to) == [item.request["body"]]


async def test_a_stop_during_a_batch_refuses_the_rest_for_that_recipient(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """A STOP recorded while a batch waits refuses that recipient's remaining item ("opted out
    after it was queued"), and only theirs: the other recipient still gets both."""
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    stopper, other = "+14155550101", "+14155550102"
    batch = "BT" + uuid.uuid4().hex
    first = [message_item(to, "first", at=now, batch_id=batch) for to in (stopper, other)]
    second = [
        message_item(to, "second", at=now, batch_id=batch, not_before=later)
        for to in (stopper, other)
    ]
    await ledger.enqueue(
        [*first, *second],
        batch=NewBatch(id=batch, action="send_bulk", created_at=now, total=4),
    )
    clock = [now]
    async with make_worker(now=lambda: clock[0]) as worker:
        assert await worker.run_until_idle() == 2
        await ledger.record_opt_out(
            OptOutEvent(
                sender_key=MAGIC_FROM,
                recipient=stopper,
                action=OptOutAction.STOP,
                at=now + timedelta(minutes=5),
                keyword="STOP",
            )
        )
        clock[0] = later
        assert await worker.run_until_idle() == 2
    refused = await ledger.get_item(second[0].id)
    assert refused.state == OutboxState.REFUSED
    assert refused.reason.startswith("opted out after it was queued")
    assert (await ledger.get_item(second[1].id)).state == OutboxState.SENT
    assert await _sent_bodies(client, stopper) == ["first"]
    assert sorted(await _sent_bodies(client, other)) == ["first", "second"]


async def test_two_queued_sends_to_one_person_cannot_both_pass_the_daily_cap(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """daily_cap = 1 and two batches queued to the same person (each passed at enqueue):
    the worker sends one and refuses the other with the cap's reason, whether both leave in
    one claim or the other is held by another claim (another worker) at the time."""
    now = datetime.now(UTC)
    capped = ComplianceSettings(daily_cap=1)
    together = "+14155550111"
    items = [message_item(together, body, at=now) for body in ("capA", "capB")]
    await ledger.enqueue(items)
    async with make_worker(compliance=capped) as worker:
        await worker.run_until_idle()
    states = sorted([(await ledger.get_item(item.id)).state for item in items])
    assert states == sorted([OutboxState.SENT, OutboxState.REFUSED])
    assert len(await _sent_bodies(client, together)) == 1

    apart = "+14155550112"
    held, queued = (message_item(apart, body, at=now) for body in ("heldA", "queuedB"))
    await ledger.enqueue([held])
    (claimed,) = await ledger.claim_due(
        OutboxClaim(
            owner="other-worker",
            now=now,
            lease=timedelta(minutes=1),
            limit=1,
            horizon=timedelta(seconds=2),
            default_rate=1000.0,
        )
    )
    assert claimed.item.id == held.id
    await ledger.enqueue([queued])
    async with make_worker(compliance=capped) as worker:
        await worker.run_until_idle()
    refused = await ledger.get_item(queued.id)
    assert refused.state == OutboxState.REFUSED
    assert "1 per recipient" in (refused.reason or "")
    assert await _sent_bodies(client, apart) == []


async def test_quiet_hours_defer_an_item_to_their_end_and_never_drop_it(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """An item due inside the recipient's quiet hours goes back to the queue until they end
    (their local time), then leaves."""
    # 03:00 in New York (a +1 212 number) is inside 21:00-08:00; 08:00 there is 13:00 UTC.
    night = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    to = "+12125550123"
    item = message_item(to, "good morning", at=night)
    await ledger.enqueue([item])
    quiet = ComplianceSettings(quiet_hours=QuietHours(start=time(21), end=time(8)))
    clock = [night]
    async with make_worker(compliance=quiet, now=lambda: clock[0]) as worker:
        await worker.run_until_idle()
        waiting = await ledger.get_item(item.id)
        assert waiting.state == OutboxState.QUEUED
        assert waiting.not_before == datetime(2030, 1, 15, 13, 0, tzinfo=UTC)
        assert await _sent_bodies(client, to) == []
        clock[0] = datetime(2030, 1, 15, 13, 0, 1, tzinfo=UTC)
        assert await worker.run_until_idle() == 1
    assert (await ledger.get_item(item.id)).state == OutboxState.SENT
    assert await _sent_bodies(client, to) == ["good morning"]


async def test_a_scheduled_send_leaves_at_its_time_when_the_emulator_clock_advances(
    emulator: RunningEmulator, ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """A send for ten minutes ahead stays queued until the (emulator's) clock reaches it, then
    leaves, created at that time."""
    clock = emulator.state.clock
    send_at = clock.now() + timedelta(minutes=10)
    to = "+14155550177"
    item = message_item(to, "reminder", at=clock.now(), not_before=send_at)
    await ledger.enqueue([item])
    async with make_worker(now=clock.now) as worker:
        assert await worker.run_until_idle() == 0
        assert (await ledger.get_item(item.id)).state == OutboxState.QUEUED
        emulator.control.advance(600)
        assert await worker.run_until_idle() == 1
    sent = [m async for m in client.iter_messages(to=to)]
    assert [m.body for m in sent] == ["reminder"]
    assert sent[0].date_created is not None
    assert sent[0].date_created >= send_at.replace(microsecond=0)


async def test_a_429_slows_the_sender_and_the_item_is_sent_later(
    emulator: RunningEmulator, ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """Twilio's 429 (20429, Retry-After 30) sends nothing: the item is queued again for 30 s
    later, its sender is slowed for every worker, and it leaves once that time comes."""
    now = datetime.now(UTC)
    item = message_item("+14155550188", "busy", at=now)
    await ledger.enqueue([item])
    emulator.control.add_fault(
        method="POST", path="Messages.json", status=429, code=20429, retry_after=30, times=5
    )
    clock = [now]
    async with make_worker(now=lambda: clock[0]) as worker:
        await worker.run_until_idle()
        waiting = await ledger.get_item(item.id)
        assert waiting.state == OutboxState.QUEUED
        assert waiting.not_before >= now + timedelta(seconds=30)
        pace = {p.sender: p for p in await ledger.paces()}[MAGIC_FROM]
        assert pace.slowed_until is not None
        assert pace.slowed_until > now
        emulator.control.clear_faults()
        clock[0] = now + timedelta(seconds=31)
        assert await worker.run_until_idle() == 1
    assert (await ledger.get_item(item.id)).state == OutboxState.SENT


async def test_a_claim_that_came_back_short_is_tried_again_after_the_poll_interval(
    ledger: Any, make_worker: WorkerFactory
) -> None:
    """A worker with one lane whose claim came back short (two items due, room for three)
    holds more items than lanes: it does not claim again at once (with several workers, claims
    at each item's end raced for one item or none), only once the poll interval has passed."""
    now = datetime.now(UTC)
    clock = [now]
    due = [message_item(f"+1415555{n:04d}", f"due {n}", at=now) for n in range(2)]
    later = message_item("+14155550009", "later", at=now + timedelta(seconds=10))
    await ledger.enqueue([*due, later])
    async with make_worker(concurrency=1, now=lambda: clock[0]) as worker:
        claims: list[int] = []
        claim_due = worker.store.claim_due

        async def counted(claim: Any) -> Any:
            claimed = await claim_due(claim)
            claims.append(len(claimed))
            return claimed

        worker.store.claim_due = counted  # type: ignore[method-assign]
        assert await worker._claim() == 2
        assert await worker._claim() == 0
        assert claims == [2]  # the second did not ask the database
        clock[0] = now + timedelta(seconds=10)
        assert await worker._claim() == 1
        assert claims == [2, 1]
        await worker.run_until_idle()
    assert {(await ledger.get_item(i.id)).state for i in [*due, later]} == {OutboxState.SENT}


async def test_stopping_a_worker_gives_back_the_claims_that_had_not_left(
    ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """At 1/s, three claimed items have slots 0, 1 and 2 s away: stopped once the first is
    sent, the worker gives the other two back to the queue, unsent and unheld."""
    now = datetime.now(UTC)
    items = [message_item(f"+1415555{n:04d}", f"slow {n}", at=now) for n in range(3)]
    await ledger.enqueue(items)
    async with make_worker(rates={MAGIC_FROM: 1.0}) as worker:
        running = asyncio.create_task(worker.run())
        with anyio.fail_after(30):
            await worker.wait_finished(1)
        worker.stop()
        await running
    await assert_one_sent_rest_given_back(ledger, items)
    sent = [
        m async for m in client.iter_messages(from_=MAGIC_FROM) if (m.body or "").startswith("slow")
    ]
    assert len(sent) == 1


async def test_a_30001_in_a_status_callback_slows_its_sender(
    ledger: Any, make_worker: WorkerFactory
) -> None:
    """A message recorded failed with 30001 (Twilio's queue overflowed, as the receiver records
    the status callback) slows its Messaging Service down for every worker, once."""
    now = datetime.now(UTC)
    service = "MG" + "3" * 32
    await ledger.record_message(
        MessageRecord(
            sid="SM" + uuid.uuid4().hex,
            account_sid="AC" + "0" * 32,
            direction=Direction.OUTBOUND_API,
            from_="+15005550006",
            to="+14155550144",
            messaging_service_sid=service,
            status=MessageStatus.FAILED,
            error_code=30001,
            date_created=now - timedelta(minutes=3),
        )
    )
    async with make_worker(now=lambda: now) as worker:
        await worker.housekeeping()
    pace = {p.sender: p for p in await ledger.paces()}[service]
    assert pace.slowed_until is not None
    assert pace.slowed_until > now


async def test_a_send_at_from_the_python_surface_is_sent_by_the_worker_at_its_time(
    emulator: RunningEmulator, ledger: Any, client: AsyncClient, make_worker: WorkerFactory
) -> None:
    """`invoke("send_sms", {..., "send_at": ...})` answers scheduled with an outbox id and
    sends nothing; the worker sends it once its time has come, and the item has the SID."""
    now = datetime.now(UTC)
    send_at = (now + timedelta(minutes=30)).replace(microsecond=0)
    context = ActionContext(
        client=client,
        connection=emulator.connection(),
        ledger=ledger,
        hooks=LedgerHooks(ledger),
    )
    to = "+14155550133"
    answer = await invoke(
        "send_sms",
        {"to": to, "body": "on time", "send_at": send_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
        context=context,
    )
    assert answer["status"] == "scheduled"
    clock = [now]
    async with make_worker(now=lambda: clock[0]) as worker:
        assert await worker.run_until_idle() == 0
        assert await _sent_bodies(client, to) == []
        clock[0] = send_at + timedelta(seconds=1)
        assert await worker.run_until_idle() == 1
    item = await ledger.get_item(answer["outbox_id"])
    assert item.state == OutboxState.SENT
    assert await _sent_bodies(client, to) == ["on time"]
