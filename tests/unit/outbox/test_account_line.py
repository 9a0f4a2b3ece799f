"""AccountLine: a worker's items waiting for one of the account's request slots, handed a slot
by each request that ends, first come first served; only the first in line asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from twiliokit.outbox.account_line import AccountLine

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_requests_that_end_hand_their_slots_to_the_items_in_line_in_order() -> None:
    """Two items in line: the first request to end gets the first item, the next the second,
    and a third finds nobody waiting; only the first in line is the one that asks."""
    line: AccountLine[str, str] = AccountLine()
    a, b = line.join("a"), line.join("b")
    assert line.asks(a)
    assert not line.asks(b)
    assert line.pass_on(NOW) == ("a", a)
    assert line.asks(b)
    assert line.pass_on(NOW) == ("b", b)
    assert line.pass_on(NOW) is None
    assert len(line) == 0


async def test_an_item_told_full_keeps_its_place_at_the_head() -> None:
    """The first in line leaves to ask; told "full", it joins again first, ahead of an item
    that came while it asked, and a gone item is out of line for good."""
    line: AccountLine[str, str] = AccountLine()
    a = line.join("a")
    line.leave(a)
    assert not line.holds(a)
    b = line.join("b")
    again = line.join("a", first=True)
    assert line.asks(again)
    line.leave(b)
    line.leave(b)  # leaving twice is harmless
    assert line.pass_on(NOW) == ("a", again)
    assert line.pass_on(NOW) is None


@pytest.mark.parametrize(("since", "lately"), [(0.05, True), (0.1, False), (None, False)])
async def test_handed_lately_is_true_only_within_the_window_after_a_hand_over(
    since: float | None, lately: bool
) -> None:
    """A worker whose requests handed a slot over less than ``within`` ago is handed slots
    lately; one whose last hand-over is older, or that never handed one over, is not."""
    line: AccountLine[str, str] = AccountLine()
    if since is not None:
        line.join("a")
        line.pass_on(NOW)
    later = NOW + timedelta(seconds=since or 0)
    assert line.handed_lately(later, timedelta(seconds=0.1)) is lately
