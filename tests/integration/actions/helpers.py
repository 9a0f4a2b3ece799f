"""Helpers of the action integration tests: the emulator's clock and its message count."""

from __future__ import annotations

from datetime import datetime

import httpx

from twiliokit.emulator.testing import RunningEmulator
from twiliokit.http.policies import RetryPolicy

#: Fast retries: what is tested is whether and how often, not the real delays.
FAST_RETRY = RetryPolicy(initial_delay=0.01, max_delay=0.05, jitter=0)
TO = "+14155552671"
OTHER = "+14155552672"
WHATSAPP_SENDER = "whatsapp:+14155238886"


def emulator_now(emulator: RunningEmulator) -> datetime:
    """The emulator's virtual time (what its messages are stamped with)."""
    return datetime.fromisoformat(emulator.control.request("GET", "/_emulator/clock")["now"])


def count_messages(emulator: RunningEmulator) -> int:
    """How many messages the emulator holds for the development account (read without the
    client under test)."""
    auth = (emulator.account_sid, emulator.auth_token)
    path = f"/2010-04-01/Accounts/{emulator.account_sid}/Messages.json"
    response = httpx.get(emulator.base_url + path, params={"PageSize": 1000}, auth=auth)
    response.raise_for_status()
    return len(response.json()["messages"])


def iso(moment: datetime) -> str:
    """A timestamp as an agent writes it: UTC with a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
