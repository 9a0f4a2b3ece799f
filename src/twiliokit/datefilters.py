"""Relative date filters: ``today``, ``yesterday`` and durations such as ``7d`` or ``36h``.

A date filter (``sent_after``, ``started_before``, ``since``, ...) takes a day or a timestamp;
people also write "the last week" as ``7d`` and "since this morning" as ``today``.
:func:`relative_bound` turns those words into the day or the instant they mean, for a given
``now``. Pure, no clock of its own: the caller passes ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Final

__all__ = ["RELATIVE_EXAMPLES", "relative_bound"]

#: What the relative forms look like, for help texts and error hints.
RELATIVE_EXAMPLES: Final = "today, yesterday, or a duration ago such as 30m, 36h, 7d or 2w"

_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_PART: Final = re.compile(r"(\d{1,7})([smhdw])")
_DURATION: Final = re.compile(r"(?:\d{1,7}[smhdw])+")
#: Beyond this a duration means nothing for Twilio's records (and datetime would overflow).
_LONGEST: Final = timedelta(days=36_500)


def relative_bound(text: str, *, now: datetime) -> date | datetime | None:
    """The day (``today``, ``yesterday``: whole UTC days) or the instant (``7d``: now less
    seven days) ``text`` means, or ``None`` when it is not a relative form.

    Durations are a number and a unit (``s``, ``m``, ``h``, ``d``, ``w``), several of which
    may follow each other (``1d12h``), optionally followed by ``ago``. ``now`` must be aware.
    """
    word = text.strip().lower()
    if word.endswith(" ago"):
        word = word[: -len(" ago")].rstrip()
    today = now.astimezone(UTC).date()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    compact = word.replace(" ", "")
    if not _DURATION.fullmatch(compact):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    return now.astimezone(UTC) - min(timedelta(seconds=seconds), _LONGEST)
