"""Ctrl-C (SIGINT) sent to the installed `twiliokit` command as a user's terminal sends it: while
Python is still loading the command, and while `sms bulk --wait` follows a batch. Either way
the command exits 130 without a traceback, and a bulk send's answer is not lost."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.acceptance.subprocess.conftest import User, emulator_messages
from twiliokit.cli.bulk_send import STALL_SECONDS, STALLED
from twiliokit.cli.output import EXIT_INTERRUPTED

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

#: Printed by the stand-in for typer below once the command has begun loading it.
LOADING = "loading typer"


@contextmanager
def _started(user: User, *args: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`twiliokit ARGS` running, its output piped; killed on the way out if still running."""
    process = subprocess.Popen(
        [str(user.executable), *args],
        env=env,
        cwd=user.home,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.mark.parametrize("command", [("worker",), ("outbox", "list"), ("sms", "bulk", "x.csv")])
def test_ctrl_c_while_the_command_loads_exits_130_without_a_traceback(
    user: User, tmp_path: Path, command: tuple[str, ...]
) -> None:
    """SIGINT while Python imports the command line (before any command can handle it) ends
    it with exit 130 and nothing on stderr: no traceback, whatever the command."""
    # A stand-in for typer, found first on PYTHONPATH, holds the command inside its imports
    # until the signal comes, so that it arrives there every time.
    stand_in = tmp_path / "stand_in"
    stand_in.mkdir()
    (stand_in / "typer.py").write_text(
        f"import sys\nprint({LOADING!r}, file=sys.stderr, flush=True)\nsys.stdin.read()\n",
        encoding="utf-8",
    )
    env = {**user.env, "PYTHONPATH": str(stand_in)}
    with _started(user, *command, env=env) as process:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == LOADING
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert (stdout, stderr) == ("", "")


def _contacts(user: User) -> str:
    path = user.home / "contacts.csv"
    path.write_text("phone,first_name\n+14155550101,Ada\n+14155550102,Bob\n", encoding="utf-8")
    return str(path)


def test_ctrl_c_during_bulk_wait_json_still_prints_the_answer(user: User) -> None:
    """`sms bulk --wait --json` stopped by Ctrl-C (no worker, so it waits) prints send_bulk's
    answer with the batch id, says on stderr how to follow and cancel the batch, exits 130,
    and the batch stays queued."""
    with _started(user, "sms", "bulk", _contacts(user), "--body", "Hi", "--wait", "--json",
                  env=user.env) as process:  # fmt: skip
        assert process.stderr is not None
        expected = " ".join(STALLED.format(seconds=STALL_SECONDS).split())
        seen = ""
        for line in process.stderr:  # until the wait says it is waiting (the timeout bounds it)
            seen += line
            if expected in " ".join(seen.split()):
                break
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, seen + stderr
    answer = json.loads(stdout)
    batch_id = answer["batch_id"]
    assert (answer["accepted"], answer["refused"]) == (2, 0)
    said = " ".join(stderr.split())
    assert f"batch {batch_id} goes on" in said
    assert f"`twiliokit outbox batch {batch_id}`" in said
    assert f"`twiliokit outbox cancel-batch {batch_id}`" in said
    assert "Traceback" not in stderr
    batch = user.json("outbox", "batch", batch_id, "--json")
    assert batch["counts"]["queued"] == 2


def test_ctrl_c_during_bulk_wait_says_the_batch_goes_on(user: User) -> None:
    """Without --json, Ctrl-C once the batch line is printed: exit 130, and stderr names the
    commands that follow and cancel the batch."""
    with _started(user, "sms", "bulk", _contacts(user), "--body", "Hi", "--wait",
                  env=user.env) as process:  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("batch BT"), first
        batch_id = first.split()[1].rstrip(":")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert f"`twiliokit outbox cancel-batch {batch_id}`" in " ".join(stderr.split())
    assert "Traceback" not in stderr


def test_sigterm_while_a_send_waits_for_its_pace_sends_nothing_now_or_later(user: User) -> None:
    """`sms send` waiting for its sender's next slot says so on stderr; SIGTERM then stops it
    (exit 143, "stopped (SIGTERM)"), its outbox item failed saying nothing was sent, and
    nothing reaches Twilio: no worker sends it later behind its caller's back."""
    user.config(f'[outbox]\nrates = {{ "{user.emulator.phone_number}" = 0.01 }}\n')
    assert user("sms", "send", "+14155550177", "first").returncode == 0
    with _started(user, "sms", "send", "+14155550178", "second", env=user.env) as process:
        assert process.stderr is not None
        waiting = process.stderr.readline()
        assert "next slot (its pace)" in waiting, waiting
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.strip() == "stopped (SIGTERM)"
    items = user.json("outbox", "list", "--json")["items"]
    [second] = [item for item in items if item["to"] == "+14155550178"]
    assert second["state"] == "failed"
    assert second["reason"].startswith("nothing was sent")
    assert [m["to"] for m in emulator_messages(user.emulator)] == ["+14155550177"]
