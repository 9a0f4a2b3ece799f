"""The CLI's list of send actions (``twiliokit.cli.runner.SEND_ACTIONS``, the ones it opens the
ledger and applies compliance for) is exactly the set of catalogue actions that run a request
through the send hooks: a new send action cannot slip past the CLI's compliance unnoticed."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from twiliokit.actions import ActionContext, catalogue, invoke
from twiliokit.actions.docgen import example_for
from twiliokit.actions.hooks import NoHooks, SendIntent, Verdict
from twiliokit.cli.runner import SEND_ACTIONS
from twiliokit.errors import TwiliokitError
from twiliokit.ledger import MemoryLedger

pytestmark = pytest.mark.anyio


class _Reached(Exception):
    """Raised by the probe hooks: the action asked before_send about a request."""


class _Probe(NoHooks):
    async def before_send(self, intent: SendIntent) -> SendIntent:
        raise _Reached(intent.channel)

    async def before_send_many(self, intents: Sequence[SendIntent]) -> list[Verdict]:
        raise _Reached("bulk")


async def test_send_actions_are_those_that_run_the_send_hooks(context: ActionContext) -> None:
    """Every write in the catalogue, run with its example: only SEND_ACTIONS reach the hooks."""
    # With a ledger: the outbox's actions (send_at, send_bulk) need one before they judge.
    probed = dataclasses.replace(context, hooks=_Probe(), ledger=MemoryLedger())
    reached = set()
    for action in catalogue():
        if action.read_only:
            continue
        arguments: dict[str, Any] = example_for(action)
        try:
            await invoke(action.name, arguments, context=probed)
        except _Reached:
            reached.add(action.name)
        except TwiliokitError:
            pass  # an example SID the emulator does not hold: no send was attempted
    assert reached == SEND_ACTIONS
