"""Judging many sends at once through chained hooks: each hook sees what the previous ones
approved, a refusal is one intent's verdict, and hooks that approved hear of every refusal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from twiliokit.actions.hooks import (
    NothingSent,
    SendIntent,
    Verdict,
    before_send_many,
    chain_hooks,
)
from twiliokit.errors import PolicyError

pytestmark = pytest.mark.anyio


def _intent(to: str) -> SendIntent:
    return SendIntent(channel="sms", to=to, from_="+15005550006", body="hi")


class Recording:
    """Approves everything in one go, and remembers what it was told failed."""

    def __init__(self) -> None:
        self.judged: list[str] = []
        self.failed: list[tuple[str, str]] = []

    async def before_send(self, intent: SendIntent) -> SendIntent:
        raise AssertionError("judged one by one although it judges many at once")

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        self.judged.extend(i.to for i in intents)
        return list(intents)

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        self.failed.append((intent.to, type(error).__name__))


class OneByOne:
    """A hook without before_send_many: refuses +33 numbers, stops everything on +44."""

    async def before_send(self, intent: SendIntent) -> SendIntent:
        if intent.to.startswith("+33"):
            raise PolicyError("not France", field="to")
        if intent.to.startswith("+44"):
            raise NothingSent
        return intent

    async def after_send(self, intent: SendIntent, result: Any) -> None:
        return None

    async def send_failed(self, intent: SendIntent, error: Exception) -> None:
        return None


async def test_a_refusal_is_one_intents_verdict_and_earlier_hooks_hear_it() -> None:
    """The second hook refuses one intent; the first hears of that one only; later hooks
    judge only what is still approved."""
    first, last = Recording(), Recording()
    hooks = chain_hooks(first, OneByOne(), last)
    verdicts = await before_send_many(hooks, [_intent("+14155550101"), _intent("+33612345678")])
    assert isinstance(verdicts[0], SendIntent)
    assert isinstance(verdicts[1], PolicyError)
    assert first.failed == [("+33612345678", "PolicyError")]
    assert last.judged == ["+14155550101"]


async def test_a_stop_propagates_and_every_approved_intent_is_abandoned() -> None:
    """Anything but a refusal (a dry-run stop) ends the whole judgement; the hooks that had
    approved hear that none of the intents will be sent."""
    first = Recording()
    hooks = chain_hooks(first, OneByOne())
    with pytest.raises(NothingSent):
        await before_send_many(hooks, [_intent("+14155550101"), _intent("+447400123456")])
    assert sorted(to for to, _ in first.failed) == ["+14155550101", "+447400123456"]
