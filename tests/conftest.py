"""Shared fixtures. Fixtures are factories; nothing here reads the developer's real Twilio env."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers.sink import WebhookSink, run_sink
from twiliokit.connections import Connection
from twiliokit.emulator import EmulatorConfig
from twiliokit.emulator.testing import RunningEmulator, run_emulator


@pytest.fixture(autouse=True)
def _clean_twilio_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's TWILIO_* / TWILIOKIT_* variables out of every test."""
    for name in list(os.environ):
        if name.startswith(("TWILIO_", "TWILIOKIT_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only."""
    return "asyncio"


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[RunningEmulator]:
    """One emulator per test process, with time frozen: tests move it with `advance`."""
    with run_emulator(EmulatorConfig(time_rate=0.0)) as emu:
        yield emu


@pytest.fixture
def emulator(_emulator_server: RunningEmulator) -> RunningEmulator:
    """A freshly reset emulator (real HTTP on a free loopback port)."""
    _emulator_server.control.reset()
    return _emulator_server


@pytest.fixture
def emulator_connection(emulator: RunningEmulator) -> Connection:
    """A Connection to the reset emulator with its development credentials."""
    return emulator.connection()


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    """A real HTTP receiver for callbacks, webhooks and forwards: it records what it receives
    and answers what a test tells it (``sink.respond``)."""
    with run_sink() as receiver:
        yield receiver
