"""Virtual time and the event scheduler.

Everything that happens later in the emulator (status steps, expiry, scheduled sends) is an
event on one scheduler keyed by virtual time. Time runs at ``rate`` virtual seconds per real
second and jumps forward on ``advance``; events run in due order and receive their due time,
so timestamps stay exact even when a jump runs many events at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

EventAction = Callable[[datetime], Awaitable[None]]


class VirtualClock:
    """A clock that runs at ``rate`` and can jump forward; ``reset`` takes it back to where and
    how it started, so a reset emulator stamps the same times whatever ran before."""

    def __init__(self, *, rate: float = 1.0, start: datetime | None = None) -> None:
        self._start = (start or datetime.now(UTC)).replace(microsecond=0)
        self._initial_rate = rate
        self._anchor_virtual = self._start
        self._anchor_real = time.monotonic()
        self._rate = rate

    @property
    def rate(self) -> float:
        return self._rate

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._anchor_real) * self._rate
        return self._anchor_virtual + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        """Jump forward; returns the new time."""
        now = self.now()
        self._anchor_virtual = now + timedelta(seconds=seconds)
        self._anchor_real = time.monotonic()
        return self._anchor_virtual

    def set_rate(self, rate: float) -> None:
        now = self.now()
        self._anchor_virtual, self._anchor_real, self._rate = now, time.monotonic(), rate

    def set(self, now: datetime) -> None:
        """Jump to ``now`` (an aware datetime), forward or back."""
        self._anchor_virtual, self._anchor_real = now.astimezone(UTC), time.monotonic()

    def reset(self) -> None:
        """Back to the start time and rate the clock was created with."""
        self._anchor_virtual, self._anchor_real = self._start, time.monotonic()
        self._rate = self._initial_rate


@dataclass(order=True)
class _Event:
    due: datetime
    seq: int
    action: EventAction = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class EventHandle:
    """Lets the scheduler's caller cancel an event (a canceled scheduled message)."""

    def __init__(self, event: _Event) -> None:
        self._event = event

    def cancel(self) -> None:
        self._event.cancelled = True

    @property
    def due(self) -> datetime:
        return self._event.due


class Scheduler:
    """Runs actions at virtual times, in order."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._heap: list[_Event] = []
        self._seq = itertools.count()
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()

    def at(self, due: datetime, action: EventAction) -> EventHandle:
        event = _Event(due, next(self._seq), action)
        heapq.heappush(self._heap, event)
        self._wakeup.set()
        return EventHandle(event)

    def after(
        self, seconds: float, action: EventAction, *, base: datetime | None = None
    ) -> EventHandle:
        return self.at((base or self.clock.now()) + timedelta(seconds=seconds), action)

    def clear(self) -> None:
        self._heap.clear()

    @property
    def pending(self) -> int:
        return sum(1 for e in self._heap if not e.cancelled)

    async def run_due(self) -> int:
        """Run every event due by now (including ones they schedule); returns how many ran."""
        ran = 0
        async with self._lock:
            while self._heap and self._heap[0].due <= self.clock.now():
                event = heapq.heappop(self._heap)
                if event.cancelled:
                    continue
                await event.action(event.due)
                ran += 1
        return ran

    def seconds_until_next(self) -> float | None:
        """Real seconds until the next event is due (None when idle or time is frozen)."""
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        if not self._heap or self.clock.rate <= 0:
            return None
        virtual = (self._heap[0].due - self.clock.now()).total_seconds()
        return max(0.0, virtual / self.clock.rate)

    async def run_forever(self) -> None:
        """The background ticker: sleeps until the next event (or a new one) and runs it."""
        while True:
            self._wakeup.clear()
            delay = self.seconds_until_next()
            if delay is None or delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
                continue
            await self.run_due()
