"""Fixtures the emulator's tests share: HTTP clients with each kind of credentials and a real
webhook receiver (the ``emulator`` fixture itself is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator


@pytest.fixture
def api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """An HTTP client with the development credentials."""
    auth = (emulator.account_sid, emulator.auth_token)
    with httpx.Client(base_url=emulator.base_url, auth=auth) as client:
        yield client


@pytest.fixture
def test_api(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """An HTTP client with Twilio-style test credentials."""
    auth = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
    with httpx.Client(base_url=emulator.base_url, auth=auth) as client:
        yield client
