"""Fixtures for running the scripts in examples/ as a user runs them: a subprocess of this
virtual environment's Python with only the environment the script's docstring asks for (the
emulator's export line), a HOME and XDG directories in the test's tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from twiliokit.emulator.testing import RunningEmulator

#: The repository's examples/ directory.
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: The longest one example may take (a loaded two-core machine is slow to start Python).
TIMEOUT = 120


@dataclass
class Examples:
    """How to run an example against the reset emulator."""

    env: dict[str, str]
    home: Path
    emulator: RunningEmulator

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**self.env, **(extra or {})}

    def run(
        self, script: str, *args: str, env: Mapping[str, str] | None = None, input: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python examples/SCRIPT ARGS`` to the end; its output is in the failure text
        of the callers' assertions."""
        return subprocess.run(
            [sys.executable, str(EXAMPLES / script), *args],
            env=self.environment(env),
            cwd=self.home,
            input=input,
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )

    def messages(self) -> list[dict[str, Any]]:
        """The emulator's messages, newest first (over its REST API, as Twilio lists them)."""
        auth = (self.emulator.account_sid, self.emulator.auth_token)
        path = f"/2010-04-01/Accounts/{self.emulator.account_sid}/Messages.json"
        response = httpx.get(self.emulator.base_url + path, params={"PageSize": 1000}, auth=auth)
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


@pytest.fixture
def examples(emulator: RunningEmulator, tmp_path: Path) -> Examples:
    """The emulator's `export` line (base URL, credentials, from number) and nothing of the
    developer's: HOME, the config and data directories (so the default ledger) in tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TWILIOKIT_BASE_URL": emulator.base_url,
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIO_PHONE_NUMBER": emulator.phone_number,
    }
    return Examples(env, home, emulator)
