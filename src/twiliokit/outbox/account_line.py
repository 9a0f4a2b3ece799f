"""``AccountLine``: a worker's items waiting for one of the account's request slots
(``max_in_flight``, counted across every worker in the database) while all of them are taken.

A request of this worker that ends hands its slot to the first item in line (the worker's
``OutboxStore.hand_over``: its finish and that item's start in one transaction), so a worker
with requests out keeps its share of the account's slots without asking the database for them.
With one item in line at a time, the second of two requests ending together found nobody to
hand to and gave its slot up, and an item had to ask for it again: with four workers sharing
eight slots, a thousand asks for 800 messages, nearly all answered "full".

Only the first in line asks the database; the worker asks less often while its requests keep
handing slots over (:meth:`handed_lately`). Pure bookkeeping on one event loop (no I/O).
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime, timedelta
from typing import Generic, TypeVar

__all__ = ["AccountLine"]

T = TypeVar("T")
R = TypeVar("R")


class AccountLine(Generic[T, R]):
    """Items of type ``T`` in line; each waits on a future that a hand-over settles with how
    it was started (``R``), or with ``None`` when the hand-over failed (it asks for itself)."""

    def __init__(self) -> None:
        self._line: deque[tuple[T, asyncio.Future[R | None]]] = deque()
        self._handed_at: datetime | None = None

    def __repr__(self) -> str:
        return f"AccountLine(waiting={len(self._line)})"

    def __len__(self) -> int:
        return len(self._line)

    def join(self, item: T, *, first: bool = False) -> asyncio.Future[R | None]:
        """Put ``item`` in line (at its end, or ``first``: an item that just asked and was
        told "full" keeps its place); the future a hand-over settles."""
        handed: asyncio.Future[R | None] = asyncio.get_running_loop().create_future()
        if first:
            self._line.appendleft((item, handed))
        else:
            self._line.append((item, handed))
        return handed

    def holds(self, handed: asyncio.Future[R | None]) -> bool:
        """Whether the item waiting on ``handed`` is still in line (not yet handed a slot)."""
        return any(waiting is handed for _, waiting in self._line)

    def asks(self, handed: asyncio.Future[R | None]) -> bool:
        """Whether the item waiting on ``handed`` is the one that asks the database."""
        return bool(self._line) and self._line[0][1] is handed

    def leave(self, handed: asyncio.Future[R | None]) -> None:
        """Take the item waiting on ``handed`` out of line (to ask, or gone), if it is in."""
        for entry in self._line:
            if entry[1] is handed:
                self._line.remove(entry)
                return

    def pass_on(self, at: datetime) -> tuple[T, asyncio.Future[R | None]] | None:
        """A request ended ``at``: the first item in line, taken out of it (the caller hands
        the slot over and settles the future), or ``None`` when nobody waits."""
        if not self._line:
            return None
        self._handed_at = at
        return self._line.popleft()

    def handed_lately(self, now: datetime, within: timedelta) -> bool:
        """Whether a slot was handed over less than ``within`` before ``now``: while slots
        keep coming from the worker's own requests, asking for more only takes them from the
        other workers, at the cost of a locked transaction."""
        return self._handed_at is not None and now - self._handed_at < within
