"""Relative date filters (`today`, `yesterday`, `7d`) resolved against a given moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from twiliokit.datefilters import relative_bound

NOW = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)


def test_today_and_yesterday_are_utc_days() -> None:
    """`today` and `yesterday` are whole UTC days, whatever the offset of `now`."""
    local = NOW.astimezone(timezone(timedelta(hours=-5)))  # still 9 March there
    assert relative_bound("today", now=local) == date(2026, 3, 10)
    assert relative_bound(" Yesterday ", now=NOW) == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("7d", timedelta(days=7)),
        ("36h", timedelta(hours=36)),
        ("30m", timedelta(minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(weeks=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("7d ago", timedelta(days=7)),
        ("7D", timedelta(days=7)),
    ],
)
def test_durations_count_back_from_now(text: str, ago: timedelta) -> None:
    """A duration is the instant that long before `now`, in UTC."""
    assert relative_bound(text, now=NOW) == NOW - ago


@pytest.mark.parametrize("text", ["2024-03-01", "2024-03-01T12:00:00Z", "7", "d", "7x", "", "-7d"])
def test_other_text_is_not_relative(text: str) -> None:
    """Dates, timestamps and junk are left to the caller's own parsing (None)."""
    assert relative_bound(text, now=NOW) is None


def test_a_huge_duration_does_not_overflow() -> None:
    """A duration past a century is capped instead of overflowing datetime."""
    bound = relative_bound("9999999w", now=NOW)
    assert isinstance(bound, datetime)
    assert bound == NOW - timedelta(days=36_500)


def test_the_actions_take_relative_dates_on_every_surface() -> None:
    """The catalogue's date arguments accept `7d` and `yesterday` (CLI, HTTP, MCP, Python)."""
    from twiliokit.actions import catalogue
    from twiliokit.actions.invoke import find_action, parse_arguments

    action = find_action(catalogue(), "list_messages")
    parsed = parse_arguments(action, {"sent_after": "7d", "sent_before": "yesterday"})
    after = parsed.sent_after  # type: ignore[attr-defined]
    assert isinstance(after, datetime)
    assert timedelta(days=6.9) < datetime.now(UTC) - after < timedelta(days=7.1)
    assert parsed.sent_before == datetime.now(UTC).date() - timedelta(days=1)  # type: ignore[attr-defined]
