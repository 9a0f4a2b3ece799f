"""``RequestLanes``: a worker's request slots (``concurrency``), handed from a request that
ends straight to the next item ready to leave.

An item ready to leave takes a free lane, or waits in line. A lane that frees goes to the first
in line, which then starts itself (unless it was started already: an item paced to leave
later is marked started ahead of its slot, without a lane, so that the lanes bound requests
out and nothing else); but a worker whose request ends, and whose first item in line has yet
to be started, *hands over*: it finishes its item and starts the next in one ledger
transaction (``OutboxStore.hand_over``), so the lane and the account's request slot pass on
without a second write, and without another worker taking the slot in between.

Pure bookkeeping on one event loop (no I/O): the worker decides when to hand over.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Generic, TypeVar

__all__ = ["RequestLanes"]

T = TypeVar("T")
R = TypeVar("R")


class RequestLanes(Generic[T, R]):
    """``count`` lanes; items of type ``T`` wait in line for one. :meth:`take` answers
    ``None`` when the item got a free lane (it starts itself), or what :meth:`hand_over`
    gave it (``R``: how it was started by the request that ended)."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._free = count
        self._line: deque[tuple[T, asyncio.Future[R | None], bool]] = deque()

    def __repr__(self) -> str:
        return f"RequestLanes(free={self._free}, waiting={len(self._line)})"

    @property
    def busy(self) -> int:
        """Lanes taken."""
        return self._count - self._free

    async def take(self, item: T, *, started: bool = False) -> R | None:
        """Wait for a lane: ``None`` when it is free (start the item, unless ``started``),
        else the hand-over (never to a ``started`` item)."""
        if self._free > 0 and not self._line:
            self._free -= 1
            return None
        entry: tuple[T, asyncio.Future[R | None], bool] = (
            item,
            asyncio.get_running_loop().create_future(),
            started,
        )
        self._line.append(entry)
        try:
            return await entry[1]
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._line.remove(entry)
            if entry[1].done() and not entry[1].cancelled() and entry[1].exception() is None:
                self.release()  # granted just as it was canceled: pass the lane on
            raise

    def pass_on(self) -> tuple[T, asyncio.Future[R | None]] | None:
        """A request ended: the first item waiting, taken out of the line, when it has yet
        to be started (the caller hands its lane over and settles the future); else the lane
        is released (:meth:`release`) and ``None``."""
        if self._line and not self._line[0][2]:
            item, granted, _ = self._line.popleft()
            return item, granted
        self.release()
        return None

    def release(self) -> None:
        """A lane frees: to the first in line (which starts itself), else free."""
        while self._line:
            _, granted, _ = self._line.popleft()
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1
