"""The OutboxStore contract, on the in-memory fake, SQLite and PostgreSQL alike: recording,
claims under leases, pacing slots, cancels, batch progress, delivery read from the ledger's
statuses; and, on the databases, claims and paces shared by two stores racing."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy import inspect as inspect_db
from sqlalchemy.pool import NullPool

from tests.integration.ledger.conftest import NewUrl
from tests.integration.ledger.factories import T0, THEM, US, at, outbound, sid, status
from twiliokit.errors import StorageError, ValidationError
from twiliokit.ledger import (
    LedgerStore,
    MemoryLedger,
    NewBatch,
    NewOutboxItem,
    OutboxClaim,
    OutboxKind,
    OutboxOutcome,
    OutboxQuery,
    OutboxState,
    OutboxStore,
    OutcomeKind,
    SqlLedger,
    downgrade,
    open_ledger,
    upgrade,
)
from twiliokit.ledger.migrate import VERSION_TABLE
from twiliokit.ledger.schema import metadata
from twiliokit.ledger.urls import resolve_ledger_url

pytestmark = pytest.mark.anyio

S = OutboxState
LEASE = timedelta(seconds=30)
WIDE = timedelta(hours=1)  # a horizon no slot of these tests reaches
OTHER = "+15550000002"


def item_id() -> str:
    return "OB" + uuid.uuid4().hex


def batch_id() -> str:
    return "BT" + uuid.uuid4().hex


def new_item(n: int = 0, **fields: Any) -> NewOutboxItem:
    """A queued message from US to THEM (+n), due at T0."""
    values: dict[str, Any] = {
        "id": item_id(),
        "kind": OutboxKind.MESSAGE,
        "action": "send_sms",
        "sender": US,
        "to": f"+1555010{n:04d}",
        "request": {"to": f"+1555010{n:04d}", "from_": US, "body": f"hello {n}"},
        "created_at": T0,
        "not_before": T0,
    }
    values.update(fields)
    return NewOutboxItem(**values)


async def claim(store: OutboxStore, **options: Any) -> list[Any]:
    """claim_due with this file's defaults (owner w1, now T0, 10 items, wide horizon)."""
    values: dict[str, Any] = {
        "owner": "w1",
        "now": T0,
        "lease": LEASE,
        "limit": 10,
        "horizon": WIDE,
        "default_rate": 1000.0,
    }
    values.update(options)
    return await store.claim_due(OutboxClaim(**values))


def sent(at_minutes: float, sid_: str) -> OutboxOutcome:
    return OutboxOutcome(kind=OutcomeKind.SENT, at=at(at_minutes), sid=sid_, twilio_status="queued")


# --------------------------------------------------------------------------- recording


async def test_enqueued_item_reads_back_queued(ledger: LedgerStore) -> None:
    """An enqueued item reads back with every field, queued and never attempted."""
    new = new_item(1, idempotency_key="key-1", request={"to": THEM, "media_url": ["https://x/1"]})
    await ledger.enqueue([new])
    item = await ledger.get_item(new.id)
    assert item is not None
    assert (item.id, item.kind, item.action, item.sender, item.to) == (
        new.id,
        OutboxKind.MESSAGE,
        "send_sms",
        US,
        new.to,
    )
    assert item.request == {"to": THEM, "media_url": ["https://x/1"]}
    assert (item.state, item.attempts, item.created_at, item.not_before) == (S.QUEUED, 0, T0, T0)
    assert item.lease_owner is None
    assert item.sid is None
    assert item.request_started_at is None
    assert await ledger.find_item(idempotency_key="key-1") == item
    assert await ledger.get_item(item_id()) is None


async def test_send_recorded_already_claimed_is_sending(ledger: LedgerStore) -> None:
    """A send that leaves at once is recorded sending under its process's lease, and only
    that owner can start and finish it."""
    new = new_item(state=S.SENDING, lease_owner="me", lease_until=at(1))
    await ledger.enqueue([new])
    assert await ledger.mark_started(new.id, owner="other", at=T0) is False
    assert await ledger.mark_started(new.id, owner="me", at=T0) is True
    assert await ledger.finish(new.id, sent(0.1, sid(7)), owner="me") is True
    item = await ledger.get_item(new.id)
    assert item is not None
    assert (item.state, item.sid, item.attempts, item.finished_at) == (S.SENT, sid(7), 1, at(0.1))
    assert await ledger.find_item(sid=sid(7)) == item


async def test_duplicate_item_id_is_refused(ledger: LedgerStore) -> None:
    """An id recorded twice is a storage error, and the first item stays as it was."""
    new = new_item()
    await ledger.enqueue([new])
    with pytest.raises(StorageError):
        await ledger.enqueue([new_item(2, id=new.id)])
    item = await ledger.get_item(new.id)
    assert item is not None
    assert item.to == new.to


async def test_bad_records_name_the_field() -> None:
    """A naive time, a sending item without a lease, a bad query or rate is refused naming
    the field."""
    with pytest.raises(ValidationError) as caught:
        new_item(not_before=T0.replace(tzinfo=None))
    assert caught.value.field == "not_before"
    with pytest.raises(ValidationError) as caught:
        new_item(state=S.SENDING)
    assert caught.value.field == "lease_owner"
    with pytest.raises(ValidationError) as caught:
        new_item(state=S.SENT)
    assert caught.value.field == "state"
    with pytest.raises(ValidationError) as caught:
        NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=1, rate=0)
    assert caught.value.field == "rate"
    with pytest.raises(ValidationError) as caught:
        OutboxQuery(due_before=T0.replace(tzinfo=None))
    assert caught.value.field == "due_before"
    with pytest.raises(ValidationError) as caught:
        OutboxQuery(state="lost")  # type: ignore[arg-type]
    assert caught.value.field == "state"
    with pytest.raises(ValidationError) as caught:
        OutboxQuery(limit=0)
    assert caught.value.field == "limit"
    assert OutboxQuery(state="queued").state is S.QUEUED  # type: ignore[arg-type]
    async with MemoryLedger() as memory:
        with pytest.raises(ValidationError) as caught:
            await memory.set_pace(US, rate=-1)
        assert caught.value.field == "rate"


async def test_list_items_filters_and_orders_newest_first(ledger: LedgerStore) -> None:
    """list_items combines state, sender, batch and due filters, newest first."""
    batch = batch_id()
    a = new_item(1, created_at=at(1), not_before=at(1))
    b = new_item(2, created_at=at(2), not_before=at(30), batch_id=batch)
    c = new_item(3, created_at=at(3), not_before=at(3), sender=OTHER, batch_id=batch)
    await ledger.enqueue(
        [a, b, c], batch=NewBatch(id=batch, action="send_bulk", created_at=T0, total=2)
    )
    await ledger.cancel_item(a.id, at=at(4))

    async def ids(**filters: Any) -> list[str]:
        return [item.id for item in await ledger.list_items(OutboxQuery(**filters))]

    assert await ids() == [c.id, b.id, a.id]
    assert await ids(state=S.CANCELED) == [a.id]
    assert await ids(state=S.QUEUED, sender=US) == [b.id]
    assert await ids(batch_id=batch) == [c.id, b.id]
    assert await ids(due_after=at(2), due_before=at(31)) == [c.id, b.id]
    assert await ids(due_before=at(3)) == [a.id]
    assert await ids(limit=1) == [c.id]


# --------------------------------------------------------------------------- claims


async def test_claim_takes_due_items_oldest_first(ledger: LedgerStore) -> None:
    """Only due items are claimed, oldest not_before first, under the claimer's lease (one
    for the whole claim: its last slot plus the lease)."""
    later = new_item(1, not_before=at(-1))
    sooner = new_item(2, not_before=at(-2))
    future = new_item(3, not_before=at(5))
    await ledger.enqueue([later, sooner, future])
    claimed = await claim(ledger)
    assert [c.item.id for c in claimed] == [sooner.id, later.id]
    last_slot = max(c.leave_at for c in claimed)
    for c in claimed:
        assert c.item.state is S.SENDING
        assert c.item.lease_owner == "w1"
        assert c.item.lease_until == last_slot + LEASE
        assert await ledger.get_item(c.item.id) == c.item
    assert await claim(ledger) == []
    assert [c.item.id for c in await claim(ledger, now=at(5))] == [future.id]


async def test_slots_are_spaced_by_the_senders_rate(ledger: LedgerStore) -> None:
    """A sender at 2/s gets slots half a second apart, continued by the next claim; only
    slots within the horizon are claimed."""
    await ledger.set_pace(US, rate=2)
    await ledger.enqueue([new_item(n) for n in range(6)])
    first = await claim(ledger, limit=10, horizon=timedelta(seconds=1))
    assert [c.leave_at for c in first] == [T0 + timedelta(seconds=s) for s in (0, 0.5, 1)]
    second = await claim(ledger, limit=2, horizon=timedelta(seconds=2))
    assert [c.leave_at for c in second] == [T0 + timedelta(seconds=s) for s in (1.5, 2)]
    (pace,) = await ledger.paces()
    assert (pace.sender, pace.rate, pace.next_at) == (US, 2, T0 + timedelta(seconds=2.5))


async def test_claims_serve_every_sender(ledger: LedgerStore) -> None:
    """One sender's backlog does not starve another: slots alternate across senders."""
    backlog = [new_item(n, not_before=at(-10)) for n in range(50)]
    few = [new_item(100 + n, sender=OTHER) for n in range(2)]
    await ledger.enqueue(backlog + few)
    await ledger.set_pace(US, rate=10)
    await ledger.set_pace(OTHER, rate=10)
    claimed = await claim(ledger, limit=4)
    assert sorted(c.item.sender for c in claimed) == [US, US, OTHER, OTHER]
    assert [c.leave_at for c in claimed] == sorted(c.leave_at for c in claimed)


async def test_claim_fills_its_limit_from_senders_with_more(ledger: LedgerStore) -> None:
    """A sender with few items due leaves the rest of a claim's limit to the others."""
    await ledger.enqueue([new_item(n) for n in range(20)] + [new_item(50, sender=OTHER)])
    claimed = await claim(ledger, limit=10)
    assert sorted(c.item.sender for c in claimed) == [US] * 9 + [OTHER]


async def test_new_senders_get_their_rate(ledger: LedgerStore) -> None:
    """A sender without a pace gets rate_for(sender), else the default rate."""
    await ledger.enqueue([new_item(1), new_item(2, sender=OTHER)])
    await claim(ledger, rate_for=lambda sender: 3.0 if sender == OTHER else 7.0)
    assert {(p.sender, p.rate) for p in await ledger.paces()} == {(US, 7.0), (OTHER, 3.0)}


async def test_max_in_flight_counts_every_owners_leases(ledger: LedgerStore) -> None:
    """With max_in_flight, unexpired leases of every owner count; expired ones do not."""
    held = new_item(1, state=S.SENDING, lease_owner="other", lease_until=at(1))
    await ledger.enqueue([held] + [new_item(n) for n in range(2, 8)])
    assert len(await claim(ledger, max_in_flight=3)) == 2
    assert await claim(ledger, max_in_flight=3) == []
    assert len(await claim(ledger, now=at(2), max_in_flight=3)) == 3  # 'other' expired


async def test_start_request_stops_at_max_in_flight_requests(ledger: LedgerStore) -> None:
    """max_in_flight counts requests out (items marked started under a live lease, any
    owner), not items merely claimed: at the cap a start is FULL and changes nothing."""
    soon, later = T0 + timedelta(seconds=10), T0 + timedelta(seconds=20)  # w1's lease: 30 s
    out = new_item(1, state=S.SENDING, lease_owner="other", lease_until=soon)
    await ledger.enqueue([out] + [new_item(n) for n in range(2, 5)])
    assert await ledger.mark_started(out.id, owner="other", at=T0)
    first, second, third = [c.item for c in await claim(ledger)]
    assert await ledger.start_request(first.id, owner="w1", at=T0, max_in_flight=2) == "started"
    assert await ledger.start_request(second.id, owner="w1", at=T0, max_in_flight=2) == "full"
    assert (await ledger.get_item(second.id)).request_started_at is None
    assert await ledger.start_request(second.id, owner="w9", at=T0, max_in_flight=None) == "lost"
    # The other owner's lease ran out: its request no longer counts.
    assert await ledger.start_request(second.id, owner="w1", at=later, max_in_flight=2) == "started"
    assert await ledger.start_request(third.id, owner="w1", at=later, max_in_flight=2) == "full"


async def test_hand_over_finishes_one_and_starts_the_next_at_the_cap(ledger: LedgerStore) -> None:
    """A request that ends hands its slot to the next item in one step: the first is
    finished, the second started, though max_in_flight requests were out."""
    await ledger.enqueue([new_item(n) for n in range(2)])
    ended, waiting = [c.item for c in await claim(ledger)]
    assert await ledger.start_request(ended.id, owner="w1", at=T0, max_in_flight=1) == "started"
    assert await ledger.start_request(waiting.id, owner="w1", at=T0, max_in_flight=1) == "full"
    then = T0 + timedelta(seconds=1)
    sent = OutboxOutcome(kind=OutcomeKind.SENT, at=then, sid=sid(1), twilio_status="queued")
    assert await ledger.hand_over(ended.id, sent, owner="w1", to=waiting.id, at=then) == (
        True,
        "started",
    )
    assert (await ledger.get_item(ended.id)).state is S.SENT
    assert (await ledger.get_item(waiting.id)).request_started_at == then
    lost = await ledger.hand_over(waiting.id, sent, owner="w9", to=ended.id, at=then)
    assert lost == (False, "lost")  # neither is held by w9: nothing changes
    assert (await ledger.get_item(waiting.id)).state is S.SENDING


async def test_slowed_sender_waits_then_runs_at_half_rate(ledger: LedgerStore) -> None:
    """A slowed sender sends nothing before next_at, then at half its rate until told."""
    await ledger.set_pace(US, rate=4)
    await ledger.slow_sender(US, until=at(1), next_at=T0 + timedelta(seconds=10))
    await ledger.slow_sender(US, until=T0, next_at=T0)  # never moves back
    await ledger.enqueue([new_item(n) for n in range(3)])
    assert await claim(ledger, horizon=timedelta(seconds=5)) == []
    claimed = await claim(ledger, horizon=timedelta(seconds=11))
    assert [c.leave_at for c in claimed] == [T0 + timedelta(seconds=s) for s in (10, 10.5, 11)]
    (pace,) = await ledger.paces()
    assert pace.slowed_until == at(1)


async def test_batch_rate_slows_its_items_not_its_sender(ledger: LedgerStore) -> None:
    """Items of a batch with a lower rate than their sender's are due at the batch's rate;
    the sender's other items go between them at its own pace, during and after the batch."""
    batch = NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=3, rate=0.01)
    await ledger.set_pace(US, rate=100)
    slow = [new_item(n, batch_id=batch.id) for n in range(3)]
    await ledger.enqueue(slow, batch=batch)
    due = [(await ledger.get_item(item.id)) for item in slow]
    assert [item.not_before for item in due if item] == [
        T0 + timedelta(seconds=s) for s in (0, 100, 200)
    ]
    other = new_item(9)
    await ledger.enqueue([other])
    claimed = await claim(ledger)
    assert [(c.item.id, c.leave_at) for c in claimed] == [
        (slow[0].id, T0),
        (other.id, T0 + timedelta(seconds=0.01)),
    ]
    later = await claim(ledger, now=T0 + timedelta(seconds=100))
    assert [(c.item.id, c.leave_at) for c in later] == [(slow[1].id, T0 + timedelta(seconds=100))]


async def test_claim_filters_by_kind(ledger: LedgerStore) -> None:
    """kinds limits a claim to those kinds of item (webhook forwards apart from sends)."""
    forward = new_item(1, kind=OutboxKind.FORWARD, action="forward", sender="example.com")
    await ledger.enqueue([new_item(2), forward])
    claimed = await claim(ledger, kinds=[OutboxKind.FORWARD])
    assert [c.item.id for c in claimed] == [forward.id]


async def test_take_slot_reserves_the_senders_next_slot(ledger: LedgerStore) -> None:
    """An immediate send takes a slot from the same schedule as claims; an unpaced sender
    without a default is not paced."""
    assert await ledger.take_slot(US, now=T0) == T0
    assert await ledger.paces() == []
    assert await ledger.take_slot(US, now=T0, default_rate=2) == T0
    assert await ledger.take_slot(US, now=T0, default_rate=2) == T0 + timedelta(seconds=0.5)
    await ledger.enqueue([new_item()])
    (claimed,) = await claim(ledger)
    assert claimed.leave_at == T0 + timedelta(seconds=1)


async def test_reslot_takes_back_the_start_and_gives_the_next_slot(ledger: LedgerStore) -> None:
    """An item marked started but reached too late gets its sender's next slot and is no
    longer started (so it no longer counts against max_in_flight, nor as an attempt); only
    its lease holder can, and only while it is marked started."""
    await ledger.enqueue([new_item(n) for n in range(3)])
    late, waiting, unmarked = [c.item for c in await claim(ledger)]
    assert await ledger.start_request(late.id, owner="w1", at=T0, max_in_flight=1) == "started"
    assert await ledger.start_request(waiting.id, owner="w1", at=T0, max_in_flight=1) == "full"
    then = T0 + timedelta(seconds=5)
    assert await ledger.reslot(late.id, US, owner="w9", now=then, default_rate=2) is None
    assert await ledger.reslot(unmarked.id, US, owner="w1", now=then, default_rate=2) is None
    slot = await ledger.reslot(late.id, US, owner="w1", now=then, default_rate=2)
    assert slot == then  # the sender's schedule had passed: it starts again from now
    again = await ledger.get_item(late.id)
    assert (again.state, again.lease_owner) == (S.SENDING, "w1")
    assert (again.request_started_at, again.attempts) == (None, 0)
    assert await ledger.start_request(waiting.id, owner="w1", at=then, max_in_flight=1) == (
        "started"
    )
    assert await ledger.take_slot(US, now=then) == then + timedelta(seconds=1 / 1000)


# --------------------------------------------------------------------------- leases


async def test_lease_holder_alone_starts_extends_and_finishes(ledger: LedgerStore) -> None:
    """Only the lease holder starts, extends and finishes; an expired lease cannot start."""
    await ledger.enqueue([new_item()])
    (claimed,) = await claim(ledger)
    item = claimed.item.id
    assert await ledger.mark_started(item, owner="w2", at=T0) is False
    assert await ledger.mark_started(item, owner="w1", at=T0 + LEASE) is False  # ran out
    assert await ledger.extend_lease(item, owner="w2", until=at(5)) is False
    assert await ledger.extend_lease(item, owner="w1", until=at(5)) is True
    assert await ledger.mark_started(item, owner="w1", at=at(1)) is True
    assert await ledger.finish(item, sent(1, sid(1)), owner="w2") is False
    assert await ledger.finish(item, sent(1, sid(1)), owner="w1") is True
    assert await ledger.finish(item, sent(1, sid(2)), owner="w1") is False  # already sent
    found = await ledger.get_item(item)
    assert found is not None
    assert found.sid == sid(1)
    assert found.lease_until is None


async def test_expired_leases_requeue_or_become_unknown(ledger: LedgerStore) -> None:
    """An expired lease whose request never started is queued again; one whose request
    started becomes unknown (returned), and its old worker can no longer finish it."""
    quiet, started = new_item(1), new_item(2, not_before=at(-1))
    await ledger.enqueue([quiet, started])
    await claim(ledger)
    assert await ledger.mark_started(started.id, owner="w1", at=T0) is True
    assert await ledger.expire_leases(now=T0) == []
    lost = await ledger.expire_leases(now=at(1))
    assert [(i.id, i.state, i.attempts) for i in lost] == [(started.id, S.UNKNOWN, 1)]
    assert lost[0].reason is not None
    assert "lease" in lost[0].reason
    assert [i.id for i in await ledger.unknown_items()] == [started.id]
    requeued = await ledger.get_item(quiet.id)
    assert requeued is not None
    assert (requeued.state, requeued.lease_owner) == (S.QUEUED, None)
    assert await ledger.finish(started.id, sent(2, sid(3)), owner="w1") is False
    # Reconciliation (no owner) decides.
    assert await ledger.finish(started.id, sent(2, sid(3)), owner=None) is True
    assert await ledger.unknown_items() == []
    assert await ledger.finish(started.id, sent(2, sid(4)), owner=None) is False


async def test_a_send_made_at_once_whose_process_died_before_its_request_is_canceled(
    ledger: LedgerStore,
) -> None:
    """A send made at once (lease owner send:HOST:PID) whose lease runs out before its request
    started is canceled saying so, never queued for a worker to send behind its caller's
    back; a worker's item in the same case is queued again."""
    at_once = new_item(1, state=S.SENDING, lease_owner="send:host:42", lease_until=at(1))
    workers = new_item(2, state=S.SENDING, lease_owner="w9", lease_until=at(1))
    await ledger.enqueue([at_once, workers])
    assert await ledger.expire_leases(now=at(2)) == []
    canceled = await ledger.get_item(at_once.id)
    assert canceled is not None
    assert (canceled.state, canceled.lease_until) == (S.CANCELED, None)
    assert "nothing was sent" in (canceled.reason or "")
    requeued = await ledger.get_item(workers.id)
    assert requeued is not None
    assert requeued.state == S.QUEUED
    assert [c.item.id for c in await claim(ledger, now=at(2))] == [workers.id]


async def test_cancel_batch_stops_claimed_items_that_have_not_started(
    ledger: LedgerStore,
) -> None:
    """cancel_batch cancels the queued items and those claimed but not started (their worker
    can no longer start them); an item whose request started is left to finish."""
    batch = NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=3)
    items = [new_item(n, batch_id=batch.id) for n in range(3)]
    await ledger.enqueue(items, batch=batch)
    claimed = [c.item.id for c in await claim(ledger, limit=2)]
    assert await ledger.mark_started(claimed[0], owner="w1", at=T0) is True
    assert await ledger.cancel_batch(batch.id, at=at(1)) == 2
    assert await ledger.mark_started(claimed[1], owner="w1", at=at(1)) is False
    states = {item.id: (await ledger.get_item(item.id)).state for item in items}  # type: ignore[union-attr]
    assert states == {claimed[0]: S.SENDING, claimed[1]: S.CANCELED, items[2].id: S.CANCELED}


async def test_list_items_pages_through_items_created_at_the_same_moment(
    ledger: LedgerStore,
) -> None:
    """after= the previous page's last item gives the next page in the same order (newest
    first, then by id), however many share one created_at, as a bulk send's items do."""
    items = [new_item(n) for n in range(5)]
    await ledger.enqueue(items)
    pages: list[list[str]] = []
    after = None
    while True:
        page = await ledger.list_items(OutboxQuery(limit=2, after=after))
        if not page:
            break
        pages.append([item.id for item in page])
        after = page[-1]
    listed = [item_id for page in pages for item_id in page]
    assert sorted(listed) == sorted(item.id for item in items)
    assert listed == [item.id for item in await ledger.list_items(OutboxQuery(limit=10))]
    assert [len(page) for page in pages] == [2, 2, 1]


async def test_retry_outcome_requeues_without_a_request(ledger: LedgerStore) -> None:
    """A retry (nothing left) queues the item again at retry_at, with no lease or request."""
    await ledger.enqueue([new_item()])
    (claimed,) = await claim(ledger)
    await ledger.mark_started(claimed.item.id, owner="w1", at=T0)
    retry = OutboxOutcome(kind=OutcomeKind.RETRY, at=T0, retry_at=at(1), reason="429")
    assert await ledger.finish(claimed.item.id, retry, owner="w1") is True
    item = await ledger.get_item(claimed.item.id)
    assert item is not None
    assert (item.state, item.not_before, item.request_started_at) == (S.QUEUED, at(1), None)
    assert item.attempts == 1
    assert await claim(ledger) == []
    assert len(await claim(ledger, now=at(1))) == 1


# --------------------------------------------------------------------------- cancels, batches


async def test_cancel_only_stops_what_has_not_left(ledger: LedgerStore) -> None:
    """cancel_item cancels a queued item; a claimed one is returned unchanged."""
    queued, claimed = new_item(1, not_before=at(1)), new_item(2)
    await ledger.enqueue([queued, claimed])
    await claim(ledger)
    canceled = await ledger.cancel_item(queued.id, at=at(0.5))
    assert canceled is not None
    assert (canceled.state, canceled.finished_at) == (S.CANCELED, at(0.5))
    held = await ledger.cancel_item(claimed.id, at=at(0.5))
    assert held is not None
    assert held.state is S.SENDING
    assert await ledger.cancel_item(item_id(), at=T0) is None
    assert await claim(ledger, now=at(2)) == []


async def test_canceled_batch_is_never_claimed(ledger: LedgerStore) -> None:
    """cancel_batch cancels its queued items (and one claimed, not started); items joining it
    later are canceled too."""
    batch = NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=4, details={"a": 1})
    await ledger.enqueue([new_item(n, batch_id=batch.id) for n in range(3)], batch=batch)
    (first,) = await claim(ledger, limit=1)
    assert await ledger.cancel_batch(batch.id, at=at(1)) == 3
    assert await ledger.cancel_batch(batch.id, at=at(2)) == 0
    await ledger.enqueue([new_item(9, batch_id=batch.id)])
    assert await claim(ledger, now=at(3)) == []
    stored = await ledger.get_batch(batch.id)
    assert stored is not None
    assert (stored.canceled_at, stored.details, stored.total) == (at(1), {"a": 1}, 4)
    progress = await ledger.batch_progress(batch.id, now=at(3))
    assert progress is not None
    assert progress.counts[S.CANCELED] == 4
    assert progress.counts.get(S.SENDING, 0) == 0
    assert progress.done
    assert await ledger.finish(first.item.id, sent(3, sid(1)), owner="w1") is False


async def test_sent_items_read_delivery_from_the_ledger(ledger: LedgerStore) -> None:
    """A sent item reads delivered or failed (with the error code) from its SID's current
    status, in get_item, list_items and batch_progress alike."""
    batch = NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=3)
    items = [new_item(n, batch_id=batch.id) for n in range(3)]
    await ledger.enqueue(items, batch=batch)
    await claim(ledger)
    for n, item in enumerate(items):
        await ledger.finish(item.id, sent(0, sid(n)), owner="w1")
        await ledger.record_message(outbound(n))
    await ledger.apply_status(status(0, "delivered"))
    await ledger.apply_status(status(1, "undelivered", error_code=30003))

    delivered = await ledger.get_item(items[0].id)
    assert delivered is not None
    assert (delivered.state, delivered.twilio_status) == (S.DELIVERED, "delivered")
    failed = await ledger.get_item(items[1].id)
    assert failed is not None
    assert (failed.state, failed.twilio_status, failed.error_code) == (
        S.FAILED,
        "undelivered",
        30003,
    )
    still = await ledger.get_item(items[2].id)
    assert still is not None
    assert (still.state, still.twilio_status) == (S.SENT, "queued")
    for state, expected in ((S.DELIVERED, 0), (S.FAILED, 1), (S.SENT, 2)):
        found = await ledger.list_items(OutboxQuery(state=state))
        assert [i.id for i in found] == [items[expected].id]
    progress = await ledger.batch_progress(batch.id, now=at(1))
    assert progress is not None
    assert {s: n for s, n in progress.counts.items() if n} == {
        S.DELIVERED: 1,
        S.FAILED: 1,
        S.SENT: 1,
    }
    assert set(progress.counts) == set(OutboxState)


async def test_batch_progress_rate_per_sender(ledger: LedgerStore) -> None:
    """The rate per sender counts requests (sent or failed) finished in the last minute, over
    the time since the batch's first one finished (at most a minute)."""
    batch = NewBatch(id=batch_id(), action="send_bulk", created_at=T0, total=12)
    items = [new_item(n, batch_id=batch.id, sender=OTHER if n >= 10 else US) for n in range(12)]
    await ledger.enqueue(items, batch=batch)
    await claim(ledger, limit=12)
    for n, item in enumerate(items):
        done = T0 + timedelta(seconds=n % 10)
        outcome = OutboxOutcome(kind=OutcomeKind.SENT, at=done, sid=sid(n)) if n else _failed(done)
        await ledger.finish(item.id, outcome, owner="w1")
    progress = await ledger.batch_progress(batch.id, now=T0 + timedelta(seconds=10))
    assert progress is not None
    assert progress.rate_per_sender == {US: 1.0, OTHER: 0.2}
    later = await ledger.batch_progress(batch.id, now=at(5))
    assert later is not None
    assert later.rate_per_sender == {}
    assert await ledger.batch_progress(batch_id(), now=T0) is None


def _failed(at_: Any) -> OutboxOutcome:
    return OutboxOutcome(kind=OutcomeKind.FAILED, at=at_, error_code=21211, reason="invalid")


async def test_depth_counts_waiting_and_in_flight_by_sender(ledger: LedgerStore) -> None:
    """depth counts items queued or sending, per sender."""
    refused = new_item(9, state=S.REFUSED, reason="opted out")
    await ledger.enqueue([new_item(1), new_item(2), new_item(3, sender=OTHER), refused])
    await claim(ledger, limit=1)
    assert await ledger.depth() == {US: 2, OTHER: 1}
    item = await ledger.get_item(refused.id)
    assert item is not None
    assert (item.state, item.reason) == (S.REFUSED, "opted out")


# --------------------------------------------------------------------------- shared by stores


async def test_racing_stores_claim_each_item_once(new_sql_url: NewUrl) -> None:
    """Two stores on one database claiming at once never claim an item twice, and between
    them claim every item."""
    url = new_sql_url()
    async with await open_ledger(url) as a, await open_ledger(url) as b:
        items = [new_item(n, sender=f"+1555000{n % 5:04d}") for n in range(200)]
        await a.enqueue(items)

        async def drain(store: LedgerStore, owner: str) -> list[str]:
            # Until nothing is waiting: a claim may find every sender held by the other's.
            got: list[str] = []
            while await store.list_items(OutboxQuery(state=S.QUEUED, limit=1)):
                got += [c.item.id for c in await claim(store, owner=owner, limit=7)]
            return got

        first, second = await asyncio.gather(drain(a, "a"), drain(b, "b"))
    assert len(first) + len(second) == len(items)
    assert set(first) | set(second) == {i.id for i in items}


async def test_pace_is_shared_by_racing_stores(new_sql_url: NewUrl) -> None:
    """Slots claimed by two stores for one sender, taking turns and then racing, are spaced
    by 1/rate and none is given twice."""
    url = new_sql_url()
    async with await open_ledger(url) as a, await open_ledger(url) as b:
        await a.set_pace(US, rate=5)
        await a.enqueue([new_item(n) for n in range(40)])
        claimed: list[Any] = []
        for turn in range(6):  # each store carries on the other's schedule
            claimed += await claim(b if turn % 2 else a, owner="ba"[turn % 2], limit=2)

        async def take(store: LedgerStore, owner: str) -> None:
            # A claim finding the sender held by the other store's claim gets nothing now.
            for _ in range(200):
                if len(claimed) >= 40:
                    return
                claimed.extend(await claim(store, owner=owner, limit=2))

        await asyncio.gather(take(a, "a"), take(b, "b"))
        owners = {c.item.lease_owner for c in claimed}
    slots = sorted(c.leave_at for c in claimed)
    assert len(claimed) == 40
    assert slots == [T0 + timedelta(seconds=n / 5) for n in range(40)]
    assert owners == {"a", "b"}


async def test_store_reopened_sees_the_same_outbox(new_sql_url: NewUrl) -> None:
    """The outbox survives the process: a new store on the database finds items and paces."""
    url = new_sql_url()
    new = new_item()
    async with await open_ledger(url) as first:
        await first.enqueue([new])
        await first.set_pace(US, rate=3)
    async with await open_ledger(url) as second:
        item = await second.get_item(new.id)
        assert item is not None
        assert item.state is S.QUEUED
        assert [(p.sender, p.rate) for p in await second.paces()] == [(US, 3.0)]


@pytest.mark.parametrize("store", [MemoryLedger, SqlLedger])
def test_stores_implement_the_whole_outbox_protocol(store: type) -> None:
    """Both stores have every OutboxStore method, with the same signature."""
    members = [name for name, value in vars(OutboxStore).items() if inspect.isfunction(value)]
    members = [name for name in members if not name.startswith("_")]
    assert len(members) > 15
    for name in members:
        expected = inspect.signature(getattr(OutboxStore, name))
        assert inspect.signature(getattr(store, name)) == expected, name


async def test_outbox_migration_goes_down_and_up(new_sql_url: NewUrl) -> None:
    """Downgrading to 0002 drops only the outbox tables (the ledger's rows stay); upgrading
    brings them back, empty and usable."""
    url = new_sql_url()
    async with await open_ledger(url) as store:
        await store.record_message(outbound(1))
        await store.enqueue([new_item()])
    await asyncio.to_thread(downgrade, url, "0002")
    assert await asyncio.to_thread(_tables, url) == set(_LEDGER_TABLES)
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(_tables, url) == set(_LEDGER_TABLES) | set(_OUTBOX_TABLES)
    async with await open_ledger(url, migrate=False) as store:
        assert await store.get_message(sid(1)) is not None
        assert await store.list_items(OutboxQuery()) == []
        await store.enqueue([new_item()])
        assert len(await claim(store)) == 1


_OUTBOX_TABLES = ("twiliokit_outbox_items", "twiliokit_outbox_batches", "twiliokit_outbox_paces")
_LEDGER_TABLES = tuple(
    table.name for table in metadata.sorted_tables if table.name not in _OUTBOX_TABLES
)


def _tables(url: str) -> set[str]:
    target = resolve_ledger_url(url)
    assert target.url is not None
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        return set(inspect_db(engine).get_table_names()) - {VERSION_TABLE}
    finally:
        engine.dispose()
