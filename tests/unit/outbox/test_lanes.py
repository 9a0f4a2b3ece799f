"""RequestLanes: a worker's request slots, taken while free, else waited for in line, and
handed from a request that ends to the first item in line."""

from __future__ import annotations

import asyncio

import pytest

from twiliokit.outbox.lanes import RequestLanes

pytestmark = pytest.mark.anyio


async def _nothing() -> None:
    return None


async def _one_turn() -> None:
    """Let the tasks created before this call run to their first wait (into the line): the
    task awaited here is scheduled after them, so they run first."""
    await asyncio.ensure_future(_nothing())


async def test_free_lanes_are_taken_at_once_then_items_wait_in_line() -> None:
    """With two lanes, two items get one at once (``None``: start yourself); a third waits
    until a lane is released, and then starts itself too."""
    lanes: RequestLanes[str, str] = RequestLanes(2)
    assert await lanes.take("a") is None
    assert await lanes.take("b") is None
    assert lanes.busy == 2
    third = asyncio.ensure_future(lanes.take("c"))
    await _one_turn()
    assert not third.done()
    lanes.release()
    assert await third is None
    assert lanes.busy == 2


async def test_a_request_that_ends_hands_its_lane_to_the_first_in_line() -> None:
    """pass_on gives the first waiting item, whose future the ender settles with how it
    was started: the lane passes on without being freed; with nobody in line it frees."""
    lanes: RequestLanes[str, str] = RequestLanes(1)
    assert await lanes.take("a") is None
    waiting = [asyncio.ensure_future(lanes.take(name)) for name in ("b", "c")]
    await _one_turn()
    first = lanes.pass_on()
    assert first is not None
    assert first[0] == "b"
    first[1].set_result("started")
    assert await waiting[0] == "started"
    assert lanes.busy == 1
    lanes.release()  # b's request ends with nobody to hand to but c: c gets the lane
    assert await waiting[1] is None
    assert lanes.pass_on() is None
    assert lanes.busy == 0


async def test_an_item_started_ahead_gets_the_lane_not_a_hand_over() -> None:
    """An item marked started before it waited (``started=True``) is never handed a start:
    pass_on gives it the lane itself (``None``) and answers that there is nothing to hand."""
    lanes: RequestLanes[str, str] = RequestLanes(1)
    assert await lanes.take("a") is None
    ahead = asyncio.ensure_future(lanes.take("b", started=True))
    behind = asyncio.ensure_future(lanes.take("c"))
    await _one_turn()
    assert lanes.pass_on() is None
    assert await ahead is None
    assert lanes.busy == 1
    handed = lanes.pass_on()  # b's request ends: c has yet to be started, so it is handed
    assert handed is not None
    assert handed[0] == "c"
    handed[1].set_result("started")
    assert await behind == "started"
    assert lanes.busy == 1


async def test_an_item_canceled_while_waiting_leaves_the_line() -> None:
    """A waiting item that is canceled (the worker stops) leaves the line, and a lane granted
    to it just before is passed on, never lost."""
    lanes: RequestLanes[str, str] = RequestLanes(1)
    assert await lanes.take("a") is None
    gone = asyncio.ensure_future(lanes.take("b"))
    await _one_turn()
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert lanes.pass_on() is None
    assert lanes.busy == 0
