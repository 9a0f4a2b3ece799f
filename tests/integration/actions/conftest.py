"""Action contexts wired to the per-test emulator (real HTTP on a loopback port, frozen time)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.integration.actions.helpers import FAST_RETRY, emulator_now
from twiliokit.actions import ActionContext, invoke
from twiliokit.client import AsyncClient
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator

Run = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def context(
    emulator: RunningEmulator, emulator_connection: Connection
) -> AsyncIterator[ActionContext]:
    """An ActionContext on the emulator: default sender +15005550006, fast retries, and the
    emulator's clock as 'now' (so 'in the future' means the same to both)."""
    async with AsyncClient(emulator_connection, retry=FAST_RETRY) as client:
        yield ActionContext(
            client=client, connection=emulator_connection, now=lambda: emulator_now(emulator)
        )


@pytest.fixture
def run(context: ActionContext) -> Run:
    """``await run(name, arguments)``: invoke an action in the test's context."""

    async def call(name: Any, arguments: Any = None) -> dict[str, Any]:
        return await invoke(name, arguments, context=context)

    return call
