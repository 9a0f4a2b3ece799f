"""send_sms refuses a short-code recipient before any request: Twilio answers 21265."""

from __future__ import annotations

import pytest

from tests.integration.actions.conftest import Run
from tests.integration.actions.helpers import count_messages
from twiliokit.actions import catalogue
from twiliokit.actions.schema import input_schema
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import ValidationError

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("to", ["12345", "898211"])
async def test_send_sms_to_a_short_code_is_refused_naming_to(
    run: Run, emulator: RunningEmulator, to: str
) -> None:
    """The refusal names `to`, says why (21265) and how to fix it; nothing reaches Twilio."""
    with pytest.raises(ValidationError) as caught:
        await run("send_sms", {"to": to, "body": "hi"})
    assert caught.value.field == "to"
    assert "short code" in str(caught.value)
    assert "21265" in (caught.value.hint or "")
    assert "E.164" in (caught.value.hint or "")
    assert count_messages(emulator) == 0


def test_send_sms_schema_no_longer_offers_short_codes() -> None:
    """The catalogue's description of `to` does not invite a short code."""
    action = catalogue().resolve("send_sms")
    assert action is not None
    described = input_schema(action)["properties"]["to"]["description"]
    assert "not a short code" in described
