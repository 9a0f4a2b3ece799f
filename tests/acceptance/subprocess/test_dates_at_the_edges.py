"""Dates at the edges of the calendar from the installed command: a flag whose offset takes
it past year 9999 or before year 1 is a usage error naming the flag, not a bug report."""

from __future__ import annotations

import pytest

from tests.acceptance.subprocess.conftest import User
from twiliokit.cli.output import EXIT_INPUT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("messages", "list", "--sent-after", "0001-01-01T00:00:00+05:00"), "--sent-after"),
        (("calls", "list", "--started-before", "9999-12-31T23:59:59-05:00"), "--started-before"),
        (
            ("sms", "send", "+14155552671", "hi", "--send-at", "9999-12-31T23:59:59-05:00"),
            "--send-at",
        ),
    ],
)
def test_a_date_past_the_calendar_names_its_flag(
    user: User, args: tuple[str, ...], flag: str
) -> None:
    """The command exits with the input error code, names the flag and says out of range;
    it never calls it a bug in twiliokit."""
    done = user(*args)
    assert done.returncode == EXIT_INPUT, done.stdout + done.stderr
    assert flag in done.stderr
    assert "out of range" in done.stderr
    assert "bug" not in done.stderr
    assert "OverflowError" not in done.stderr
