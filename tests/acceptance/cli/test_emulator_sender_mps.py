"""`twiliokit emulator --sender-mps`: one rate for every sender, seen through the control API;
a rate that is not positive is refused naming the option."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.acceptance.cli.test_emulator_command import environment, export_line
from tests.helpers.processes import run, running

pytestmark = pytest.mark.slow


def test_sender_mps_sets_every_kinds_rate(tmp_path: Path) -> None:
    """With --sender-mps 250 every kind of sender hands 250 segments a second to carriers."""
    args = ("emulator", "--port", "0", "--sender-mps", "250")
    with running(*args, env=environment(tmp_path), ready="Control API") as (_, printed):
        found = re.search(r"TWILIOKIT_BASE_URL=(\S+)", export_line(printed))
        assert found is not None
        shown = httpx.get(f"{found.group(1)}/_emulator/throughput").json()
    assert set(shown["kinds"].values()) == {250.0}


def test_a_rate_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    """--sender-mps 0 exits 2 naming the option, with no traceback."""
    done = run("emulator", "--port", "0", "--sender-mps", "0", env=environment(tmp_path))
    assert done.returncode == 2
    assert "--sender-mps" in done.stderr
    assert "Traceback" not in done.stderr
