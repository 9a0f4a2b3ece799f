"""``RequestLanes``: a worker's request slots (``concurrency``), handed from a request that
ends straight to the next item ready to leave.

An item ready to leave takes a free lane, or waits in line. A lane that frees goes to the first
in line, which then starts itself; but a worker whose request ends and who has an item in line
*hands over*: it finishes its item and starts the next in one ledger transaction
(``OutboxStore.hand_over``), so the lane and the account's request slot pass on without a
second write, and without another worker taking the slot in between.

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
        self._line: deque[tuple[T, asyncio.Future[R | None]]] = deque()

    def __repr__(self) -> str:
        return f"RequestLanes(free={self._free}, waiting={len(self._line)})"

    @property
    def busy(self) -> int:
        """Lanes taken."""
        return self._count - self._free

    async def take(self, item: T) -> R | None:
        """Wait for a lane: ``None`` when it is free (start the item), else the hand-over."""
        if self._free > 0 and not self._line:
            self._free -= 1
            return None
        entry: tuple[T, asyncio.Future[R | None]] = (
            item,
            asyncio.get_running_loop().create_future(),
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

    def next_in_line(self) -> tuple[T, asyncio.Future[R | None]] | None:
        """The first item waiting, taken out of the line (the caller hands its lane over
        and settles the future), or ``None``."""
        return self._line.popleft() if self._line else None

    def release(self) -> None:
        """A lane frees: to the first in line (which starts itself), else free."""
        while self._line:
            _, granted = self._line.popleft()
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1
