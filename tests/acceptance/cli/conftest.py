"""Fixtures for the Twilio command groups: the real typer app against the emulator over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

# Importing a command group module registers it on the root app, as `twiliokit.cli.main` does.
from twiliokit.cli import actions, lookup, messaging, raw, verify, voice  # noqa: F401
from twiliokit.cli.app import app
from twiliokit.emulator.testing import RunningEmulator

Twiliokit = Callable[..., Result]


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables and help render at a fixed, wide width whatever terminal runs the tests."""
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def twiliokit(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Twiliokit:
    """Run `twiliokit ARGS... --base-url EMULATOR` with the dev credentials in the environment."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", emulator.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", emulator.auth_token)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", emulator.phone_number)
    # No config file of the developer's may leak into a test, nor its default ledger
    # (sends open the ledger: the default SQLite file is in the user data directory).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    def run(*args: str, input: str | None = None) -> Result:
        target = [] if "--base-url" in args else ["--base-url", emulator.base_url]
        return CliRunner().invoke(app, [*args, *target], input=input)

    return run


def json_of(result: Result) -> Any:
    """The JSON a successful command printed, failing the test with its output otherwise."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_local(*args: str) -> Result:
    """Run a command that needs no connection (`actions list`, `actions schema`)."""
    return CliRunner().invoke(app, list(args))
