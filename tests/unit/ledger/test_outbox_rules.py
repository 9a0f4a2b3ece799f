"""The outbox's pure decisions: GCRA slots, claim quotas, how items read, what outcomes set."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from twiliokit.errors import ValidationError
from twiliokit.ledger import (
    NewBatch,
    NewOutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutboxState,
    OutcomeKind,
    SenderPace,
)
from twiliokit.ledger.outbox_rules import (
    EPOCH,
    capacity,
    check_rate,
    next_slot,
    outcome_changes,
    plan_slots,
    quotas,
    rate_span,
    read_state,
    spaced,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seconds(value: float) -> datetime:
    return NOW + timedelta(seconds=value)


def pace(
    rate: float, next_at: datetime = EPOCH, slowed_until: datetime | None = None
) -> SenderPace:
    return SenderPace(sender="s", rate=rate, next_at=next_at, slowed_until=slowed_until)


def test_slots_follow_the_virtual_schedule() -> None:
    """Slots start at max(next_at, now), step by 1/rate, halve while slowed and stop at the
    horizon."""
    plan = plan_slots({"a": pace(4)}, {"a": 10}, now=NOW, horizon=timedelta(seconds=1), budget=10)
    assert [slot for _, _, slot in plan.taken] == [seconds(s) for s in (0, 0.25, 0.5, 0.75, 1)]
    assert plan.next_at == {"a": seconds(1.25)}
    ahead = pace(4, next_at=seconds(2), slowed_until=seconds(60))
    assert next_slot(ahead, NOW) == (seconds(2), seconds(2.5))
    assert capacity(pace(4, next_at=seconds(3)), now=NOW, horizon=timedelta(seconds=1)) == 0


def test_an_idle_sender_starts_its_schedule_a_lead_from_now() -> None:
    """With a lead, a sender that was idle gets its first slot that far ahead, or one
    interval ahead when that is sooner; a sender with a schedule keeps it."""
    lead = timedelta(milliseconds=250)
    horizon = timedelta(seconds=2)

    def first(sender_pace: SenderPace) -> datetime:
        plan = plan_slots(
            {"a": sender_pace}, {"a": 1}, now=NOW, horizon=horizon, budget=1, lead=lead
        )
        return plan.taken[0][2]

    assert first(pace(1)) == seconds(0.25)
    assert first(pace(100)) == seconds(0.01)
    assert first(pace(1, next_at=seconds(0.1))) == seconds(0.1)


def test_budget_goes_to_the_earliest_slots_across_senders() -> None:
    """With a budget, senders alternate by slot, and quotas give a sender with few items
    due only those, the rest to the others."""
    paces = {"a": pace(10), "b": pace(10)}
    plan = plan_slots(paces, {"a": 5, "b": 5}, now=NOW, horizon=timedelta(hours=1), budget=4)
    assert [(sender, index) for sender, index, _ in plan.taken] == [
        ("a", 0),
        ("b", 0),
        ("a", 1),
        ("b", 1),
    ]
    assert quotas(paces, {"a": 100, "b": 1}, now=NOW, horizon=timedelta(hours=1), budget=10) == {
        "a": 9,
        "b": 1,
    }


def test_a_batch_rate_spaces_its_queued_items_due_times() -> None:
    """spaced: a batch at 2/s has its queued items due half a second apart in order of their
    due times; one deferred later keeps its time and the next follows it; refused items, other
    batches' items and a batch without a rate are left as they are."""
    batch = NewBatch(id="BT1", action="send_bulk", created_at=NOW, total=5, rate=2)

    def item(n: int, due: float = 0, **fields: Any) -> NewOutboxItem:
        values: dict[str, Any] = {
            "id": f"OB{n}",
            "kind": OutboxKind.MESSAGE,
            "action": "send_bulk",
            "sender": "s",
            "to": f"+1555010000{n}",
            "request": {},
            "created_at": NOW,
            "not_before": seconds(due),
            "batch_id": "BT1",
        }
        return NewOutboxItem(**(values | fields))

    items = [
        item(0),
        item(1, due=10),  # deferred (quiet hours)
        item(2),
        item(3, state=OutboxState.REFUSED, reason="opted out"),
        item(4, batch_id="BT2"),
        item(5),
    ]
    assert [i.not_before for i in spaced(items, batch)] == [
        seconds(0),
        seconds(10),
        seconds(0.5),
        seconds(0),
        seconds(0),
        seconds(1),
    ]
    assert spaced(items, dataclasses.replace(batch, rate=None)) == items
    assert spaced(items, None) == items


def test_sent_items_read_their_delivery() -> None:
    """A sent item reads delivered or failed from its status; other states stay as stored."""
    assert read_state(OutboxState.SENT, "delivered") is OutboxState.DELIVERED
    assert read_state(OutboxState.SENT, "read") is OutboxState.DELIVERED
    assert read_state(OutboxState.SENT, "undelivered") is OutboxState.FAILED
    assert read_state(OutboxState.SENT, "queued") is OutboxState.SENT
    assert read_state(OutboxState.UNKNOWN, "delivered") is OutboxState.UNKNOWN


def test_outcomes_set_their_fields() -> None:
    """A retry requeues without lease or request; a sent outcome records the SID."""
    retry = outcome_changes(OutboxOutcome(kind=OutcomeKind.RETRY, at=NOW, retry_at=seconds(5)))
    assert retry["state"] is OutboxState.QUEUED
    assert (retry["not_before"], retry["lease_owner"], retry["request_started_at"]) == (
        seconds(5),
        None,
        None,
    )
    sent = outcome_changes(OutboxOutcome(kind=OutcomeKind.SENT, at=NOW, sid="SM1"))
    assert (sent["state"], sent["sid"], sent["finished_at"]) == (OutboxState.SENT, "SM1", NOW)


def test_rates_are_checked_and_spans_bounded() -> None:
    """A rate must be a positive finite number; the rate window is 1 to 60 seconds."""
    for bad in (0, -1, float("inf"), True, "3"):
        with pytest.raises(ValidationError):
            check_rate(bad)  # type: ignore[arg-type]
    assert rate_span(NOW, None) == 60
    assert rate_span(seconds(10), NOW) == 10
    assert rate_span(seconds(0.2), NOW) == 1
