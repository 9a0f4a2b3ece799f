"""``MarkLead``: how long before its pacing slot a worker marks an item started.

The mark (``start_request``) is a ledger commit, and the request must not wait for it at the
slot: a slow commit would make the item late, and late items bunch or lose their slots. So an
item is marked ``MOST`` (a quarter of a second) ahead. But a marked item holds one of the
account's ``max_in_flight`` request slots while it waits for its own: at 100/s, 25 of them.
When the account's slots run short (an ask answered "full" in the last ``CROWDED_FOR``),
that lead would cap the senders below their rates (with the default cap of 20 and 100 ms a
request, a 100/s sender sent 53/s). Then the lead follows what marks take on this worker:
twice the 90th percentile of the last ones (the wait for the event loop to run the item, and
the commit), between ``LEAST`` and ``MOST``.

Only then: a short lead leaves no room for a stall, and while the account has slots to spare
a long one costs nothing.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Final

__all__ = ["LEAST", "MOST", "MarkLead"]

#: The lead while the account's request slots are not short, and the longest.
MOST: Final = timedelta(milliseconds=250)
#: The shortest lead: an event loop's timer is not more precise than a few milliseconds.
LEAST: Final = timedelta(milliseconds=20)
#: How long after an ask answered "full" the lead follows the marks (seconds): long, since
#: the short lead is what keeps the account's slots from running short again, and each
#: return to the long lead would run them short for a few seconds (a 100/s sender at 84/s
#: over 15 s with 10 s here, as the long lead came back).
CROWDED_FOR: Final = 300.0
#: How many recent marks the lead is judged on.
SAMPLES: Final = 64
#: How many marks are needed before the lead follows them.
ENOUGH: Final = 10


class MarkLead:
    """The lead for the next mark (:attr:`ahead`), from the marks :meth:`observe` saw and
    when the account was last full (:meth:`full`). ``clock``: monotonic seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._recent: deque[float] = deque(maxlen=SAMPLES)
        self._followed = MOST
        self._full_at: float | None = None

    @property
    def ahead(self) -> timedelta:
        if self._full_at is None or self._clock() - self._full_at > CROWDED_FOR:
            return MOST
        return self._followed

    @property
    def just_in_time(self) -> timedelta:
        """The lead that marks on this worker need, whether or not the account is short: for
        an item that is not to hold its mark (or a lane) any longer than that."""
        return self._followed

    def full(self) -> None:
        """An ask found every request slot of the account taken."""
        self._full_at = self._clock()

    def observe(self, seconds: float) -> None:
        """One mark took ``seconds``, from when it was due to when it was committed."""
        self._recent.append(max(0.0, seconds))
        if len(self._recent) < ENOUGH:
            return
        p90 = statistics.quantiles(self._recent, n=10, method="inclusive")[-1]
        self._followed = min(MOST, max(LEAST, timedelta(seconds=2 * p90)))
