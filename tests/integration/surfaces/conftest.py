"""Fixtures for the agent surfaces: guarded runtimes, in-process MCP clients and the service
app, all against the per-test emulator (real HTTP on a loopback port, frozen time)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY, emulator_now
from twiliokit.actions.hooks import SendHooks
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import LedgerStore
from twiliokit.server.guardrails import GuardedCatalogue, Guardrails
from twiliokit.server.runtime import AgentRuntime, open_runtime

#: A bearer token for the service in tests (long enough to be accepted).
TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TO = "+14155552671"

OpenGuarded = Callable[..., Awaitable[AgentRuntime]]
ServiceClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def guarded(
    emulator: RunningEmulator, emulator_connection: Connection
) -> AsyncIterator[OpenGuarded]:
    """``await guarded(Guardrails(...), ledger=..., hooks=...)``: an open runtime on the
    emulator whose clock is the emulator's (closed after the test)."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_guarded(
            guardrails: Guardrails | None = None,
            *,
            ledger: LedgerStore | None = None,
            hooks: SendHooks | None = None,
            catalogue: GuardedCatalogue | None = None,
        ) -> AgentRuntime:
            return await stack.enter_async_context(
                open_runtime(
                    emulator_connection,
                    catalogue or GuardedCatalogue(guardrails or Guardrails()),
                    ledger=ledger,
                    hooks=hooks,
                    retry=FAST_RETRY,
                    now=lambda: emulator_now(emulator),
                )
            )

        yield open_guarded


@pytest.fixture
async def service(emulator: RunningEmulator) -> AsyncIterator[ServiceClient]:
    """``await service(guardrails=..., ...)``: the service app with its lifespan running, and
    an httpx client calling it in-process (no token unless the test sends one)."""
    from twiliokit.server.service import ServiceSettings, create_service_app

    async with contextlib.AsyncExitStack() as stack:

        async def start(**settings: Any) -> httpx.AsyncClient:
            settings.setdefault("ledger_url", "memory://")
            settings.setdefault("retry", FAST_RETRY)
            app = create_service_app(
                ServiceSettings(connection=emulator.connection(), api_token=TOKEN, **settings)
            )
            await stack.enter_async_context(app.router.lifespan_context(app))
            return await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
                )
            )

        yield start
