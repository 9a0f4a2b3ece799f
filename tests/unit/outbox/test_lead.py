"""How far ahead of its slot a worker marks an item started (``MarkLead``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from twiliokit.outbox.lead import CROWDED_FOR, ENOUGH, LEAST, MOST, SAMPLES, MarkLead


class Clock:
    """Monotonic seconds that a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def crowded(clock: Clock | None = None) -> MarkLead:
    """A lead whose worker just found the account's request slots all taken."""
    lead = MarkLead(clock or Clock())
    lead.full()
    return lead


def test_the_lead_is_the_longest_while_the_account_has_slots_to_spare() -> None:
    """However fast the marks, items are marked ``MOST`` ahead until an ask finds the
    account full: a long lead costs nothing then, and leaves room for a stall."""
    lead = MarkLead(Clock())
    for _ in range(SAMPLES):
        lead.observe(0.001)
    assert lead.ahead == MOST


def test_the_lead_is_the_longest_until_enough_marks_were_seen() -> None:
    """With the account full, a worker that has seen fewer than ``ENOUGH`` marks still
    marks items ``MOST`` ahead."""
    lead = crowded()
    for _ in range(ENOUGH - 1):
        lead.observe(0.001)
    assert lead.ahead == MOST


@pytest.mark.parametrize(("seconds", "bound"), [(0.001, LEAST), (1.0, MOST)])
def test_the_lead_stays_between_its_floor_and_its_longest(seconds: float, bound: timedelta) -> None:
    """With the account full, marks of a millisecond bring the lead down to ``LEAST``, and
    marks slower than half of ``MOST`` never push it past ``MOST``."""
    lead = crowded()
    for _ in range(ENOUGH):
        lead.observe(seconds)
    assert lead.ahead == bound


def test_the_lead_is_twice_the_90th_percentile_of_recent_marks() -> None:
    """Marks of 10-50 ms (the 90th percentile 46 ms) give a lead of 92 ms."""
    lead = crowded()
    for ms in range(10, 51):
        lead.observe(ms / 1000)
    assert lead.ahead == timedelta(milliseconds=92)


def test_the_lead_follows_recent_marks_and_forgets_old_ones() -> None:
    """After a slow spell, ``SAMPLES`` fast marks bring the lead back to its floor."""
    lead = crowded()
    for _ in range(SAMPLES):
        lead.observe(0.2)
    assert lead.ahead == MOST
    for _ in range(SAMPLES):
        lead.observe(0.002)
    assert lead.ahead == LEAST


def test_the_lead_goes_back_to_the_longest_once_the_account_was_not_full_for_a_while() -> None:
    """``CROWDED_FOR`` seconds after the last "full" answer, items are marked ``MOST`` ahead
    again; a new "full" answer brings the short lead back."""
    clock = Clock()
    lead = crowded(clock)
    for _ in range(ENOUGH):
        lead.observe(0.001)
    clock.now += CROWDED_FOR
    assert lead.ahead == LEAST
    clock.now += 0.001
    assert lead.ahead == MOST
    lead.full()
    assert lead.ahead == LEAST


def test_the_just_in_time_lead_follows_the_marks_while_the_account_has_slots_to_spare() -> None:
    """An item that is not to hold its mark long (one re-slotted) is marked as far ahead as
    marks take here, even while the lead of the others is the longest."""
    lead = MarkLead(Clock())
    for ms in range(10, 51):
        lead.observe(ms / 1000)
    assert (lead.ahead, lead.just_in_time) == (MOST, timedelta(milliseconds=92))
