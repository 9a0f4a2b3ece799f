"""Failures Twilio reports after accepting a message reach the ledger through the receiver."""

from __future__ import annotations

import pytest

from tests.integration.webhooks.conftest import ServeReceiver, reading
from twiliokit.client import AsyncClient
from twiliokit.emulator.config import DEFAULT_WHATSAPP_SENDER
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import MessageStatus

pytestmark = pytest.mark.anyio

USER = "whatsapp:+14155550123"


async def test_whatsapp_outside_the_window_fails_with_63016_in_the_ledger(
    emulator: RunningEmulator, emulator_client: AsyncClient, serve_receiver: ServeReceiver
) -> None:
    """A free-form WhatsApp message with no open window is accepted, then fails with 63016;
    the signed status callback records the failure and its code in the ledger."""
    receiver = serve_receiver(auth_token=emulator.auth_token)
    sent = await emulator_client.create_message(
        to=USER,
        from_=f"whatsapp:{DEFAULT_WHATSAPP_SENDER}",
        body="Your order shipped",
        status_callback=receiver.url("message_status"),
    )
    assert sent.status == "queued"  # Twilio accepts it: the window is checked later

    emulator.control.advance(10)

    async with reading(receiver.ledger_url) as ledger:
        history = await ledger.status_history(sent.sid)
    assert [(e.status, e.error_code, e.source) for e in history] == [
        (MessageStatus.FAILED, 63016, "callback")
    ]
    assert history[0].error_message is not None
    assert "template" in history[0].error_message.lower()
