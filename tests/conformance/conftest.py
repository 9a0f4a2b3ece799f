"""Fixtures the conformance tests share: Twilio's own SDK pointed at the emulator with each
kind of credentials, and a real webhook receiver."""

from __future__ import annotations

import pytest
from twilio.rest import Client

from tests.helpers.sdk import sdk_client
from twiliokit.emulator import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from twiliokit.emulator.testing import RunningEmulator


@pytest.fixture
def client(emulator: RunningEmulator) -> Client:
    """Twilio's SDK with the development credentials, pointed at the emulator."""
    return sdk_client(emulator.base_url, emulator.account_sid, emulator.auth_token)


@pytest.fixture
def test_client(emulator: RunningEmulator) -> Client:
    """Twilio's SDK with Twilio-style test credentials."""
    return sdk_client(emulator.base_url, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
