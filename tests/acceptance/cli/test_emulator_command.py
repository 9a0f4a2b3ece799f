"""`twiliokit emulator` as a user runs it: its printed `export` line, pasted into a shell, is
enough for `twiliokit sms send`; a token of the user's own comes from the environment or a
file and is never printed; `--auth-token` still works but warns that argv is public."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.processes import TWILIOKIT, Printed, run, running

pytestmark = pytest.mark.slow

OWN_TOKEN = "5f1c9a0b" * 4  # Twilio auth tokens are 32 hex characters


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no TWILIO_* variables, the test's own config and data dirs."""
    return {
        "PATH": f"{Path(TWILIOKIT).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "LANG": "C.UTF-8",
        **extra,
    }


def export_line(printed: Printed) -> str:
    line = next(line for line in printed.stdout if line.startswith("Use it:"))
    return line.removeprefix("Use it:").strip()


def paste_and_send(export: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Paste the export line into a shell, then send an SMS with the CLI from that shell."""
    script = f'{export}\ntwiliokit sms send +14155552671 "hi" --json'
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_printed_export_line_is_enough_to_send_an_sms(tmp_path: Path) -> None:
    """The export line names the base URL, account, token and from number: pasted into a
    shell, `twiliokit sms send` works from it and exits 0."""
    env = environment(tmp_path)
    with running("emulator", "--port", "0", env=env, ready="Control API") as (_, printed):
        export = export_line(printed)
        assert "TWILIO_PHONE_NUMBER=+15005550006" in export
        sent = paste_and_send(export, env)
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["from"] == "+15005550006"


def test_a_token_from_the_environment_is_used_and_never_printed(tmp_path: Path) -> None:
    """With TWILIOKIT_EMULATOR_AUTH_TOKEN the emulator accepts that token, prints it nowhere,
    and its export line reads it from the variable, so pasting it still sends."""
    env = environment(tmp_path, TWILIOKIT_EMULATOR_AUTH_TOKEN=OWN_TOKEN)
    with running("emulator", "--port", "0", env=env, ready="Control API") as (_, printed):
        export = export_line(printed)
        sent = paste_and_send(export, env)
        wrong = paste_and_send(export, {**env, "TWILIOKIT_EMULATOR_AUTH_TOKEN": "0" * 32})
    assert sent.returncode == 0, sent.stderr
    assert wrong.returncode != 0  # the emulator checks the token it was given
    assert OWN_TOKEN not in printed.everything


def test_a_token_from_a_file_is_used_and_never_printed(tmp_path: Path) -> None:
    """--auth-token-file reads the token from a file; the export line reads the same file."""
    token_file = tmp_path / "emulator token"
    token_file.write_text(OWN_TOKEN + "\n")
    env = environment(tmp_path)
    args = ("emulator", "--port", "0", "--auth-token-file", str(token_file))
    with running(*args, env=env, ready="Control API") as (_, printed):
        sent = paste_and_send(export_line(printed), env)
    assert sent.returncode == 0, sent.stderr
    assert OWN_TOKEN not in printed.everything


def test_the_auth_token_option_warns_that_argv_is_public(tmp_path: Path) -> None:
    """--auth-token still works, but says on stderr that ps shows it and what to use instead,
    and the token is not printed."""
    env = environment(tmp_path)
    args = ("emulator", "--port", "0", "--auth-token", OWN_TOKEN)
    with running(*args, env=env, ready="Control API") as (_, printed):
        pass
    assert "process list" in printed.stderr
    assert "TWILIOKIT_EMULATOR_AUTH_TOKEN" in printed.stderr
    assert OWN_TOKEN not in printed.everything


def test_an_unreadable_token_file_is_a_clear_error(tmp_path: Path) -> None:
    """A missing token file exits 2 naming the file and the option, with no traceback."""
    missing = tmp_path / "nope"
    done = run(
        "emulator", "--port", "0", "--auth-token-file", str(missing), env=environment(tmp_path)
    )
    assert done.returncode == 2
    assert str(missing) in done.stderr
    assert "--auth-token-file" in done.stderr
    assert "Traceback" not in done.stderr
