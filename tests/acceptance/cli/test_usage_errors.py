"""Usage errors from the command line itself (not from twiliokit's checks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from twiliokit.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sms", "send"], "Missing argument 'TO'"),
        (["messages", "list", "--limit", "abc"], "--limit must be a whole number, not 'abc'"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_error_is_one_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed command line prints one `error:` line naming the problem and exits 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert expected in err
    assert "Traceback" not in err


def test_installed_command_exits_non_zero_on_a_failed_action(tmp_path: Path) -> None:
    """The real `twiliokit` executable exits 2 when an action refuses its input."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "twiliokit", "sms", "send", "not-a-number", "hi"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
