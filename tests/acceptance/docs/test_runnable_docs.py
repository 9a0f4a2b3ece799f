"""Every shell block marked runnable in README.md, docs/*.md and examples/README.md runs as
shown against the emulator: one subprocess of bash per block, `twiliokit` on PATH from this
virtual environment, the emulator's `export` line in the environment, HOME and the XDG
directories in tmp_path, the repository as the working directory.

How to mark a block, and what the harness changes, is in docs/dev/runnable-docs.md (and
runnable_blocks.py). The only rewrite: the emulator's default address (``localhost:8787``,
``127.0.0.1:8787``) becomes the test emulator's, which listens on a free port.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.docs.runnable_blocks import (
    Block,
    Command,
    MarkerError,
    documentation_blocks,
    runnable_blocks,
)
from tests.helpers.processes import running
from twiliokit.emulator import EmulatorConfig
from twiliokit.emulator.testing import RunningEmulator, run_emulator

ROOT = Path(__file__).resolve().parents[3]
#: The longest one block may take (a loaded two-core machine is slow to start Python).
TIMEOUT = 120
#: Programs a block may use that are not part of twiliokit: its test is skipped without them.
OUTSIDE_TOOLS = ("curl", "jq")
DEFAULT_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):8787\b")
#: Where `twiliokit serve` listens by default (a `serve` block expects it there).
SERVE_ADDRESS = re.compile(r"\b(?:localhost|127\.0\.0\.1):8080\b")
SERVE_URL = re.compile(r"http://(127\.0\.0\.1:\d+)/v1/actions")
#: Prepended to every block: `curl -s` exits 0 on a 400 or a 404, and a refused request has
#: not run as shown, so curl fails on HTTP errors here (and still prints the answer).
STRICT_CURL = 'curl() { command curl --fail-with-body "$@"; }\n'


def _collected() -> list[Block]:
    try:
        return documentation_blocks(ROOT)
    except MarkerError:  # reported by test_every_marker_marks_a_shell_block
        return []


BLOCKS = _collected()


@pytest.fixture(scope="module")
def docs_emulator() -> Iterator[RunningEmulator]:
    """The emulator as `twiliokit emulator` runs it (time passing at its real rate), shared by
    the module and reset before each block."""
    with run_emulator(EmulatorConfig()) as emulator:
        yield emulator


def _environment(emulator: RunningEmulator, home: Path) -> dict[str, str]:
    """A user's shell after pasting the emulator's export line, and nothing of the
    developer's: `twiliokit` from this virtual environment first on PATH."""
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TWILIOKIT_BASE_URL": emulator.base_url,
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
    }


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_marked_block_runs_as_shown(
    block: Block, docs_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """The block's commands run in bash against a fresh emulator, each exiting with the status
    the block states (0 unless an `echo $?` or the marker says otherwise)."""
    for tool in OUTSIDE_TOOLS:
        used = re.search(rf"(^|[\s|;(]){tool}\b", block.script(), flags=re.MULTILINE)
        if used and shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    docs_emulator.control.reset()
    home = tmp_path / "home"
    home.mkdir()
    env = _environment(docs_emulator, home)
    address = docs_emulator.base_url.removeprefix("http://")
    script = STRICT_CURL + DEFAULT_ADDRESS.sub(address, block.script())
    with contextlib.ExitStack() as stack:
        if block.serve:
            # What a reader has in another terminal: `twiliokit serve` on the same emulator,
            # its API token in TWILIOKIT_API_TOKEN (here on a free port, not 8080).
            env["TWILIOKIT_API_TOKEN"] = secrets.token_urlsafe(24)
            serving = ("serve", "--port", "0", "--db", f"sqlite:///{tmp_path / 'ledger.db'}")
            _, printed = stack.enter_context(running(*serving, env=env, ready="  HTTP API:"))
            found = SERVE_URL.search(printed.stdout[-1])
            assert found is not None, printed.everything
            script = SERVE_ADDRESS.sub(found.group(1), script)
        done = subprocess.run(
            ["bash", "-c", script],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert done.returncode == 0, (
        f"{block.id} did not run as shown (exit {done.returncode})\n"
        f"--- script\n{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )


def test_every_marker_marks_a_shell_block() -> None:
    """No runnable marker is misplaced (it would silently test nothing), and the docs keep
    some runnable blocks."""
    blocks = documentation_blocks(ROOT)
    assert len(blocks) >= 8, [block.id for block in blocks]


def test_console_blocks_run_only_their_prompted_commands() -> None:
    """In a console block the `$ ` lines and their continuations run, output lines do not;
    `echo $?` and its output state the previous command's status, `exit N` the last's."""
    text = "\n".join(
        [
            "<!-- runnable: exit 2 -->",
            "```console",
            "$ twiliokit sms send +15005550001 'hi' \\",
            "    --json",
            "error: not run",
            "$ echo $?",
            "1",
            "$ echo done",
            "done",
            "$ twiliokit messages list --sent-after 2026-13-01",
            "```",
        ]
    )
    [block] = runnable_blocks(text, "doc.md")
    assert (block.line, block.serve) == (2, False)
    assert block.commands == (
        Command("twiliokit sms send +15005550001 'hi' \\\n    --json", 1),
        Command("echo done", 0),
        Command("twiliokit messages list --sent-after 2026-13-01", 2),
    )


def test_the_serve_option_is_read_beside_exit() -> None:
    """`serve` and `exit N` may be given together, in either order."""
    text = "<!-- runnable: exit 3, serve -->\n```sh\nfalse\n```"
    [block] = runnable_blocks(text, "doc.md")
    assert (block.serve, block.commands) == (True, (Command("false", 3),))


def test_the_script_fails_on_the_first_unexpected_status(tmp_path: Path) -> None:
    """The generated script exits 0 when every status is as stated and 99 at the first that
    is not, without running the rest."""
    ok = Block("doc.md", 1, (Command("false", 1), Command("true")), stop_on_error=False)
    bad = Block("doc.md", 1, (Command("true", 3), Command("touch ran")), stop_on_error=False)
    sh = Block("doc.md", 1, (Command("false\ntouch ran"),), stop_on_error=True)
    for block, status in ((ok, 0), (bad, 99), (sh, 99)):
        done = subprocess.run(
            ["bash", "-c", block.script()], cwd=tmp_path, capture_output=True, check=False
        )
        assert done.returncode == status, done.stderr
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    "text",
    [
        "<!-- runnable -->\n```python\nprint()\n```",
        "<!-- runnable -->\n\n```sh\ntrue\n```",
        "<!-- runnable: twice -->\n```sh\ntrue\n```",
        "<!-- runnable: serve, exit -->\n```sh\ntrue\n```",
        "<!-- runnable -->\n```sh\ntrue",
    ],
)
def test_a_misplaced_marker_is_an_error(text: str) -> None:
    """A marker before anything but a closed shell block, or with an unknown option, fails."""
    with pytest.raises(MarkerError):
        runnable_blocks(text, "doc.md")
