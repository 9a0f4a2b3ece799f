"""Send actions run through the context's send hooks (compliance and the ledger plug in there)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.actions.helpers import FAST_RETRY, TO, WHATSAPP_SENDER, count_messages
from twiliokit.actions import ActionContext, invoke
from twiliokit.actions.hooks import SendIntent
from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.errors import OptedOutError, TwilioError

pytestmark = pytest.mark.anyio


class RecordingHooks:
    """Send hooks that record what they see, and refuse or adjust when told to."""

    def __init__(self, *, refuse: bool = False, callback: str | None = None) -> None:
        self.refuse = refuse
        self.callback = callback
        self.seen: list[tuple[str, Any]] = []

    async def before_send(self, intent: SendIntent) -> SendIntent:
        self.seen.append(("before", intent))
        if self.refuse:
            raise OptedOutError(f"{intent.to} replied STOP", hint="They must text START.")
        if self.callback:
            return dataclasses.replace(intent, status_callback=self.callback)
        return intent

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        self.seen.append(("after", result))

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        self.seen.append(("failed", error))


@pytest.fixture
async def client(emulator_connection: Connection) -> AsyncIterator[AsyncClient]:
    """A client on the emulator with fast retries."""
    async with AsyncClient(emulator_connection, retry=FAST_RETRY) as async_client:
        yield async_client


def context_with(client: AsyncClient, hooks: RecordingHooks) -> ActionContext:
    return ActionContext(client=client, connection=client.connection, hooks=hooks)


async def test_a_refusing_hook_stops_the_send(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """A ComplianceError from before_send reaches the caller and nothing is sent."""
    hooks = RecordingHooks(refuse=True)
    with pytest.raises(OptedOutError):
        await invoke("send_sms", {"to": TO, "body": "hi"}, context=context_with(client, hooks))
    assert [kind for kind, _ in hooks.seen] == ["before"]
    assert count_messages(emulator) == 0


async def test_hooks_see_the_intent_and_may_adjust_it(
    client: AsyncClient, emulator: RunningEmulator
) -> None:
    """before_send gets the send described; its adjusted status callback is what Twilio
    gets; after_send gets Twilio's message."""
    hooks = RecordingHooks(callback="https://hooks.example.com/status")
    sent = await invoke(
        "send_sms",
        {"to": TO, "body": "hi", "media_urls": ["https://example.com/a.png"]},
        context=context_with(client, hooks),
    )
    (_, intent), (after, message) = hooks.seen
    assert (intent.channel, intent.to, intent.from_, intent.body) == (
        "mms",
        TO,
        "+15005550006",
        "hi",
    )
    assert intent.media_urls == ("https://example.com/a.png",)
    assert after == "after"
    assert message.sid == sent["sid"]
    emulator.control.advance(10)
    assert {record["url"] for record in emulator.control.webhooks()} == {
        "https://hooks.example.com/status"
    }


async def test_a_failed_send_is_reported_to_the_hooks(client: AsyncClient) -> None:
    """Twilio's refusal reaches send_failed, then the caller."""
    hooks = RecordingHooks()
    with pytest.raises(TwilioError):
        await invoke(
            "send_sms", {"to": "+15005550001", "body": "x"}, context=context_with(client, hooks)
        )
    kinds = [kind for kind, _ in hooks.seen]
    assert kinds == ["before", "failed"]
    assert isinstance(hooks.seen[1][1], TwilioError)


async def test_whatsapp_and_calls_go_through_the_hooks(client: AsyncClient) -> None:
    """send_whatsapp and make_call describe themselves as whatsapp and call intents."""
    hooks = RecordingHooks()
    context = context_with(client, hooks)
    await invoke(
        "send_whatsapp",
        {"to": TO, "from": WHATSAPP_SENDER, "content_sid": None, "body": "hello"},
        context=context,
    )
    await invoke("make_call", {"to": TO, "say": "hello"}, context=context)
    intents = [value for kind, value in hooks.seen if kind == "before"]
    assert [(i.channel, i.to) for i in intents] == [("whatsapp", "whatsapp:" + TO), ("call", TO)]
    assert intents[1].details["twiml"] is not None
