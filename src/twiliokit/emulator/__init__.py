"""A faithful, stateful emulator of Twilio's REST APIs, callbacks and webhooks.

``create_app()`` gives the ASGI app; ``twiliokit emulator`` serves it; ``testing.run_emulator``
runs it in a background thread for test suites. See docs/emulator.md.
"""

from __future__ import annotations

from twiliokit.emulator.app import create_app
from twiliokit.emulator.config import (
    DEV_ACCOUNT_SID,
    DEV_AUTH_TOKEN,
    MAGIC_FROM,
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    EmulatorConfig,
    Throughput,
)

__all__ = [
    "DEV_ACCOUNT_SID",
    "DEV_AUTH_TOKEN",
    "MAGIC_FROM",
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "EmulatorConfig",
    "Throughput",
    "create_app",
]
