"""Shared fixtures. Fixtures are factories; nothing here reads the developer's real Twilio env."""

from __future__ import annotations

import os

import pytest


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
