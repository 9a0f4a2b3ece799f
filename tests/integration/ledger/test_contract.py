"""The LedgerStore contract, run on the in-memory fake, SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.ledger.conftest import NewUrl
from tests.integration.ledger.factories import (
    ACCOUNT,
    T0,
    THEM,
    US,
    at,
    inbound,
    outbound,
    sid,
    status,
)
from twiliokit.ledger import (
    CallDirection,
    CallRecord,
    CallStatus,
    CallStatusEvent,
    Channel,
    Claim,
    Direction,
    IdempotencyState,
    IdempotentRequest,
    LedgerBatch,
    LedgerQuery,
    LedgerStore,
    MessageRecord,
    MessageStatus,
    OptOutAction,
    OptOutEvent,
    OptOutSource,
    StatusOutcome,
    StatusSource,
    WebhookDelivery,
    WebhookKind,
    open_ledger,
)

pytestmark = pytest.mark.anyio

S = MessageStatus


# --------------------------------------------------------------------------- messages


async def test_message_round_trips_every_field(ledger: LedgerStore) -> None:
    """A recorded message reads back exactly as it was written."""
    message = outbound(
        1,
        num_segments=2,
        num_media=1,
        media_urls=("https://api.twilio.com/media/ME1",),
        messaging_service_sid="MG" + "b" * 32,
        price=Decimal("-0.0075"),
        price_unit="USD",
        date_updated=at(1),
        date_sent=at(1),
        body="héllo ☃",
    )
    await ledger.record_message(message)
    assert await ledger.get_message(message.sid) == message
    assert message.channel is Channel.MMS


async def test_awkward_text_and_offsets_round_trip(ledger: LedgerStore) -> None:
    """Quotes, backslashes, control characters, emoji and placeholder-like text are stored as
    sent, and a time given in another offset reads back as the same instant in UTC."""
    body = 'it\'s "quoted" \\ back\\slash\nnew line\ttab 🚀 %(rows)s %s $1 {"json": [1]}'
    given = datetime(2026, 3, 1, 17, 30, 0, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    message = inbound(1, body=body, date_created=given)
    await ledger.record_message(message)
    stored = await ledger.get_message(sid(1))
    assert stored is not None
    assert stored.body == body
    assert stored.date_created == given
    assert stored.date_created.utcoffset() == timedelta(0)


async def test_unknown_message_reads_as_none(ledger: LedgerStore) -> None:
    """Asking for a SID that was never recorded gives None, not an error."""
    assert await ledger.get_message(sid(404)) is None
    assert await ledger.status_history(sid(404)) == []


async def test_status_only_moves_forward(ledger: LedgerStore) -> None:
    """Out-of-order callbacks never move a message backwards, and duplicates change nothing."""
    await ledger.record_message(outbound(1))
    assert await ledger.apply_status(status(1, "sent", minutes=2)) is StatusOutcome.APPLIED
    assert await ledger.apply_status(status(1, "delivered", minutes=3)) is StatusOutcome.APPLIED
    assert await ledger.apply_status(status(1, "sending", minutes=4)) is StatusOutcome.STALE
    assert await ledger.apply_status(status(1, "delivered", minutes=5)) is StatusOutcome.DUPLICATE

    message = await ledger.get_message(sid(1))
    assert message is not None
    assert message.status is S.DELIVERED
    assert message.date_updated == at(3)
    history = await ledger.status_history(sid(1))
    assert [e.status for e in history] == [S.QUEUED, S.SENDING, S.SENT, S.DELIVERED]
    assert history[0].source is StatusSource.API
    assert history[1].at == at(4)


async def test_read_after_delivered_moves_forward(ledger: LedgerStore) -> None:
    """A WhatsApp read receipt after delivery is progress, not a regression."""
    await ledger.record_message(outbound(1, to="whatsapp:" + THEM, from_="whatsapp:" + US))
    await ledger.apply_status(status(1, "delivered"))
    assert await ledger.apply_status(status(1, "read", minutes=2)) is StatusOutcome.APPLIED
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert message.status is S.READ
    assert message.channel is Channel.WHATSAPP


async def test_first_final_status_stays(ledger: LedgerStore) -> None:
    """A late status of equal rank (failed after delivered) is kept in history only."""
    await ledger.record_message(outbound(1))
    await ledger.apply_status(status(1, "delivered"))
    late = status(1, "undelivered", minutes=2, error_code=30003)
    assert await ledger.apply_status(late) is StatusOutcome.STALE
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert (message.status, message.error_code) == (S.DELIVERED, None)
    assert [e.status for e in await ledger.status_history(sid(1))][-2:] == [
        S.DELIVERED,
        S.UNDELIVERED,
    ]


async def test_failure_keeps_its_error_code(ledger: LedgerStore) -> None:
    """A failed callback's error code and message show on the message."""
    await ledger.record_message(outbound(1))
    event = status(1, "undelivered", error_code=30007, error_message="Carrier violation")
    await ledger.apply_status(event)
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert (message.status, message.error_code, message.error_message) == (
        S.UNDELIVERED,
        30007,
        "Carrier violation",
    )
    assert (await ledger.status_history(sid(1)))[-1].error_code == 30007


async def test_callback_before_message_is_not_lost(ledger: LedgerStore) -> None:
    """A status callback that beats the send's own record still decides the status."""
    assert await ledger.apply_status(status(1, "delivered")) is StatusOutcome.APPLIED
    assert await ledger.get_message(sid(1)) is None
    await ledger.record_message(outbound(1))
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert message.status is S.DELIVERED
    assert [e.status for e in await ledger.status_history(sid(1))] == [S.QUEUED, S.DELIVERED]


async def test_a_message_stub_is_recorded_only_when_the_message_is_unknown(
    ledger: LedgerStore,
) -> None:
    """A stub (what a status callback says of a message sent elsewhere) shows the message in
    its conversation with its status, and never changes a message already recorded."""
    stub = outbound(1, body=None, date_created=at(5), messaging_service_sid="MG1")
    await ledger.write(LedgerBatch(message_stubs=(stub,), statuses=(status(1, "delivered"),)))
    conversation = await ledger.conversation(THEM)
    assert [(m.message.sid, m.message.status) for m in conversation] == [(sid(1), S.DELIVERED)]
    await ledger.record_message(outbound(2))
    again = outbound(2, body=None, date_created=at(9), messaging_service_sid="MG9")
    await ledger.write(LedgerBatch(message_stubs=(again,), statuses=(status(2, "sent"),)))
    known = await ledger.get_message(sid(2))
    assert known is not None
    assert (known.body, known.date_created, known.messaging_service_sid) == (
        "message 2",
        outbound(2).date_created,
        None,
    )
    assert known.status is S.SENT
    await ledger.record_message(outbound(1))  # the real record, later, replaces the stub
    replaced = await ledger.get_message(sid(1))
    assert replaced is not None
    assert (replaced.body, replaced.date_created) == ("message 1", outbound(1).date_created)
    assert replaced.status is S.DELIVERED


async def test_rerecording_keeps_known_fields(ledger: LedgerStore) -> None:
    """Recording a SID again fills gaps and replaces given fields but never regresses status."""
    await ledger.record_message(outbound(1, messaging_service_sid="MG1", from_=None))
    await ledger.apply_status(status(1, "sent"))
    fetched = outbound(
        1, status=S.QUEUED, body=None, price=Decimal("-0.0079"), date_sent=at(1), from_=US
    )
    await ledger.record_message(fetched)
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert message.body == "message 1"
    assert message.price == Decimal("-0.0079")
    assert (message.from_, message.messaging_service_sid) == (US, "MG1")
    assert message.status is S.SENT


async def test_rerecording_fills_a_missing_error_code(ledger: LedgerStore) -> None:
    """A fetched message can add the error code a failed callback did not carry."""
    await ledger.record_message(outbound(1))
    await ledger.apply_status(status(1, "failed"))
    await ledger.record_message(outbound(1, status=S.FAILED, error_code=30001))
    message = await ledger.get_message(sid(1))
    assert message is not None
    assert (message.status, message.error_code) == (S.FAILED, 30001)


async def test_concurrent_status_writes_converge(new_sql_url: NewUrl) -> None:
    """Sends and callbacks racing through two stores end at each message's highest status."""
    ledger_url = new_sql_url()
    order = ["queued", "sending", "sent", "delivered", "read"]
    rng = random.Random(7)
    async with await open_ledger(ledger_url) as one, await open_ledger(ledger_url) as two:
        writes: list[Coroutine[Any, Any, object]] = []
        for n in range(40):
            writes.append(one.record_message(outbound(n)))
            writes.extend(
                rng.choice((one, two)).apply_status(status(n, value, minutes=i))
                for i, value in enumerate(order[1:], start=1)
            )
        rng.shuffle(writes)
        await asyncio.gather(*writes)
        for n in range(40):
            message = await two.get_message(sid(n))
            assert message is not None
            assert message.status is S.READ, n
            assert len(await one.status_history(sid(n))) == len(order)


# --------------------------------------------------------------------------- claims, batches


async def test_concurrent_claims_have_one_winner(ledger: LedgerStore) -> None:
    """Twenty simultaneous claims on one key: exactly one wins; other kinds are separate."""
    results = await asyncio.gather(*(ledger.claim("tok-1", "inbound") for _ in range(20)))
    assert results.count(True) == 1
    assert await ledger.claim("tok-1", "status") is True
    assert await ledger.claim("tok-1", "inbound", at=T0) is False


async def test_claims_are_atomic_across_stores(new_sql_url: NewUrl) -> None:
    """Two processes' worth of stores on one database still give one winner per key."""
    ledger_url = new_sql_url()
    async with await open_ledger(ledger_url) as one, await open_ledger(ledger_url) as two:
        stores = (one, two, one, two)
        results = await asyncio.gather(
            *(store.claim(f"tok-{k}", "inbound") for k in range(10) for store in stores)
        )
    assert sum(results) == 10


async def test_lost_claim_writes_nothing(ledger: LedgerStore) -> None:
    """A batch whose claim is already held is dropped whole; the first one is kept whole."""
    delivery = WebhookDelivery(
        kind=WebhookKind.INCOMING_MESSAGE,
        received_at=T0,
        url="https://example.com/sms",
        signature_valid=True,
        key="tok-1",
        sid=sid(1),
    )
    first = LedgerBatch(
        claim=Claim(key="tok-1", kind="inbound"), messages=(inbound(1),), webhooks=(delivery,)
    )
    second = replace(first, messages=(inbound(2),))
    assert (await ledger.write(first)).claimed is True
    assert (await ledger.write(second)).claimed is False
    assert await ledger.get_message(sid(1)) is not None
    assert await ledger.get_message(sid(2)) is None
    assert len(await ledger.webhook_deliveries()) == 1


async def test_batch_reports_each_status_outcome(ledger: LedgerStore) -> None:
    """A batch applies its events in order and reports an outcome for each."""
    batch = LedgerBatch(
        messages=(outbound(1),),
        statuses=(status(1, "delivered"), status(1, "sent"), status(1, "delivered")),
    )
    result = await ledger.write(batch)
    assert result.claimed is True
    assert result.statuses == (StatusOutcome.APPLIED, StatusOutcome.STALE, StatusOutcome.DUPLICATE)


# --------------------------------------------------------------------------- reading


async def test_conversation_is_newest_first_with_histories(ledger: LedgerStore) -> None:
    """A contact's messages both ways come newest first, each with its status timeline."""
    await ledger.record_message(outbound(1, date_created=at(0)))
    await ledger.record_message(inbound(2, date_created=at(1)))
    await ledger.record_message(outbound(3, date_created=at(2)))
    await ledger.record_message(outbound(4, to="+15559999999", date_created=at(3)))
    await ledger.apply_status(status(3, "delivered", minutes=3))

    items = await ledger.conversation(THEM)
    assert [i.message.sid for i in items] == [sid(3), sid(2), sid(1)]
    assert [e.status for e in items[0].history] == [S.QUEUED, S.DELIVERED]
    assert items[0].message.status is S.DELIVERED

    older = await ledger.conversation(THEM, limit=1, before=at(2))
    assert [i.message.sid for i in older] == [sid(2)]


async def test_search_filters_combine(ledger: LedgerStore) -> None:
    """Each search filter narrows the result, and they combine."""
    await ledger.record_message(outbound(1, body="Your code is 1234", date_created=at(0)))
    await ledger.record_message(inbound(2, body="STOP", date_created=at(10)))
    await ledger.record_message(
        outbound(3, to="whatsapp:+15552220000", body="50% off_today", date_created=at(20))
    )
    await ledger.apply_status(status(1, "delivered", minutes=1))

    async def sids(**filters: object) -> list[str]:
        return [m.sid for m in await ledger.search(LedgerQuery(**filters))]  # type: ignore[arg-type]

    assert await sids() == [sid(3), sid(2), sid(1)]
    assert await sids(contact=THEM) == [sid(2), sid(1)]
    assert await sids(direction=Direction.INBOUND) == [sid(2)]
    assert await sids(status=S.DELIVERED) == [sid(1)]
    assert await sids(channel=Channel.WHATSAPP) == [sid(3)]
    assert await sids(since=at(10)) == [sid(3), sid(2)]
    assert await sids(until=at(10)) == [sid(1)]
    assert await sids(text="CODE") == [sid(1)]
    assert await sids(text="50%") == [sid(3)]
    assert await sids(text="%") == [sid(3)]
    assert await sids(text="f_t") == [sid(3)]
    assert await sids(text="o_t") == []
    assert await sids(contact=THEM, direction="outbound-api", text="code") == [sid(1)]
    assert await sids(limit=2) == [sid(3), sid(2)]


async def test_text_search_copes_with_bodiless_messages(ledger: LedgerStore) -> None:
    """Media-only messages have no body: an empty text filter keeps them, a real one skips them."""
    await ledger.record_message(inbound(1, body=None, num_media=1, date_created=at(0)))
    await ledger.record_message(inbound(2, body="photo", date_created=at(1)))
    assert [m.sid for m in await ledger.search(LedgerQuery(text=""))] == [sid(2), sid(1)]
    assert [m.sid for m in await ledger.search(LedgerQuery(text="o"))] == [sid(2)]


async def test_last_inbound_time_is_per_contact_and_number(ledger: LedgerStore) -> None:
    """The WhatsApp window starts at the contact's latest inbound message to that number."""
    wa_them, wa_us = "whatsapp:" + THEM, "whatsapp:" + US
    assert await ledger.last_inbound_at(wa_them) is None
    await ledger.record_message(inbound(1, from_=wa_them, to=wa_us, date_created=at(0)))
    await ledger.record_message(
        inbound(2, from_=wa_them, to="whatsapp:+15553330000", date_created=at(5))
    )
    await ledger.record_message(outbound(3, to=wa_them, from_=wa_us, date_created=at(9)))
    assert await ledger.last_inbound_at(wa_them) == at(5)
    assert await ledger.last_inbound_at(wa_them, wa_us) == at(0)
    assert await ledger.last_inbound_at(THEM) is None


async def test_outbound_count_for_daily_cap(ledger: LedgerStore) -> None:
    """Only messages we sent to the recipient since the given time count."""
    await ledger.record_message(outbound(1, date_created=T0 - timedelta(hours=25)))
    await ledger.record_message(outbound(2, date_created=T0 - timedelta(hours=2)))
    await ledger.record_message(outbound(3, date_created=T0, direction=Direction.OUTBOUND_REPLY))
    await ledger.record_message(inbound(4, date_created=T0))
    await ledger.record_message(outbound(5, to="+15559999999", date_created=T0))
    assert await ledger.count_outbound_since(THEM, T0 - timedelta(hours=24)) == 2
    assert await ledger.count_outbound_since(THEM, T0 + timedelta(seconds=1)) == 0


# --------------------------------------------------------------------------- opt-outs


def _consent(action: str, minutes: float, *, sender: str = "MG1", **fields: object) -> OptOutEvent:
    return OptOutEvent(
        sender_key=sender,
        recipient=THEM,
        action=OptOutAction(action),
        at=at(minutes),
        keyword=action.upper(),
        **fields,  # type: ignore[arg-type]
    )


async def test_opt_out_is_per_sender_key(ledger: LedgerStore) -> None:
    """STOP blocks one sender (or Messaging Service) only; START lifts it; HELP changes nothing."""
    await ledger.record_opt_out(_consent("stop", 0, message_sid=sid(1)))
    assert await ledger.is_opted_out("MG1", THEM) is True
    assert await ledger.is_opted_out(US, THEM) is False
    assert await ledger.is_opted_out("MG1", "+15559999999") is False

    await ledger.record_opt_out(_consent("help", 1))
    assert await ledger.is_opted_out("MG1", THEM) is True

    await ledger.record_opt_out(_consent("start", 2))
    assert await ledger.is_opted_out("MG1", THEM) is False
    history = await ledger.opt_out_history(THEM)
    assert [e.action for e in history] == [OptOutAction.STOP, OptOutAction.HELP, OptOutAction.START]
    assert history[0].message_sid == sid(1)


async def test_late_stop_does_not_undo_a_newer_start(ledger: LedgerStore) -> None:
    """Consent follows the latest event by time, whatever order they are recorded in."""
    await ledger.record_opt_out(_consent("start", 5))
    await ledger.record_opt_out(_consent("stop", 1))
    assert await ledger.is_opted_out("MG1", THEM) is False
    assert [e.action for e in await ledger.opt_out_history(THEM)] == [
        OptOutAction.STOP,
        OptOutAction.START,
    ]


async def test_list_opt_outs_shows_current_blocks(ledger: LedgerStore) -> None:
    """Listing shows who is opted out now, optionally for one sender key."""
    await ledger.record_opt_out(_consent("stop", 0, sender="MG1"))
    await ledger.record_opt_out(_consent("stop", 1, sender=US, source=OptOutSource.TWILIO_21610))
    await ledger.record_opt_out(_consent("stop", 2, sender="MG2"))
    await ledger.record_opt_out(_consent("start", 3, sender="MG2"))

    current = await ledger.list_opt_outs()
    assert [(o.sender_key, o.recipient) for o in current] == [(US, THEM), ("MG1", THEM)]
    only = await ledger.list_opt_outs(sender_key=US)
    assert len(only) == 1
    assert (only[0].since, only[0].source, only[0].keyword) == (
        at(1),
        OptOutSource.TWILIO_21610,
        "STOP",
    )
    assert await ledger.list_opt_outs(recipient="+15559999999") == []


# --------------------------------------------------------------------------- calls, webhooks


def _call(n: int, **fields: object) -> CallRecord:
    values: dict[str, object] = {
        "sid": sid(n, "CA"),
        "account_sid": ACCOUNT,
        "direction": CallDirection.OUTBOUND_API,
        "from_": US,
        "to": THEM,
        "status": CallStatus.QUEUED,
        "date_created": T0,
    }
    values.update(fields)
    return CallRecord(**values)  # type: ignore[arg-type]


async def test_calls_round_trip_and_move_forward(ledger: LedgerStore) -> None:
    """Calls are stored like messages: round trip, forward-only status, history."""
    call = _call(1, date_updated=T0, price=Decimal("-0.013"), price_unit="USD")
    await ledger.record_call(call)
    assert await ledger.get_call(call.sid) == call

    def event(value: str, minutes: float) -> CallStatusEvent:
        return CallStatusEvent(sid=call.sid, status=CallStatus(value), at=at(minutes))

    assert await ledger.apply_call_status(event("completed", 3)) is StatusOutcome.APPLIED
    assert await ledger.apply_call_status(event("ringing", 1)) is StatusOutcome.STALE
    assert await ledger.apply_call_status(event("ringing", 1)) is StatusOutcome.DUPLICATE
    await ledger.record_call(_call(1, status=CallStatus.IN_PROGRESS, duration=42))

    stored = await ledger.get_call(call.sid)
    assert stored is not None
    assert (stored.status, stored.duration, stored.price) == (
        CallStatus.COMPLETED,
        42,
        Decimal("-0.013"),
    )
    history = await ledger.call_status_history(call.sid)
    assert [e.status for e in history] == [
        CallStatus.QUEUED,
        CallStatus.RINGING,
        CallStatus.IN_PROGRESS,
        CallStatus.COMPLETED,
    ]
    assert await ledger.get_call(sid(2, "CA")) is None


async def test_webhook_deliveries_are_kept_newest_first(ledger: LedgerStore) -> None:
    """Deliveries read back newest first, by SID, with their params and without URL secrets."""
    params = (("MessageSid", sid(1)), ("MediaUrl0", "a"), ("MediaUrl0", "b"))
    for minutes, duplicate in ((0, False), (1, True)):
        await ledger.record_webhook(
            WebhookDelivery(
                kind=WebhookKind.MESSAGE_STATUS,
                received_at=at(minutes),
                url="https://user:s3cret@example.com/status?x=1",
                signature_valid=True,
                key="tok-1",
                sid=sid(1),
                duplicate=duplicate,
                status_code=200,
                params=params,
            )
        )
    await ledger.record_webhook(
        WebhookDelivery(
            kind=WebhookKind.OTHER, received_at=at(2), url="https://x", signature_valid=False
        )
    )
    everything = await ledger.webhook_deliveries()
    assert [d.received_at for d in everything] == [at(2), at(1), at(0)]
    mine = await ledger.webhook_deliveries(sid=sid(1), limit=1)
    assert len(mine) == 1
    assert mine[0].duplicate is True
    assert mine[0].params == params
    assert mine[0].url == "https://example.com/status?x=1"


# --------------------------------------------------------------------------- waiting


async def test_wait_returns_at_once_when_already_final(ledger: LedgerStore) -> None:
    """Waiting for a message that already reached a final status returns it directly."""
    await ledger.record_message(outbound(1))
    await ledger.apply_status(status(1, "undelivered", error_code=30003))
    async with asyncio.timeout(10):
        message = await ledger.wait_for_status(sid(1))
    assert message.status is S.UNDELIVERED


async def test_wait_wakes_on_a_write_through_the_store(
    ledger: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A waiter is woken by the write it waits for, long before its poll interval."""
    await ledger.record_message(outbound(1))
    has_looked = asyncio.Event()
    get_message = ledger.get_message

    async def looking(message_sid: str) -> MessageRecord | None:
        found = await get_message(message_sid)
        has_looked.set()
        return found

    monkeypatch.setattr(ledger, "get_message", looking)
    async with asyncio.timeout(10):
        waiter = asyncio.create_task(
            ledger.wait_for_status(sid(1), statuses=[S.DELIVERED], poll_interval=3600)
        )
        await has_looked.wait()
        await ledger.apply_status(status(1, "sent"))  # wakes it, but it keeps waiting
        await ledger.apply_status(status(1, "delivered", minutes=2))
        message = await waiter
    assert message.status is S.DELIVERED


async def test_wait_sees_writes_from_another_process(new_sql_url: NewUrl) -> None:
    """A waiter polling the database sees a status written by another store."""
    ledger_url = new_sql_url()
    async with await open_ledger(ledger_url) as waiting, await open_ledger(ledger_url) as other:
        await other.record_message(outbound(1))
        async with asyncio.timeout(10):
            waiter = asyncio.create_task(waiting.wait_for_status(sid(1), poll_interval=0.02))
            await other.apply_status(status(1, "delivered"))
            message = await waiter
    assert message.status is S.DELIVERED


# --------------------------------------------------------------------------- idempotency keys


def _request(
    key: str = "key-1", *, fingerprint: str = "f1", minutes: float = 0
) -> IdempotentRequest:
    return IdempotentRequest(
        key=key,
        action="send_sms",
        fingerprint=fingerprint,
        state=IdempotencyState.PENDING,
        created_at=at(minutes),
    )


async def test_an_idempotency_key_is_taken_once(ledger: LedgerStore) -> None:
    """The first request takes a key; a second gets the first back, pending, then done with
    its output."""
    assert await ledger.start_idempotent(_request(), expires_before=at(-1)) is None
    held = await ledger.start_idempotent(_request(fingerprint="f2"), expires_before=at(-1))
    assert held is not None
    assert (held.fingerprint, held.state, held.output) == ("f1", IdempotencyState.PENDING, None)
    await ledger.finish_idempotent("key-1", {"sid": sid(1), "segments": 2})
    done = await ledger.start_idempotent(_request(), expires_before=at(-1))
    assert done is not None
    assert done.state is IdempotencyState.DONE
    assert done.output == {"sid": sid(1), "segments": 2}
    assert done.created_at == at(0)


async def test_concurrent_requests_with_one_key_let_exactly_one_through(
    ledger: LedgerStore,
) -> None:
    """Twenty requests racing on one key: one holds it, nineteen see it held."""
    results = await asyncio.gather(
        *(ledger.start_idempotent(_request(), expires_before=at(-1)) for _ in range(20))
    )
    assert sum(r is None for r in results) == 1


async def test_a_forgotten_or_expired_key_can_be_taken_again(ledger: LedgerStore) -> None:
    """A request that did not happen frees its key; a key older than the expiry gives way;
    a done request is never forgotten."""
    assert await ledger.start_idempotent(_request(), expires_before=at(-1)) is None
    await ledger.forget_idempotent("key-1")
    assert await ledger.start_idempotent(_request(fingerprint="f2"), expires_before=at(-1)) is None
    await ledger.finish_idempotent("key-1", {"ok": True})
    await ledger.forget_idempotent("key-1")  # done: kept
    held = await ledger.start_idempotent(_request(minutes=10), expires_before=at(-1))
    assert held is not None
    assert held.fingerprint == "f2"
    later = _request(fingerprint="f3", minutes=60 * 25)
    assert await ledger.start_idempotent(later, expires_before=at(60)) is None
    again = await ledger.start_idempotent(_request(), expires_before=at(60))
    assert again is not None
    assert (again.fingerprint, again.state) == ("f3", IdempotencyState.PENDING)
