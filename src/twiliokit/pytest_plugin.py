"""pytest fixtures for testing your own code against the twiliokit emulator.

Installing twiliokit registers this module with pytest (the ``pytest11`` entry point), so
any test can ask for:

``twilio_emulator``
    The emulator, reset before the test: no messages, no faults, an empty webhook log and
    the clock back where it started. A :class:`~twiliokit.emulator.testing.RunningEmulator`:
    ``.connection()`` for twiliokit's clients, ``.base_url`` / ``.account_sid`` /
    ``.auth_token`` / ``.phone_number`` for anything else, ``.control`` to advance time,
    inject faults, read webhooks and deliver inbound messages.
``twilio_emulator_session``
    The same emulator without the reset: what earlier tests left stays.
``twilio_emulator_config``
    The :class:`~twiliokit.emulator.EmulatorConfig` it starts with; time is frozen
    (``time_rate=0``) so tests move it with ``control.advance``. Override this fixture
    (session scope) in a ``conftest.py`` to change it.

One emulator serves the whole session (one per xdist worker) on a free loopback port.
``pytest -p no:twiliokit`` turns the plugin off. See docs/testing.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from twiliokit.emulator import EmulatorConfig
    from twiliokit.emulator.testing import RunningEmulator

__all__ = ["twilio_emulator", "twilio_emulator_config", "twilio_emulator_session"]

# The emulator's modules are imported inside the fixtures: pytest loads this plugin in every
# run of every project that has twiliokit installed, and most of those runs never use it.


@pytest.fixture(scope="session")
def twilio_emulator_config() -> EmulatorConfig:
    """The emulator's configuration: the documented development account, time frozen."""
    from twiliokit.emulator import EmulatorConfig

    return EmulatorConfig(time_rate=0.0)


@pytest.fixture(scope="session")
def twilio_emulator_session(
    twilio_emulator_config: EmulatorConfig,
) -> Iterator[RunningEmulator]:
    """One running emulator for the session, never reset by the plugin."""
    from twiliokit.emulator.testing import run_emulator

    with run_emulator(twilio_emulator_config) as emulator:
        yield emulator


@pytest.fixture
def twilio_emulator(twilio_emulator_session: RunningEmulator) -> RunningEmulator:
    """The session's emulator, reset to a fresh state before the test."""
    twilio_emulator_session.control.reset()
    return twilio_emulator_session
