"""`sms bulk --wait`'s stall note: said once when a batch's counts stand still with nothing
in flight for STALL_SECONDS, and again only after the batch moved and stalled anew."""

from __future__ import annotations

from twiliokit.cli.bulk_send import STALL_SECONDS, Stall


def test_the_note_comes_once_after_the_counts_stood_still() -> None:
    """Not before STALL_SECONDS, once at it, not twice for the same stall."""
    stall = Stall({"queued": 3}, 0.0)
    assert not stall.noticed({"queued": 3}, STALL_SECONDS - 0.1)
    assert stall.noticed({"queued": 3}, STALL_SECONDS)
    assert not stall.noticed({"queued": 3}, STALL_SECONDS * 3)


def test_movement_or_an_item_in_flight_resets_it() -> None:
    """A change of counts starts the wait again; an item being sent is progress too."""
    stall = Stall({"queued": 3}, 0.0)
    assert not stall.noticed({"queued": 2, "sent": 1}, STALL_SECONDS)
    assert not stall.noticed({"queued": 2, "sent": 1}, STALL_SECONDS * 1.5)
    assert stall.noticed({"queued": 2, "sent": 1}, STALL_SECONDS * 2)
    busy = Stall({"queued": 2, "sending": 1}, 0.0)
    assert not busy.noticed({"queued": 2, "sending": 1}, STALL_SECONDS * 5)
