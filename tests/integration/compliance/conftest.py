"""Compliance end to end: the catalogue's send actions on the emulator (real HTTP), a SQLite
ledger in tmp_path, and LedgerHooks with a test clock. Status callbacks go to a real sink.

A module whose tests are about storage runs them on each SQL kind with
``pytest.mark.parametrize("ledger_kind", SQL_KINDS, indirect=True)`` in its ``pytestmark``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.sink import WebhookSink
from tests.integration.actions.helpers import FAST_RETRY, count_messages, emulator_now
from tests.postgres import PostgresServer, postgres_server  # noqa: F401 (fixture)
from twiliokit.actions import ActionContext, invoke
from twiliokit.client import AsyncClient
from twiliokit.compliance import ComplianceSettings, LedgerHooks
from twiliokit.connections import Connection
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import LedgerStore, open_ledger

SENDER = "+15005550006"
TO = "+14155552671"  # San Francisco: America/Los_Angeles
WHATSAPP_SENDER = "whatsapp:+14155238886"
WHATSAPP_TO = "whatsapp:" + TO
OPTED_OUT_MAGIC = "+15005550004"  # Twilio answers 21610
#: The ``ledger_kind`` values of a module whose tests run on every SQL ledger.
SQL_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Clock:
    """The test's clock: what the compliance rules and actions take as now."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingTransport(httpx.AsyncHTTPTransport):
    """The real HTTP transport, counting the requests that leave."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self._sent = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self._sent.set()
        self._sent = asyncio.Event()
        return await super().handle_async_request(request)

    async def next_request(self) -> None:
        """Wait until another request leaves."""
        await self._sent.wait()


@dataclass
class Harness:
    """One test's world: run actions, read the ledger and the emulator, move the clock."""

    emulator: RunningEmulator
    ledger: LedgerStore
    clock: Clock
    sink: WebhookSink
    transport: CountingTransport
    client: AsyncClient
    connection: Connection
    settings: ComplianceSettings = field(default_factory=ComplianceSettings)

    @property
    def hooks(self) -> LedgerHooks:
        return LedgerHooks(
            self.ledger, self.settings, status_callback_url=self.sink.base_url, now=self.clock
        )

    @property
    def context(self) -> ActionContext:
        return ActionContext(
            client=self.client,
            connection=self.connection,
            ledger=self.ledger,
            hooks=self.hooks,
            now=self.clock,
        )

    async def run(self, name: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await invoke(name, arguments or {}, context=self.context)

    def emulator_messages(self) -> int:
        return count_messages(self.emulator)


@pytest.fixture
def ledger_kind(request: pytest.FixtureRequest) -> str:
    """The kind of ledger: SQLite, unless the module parametrizes it (see the module doc)."""
    kind: str = getattr(request, "param", "sqlite")
    return kind


@pytest.fixture
async def ledger(
    request: pytest.FixtureRequest, tmp_path: Path, ledger_kind: str
) -> AsyncIterator[LedgerStore]:
    """A fresh ledger of ``ledger_kind`` (SQLite in tmp_path, or a new PostgreSQL database)."""
    if ledger_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
        url = server.create_database(f"{module}_{tmp_path.name[-20:].lower()}")
    async with await open_ledger(url) as store:
        yield store


@pytest.fixture
async def harness(
    emulator: RunningEmulator,
    emulator_connection: Connection,
    ledger: LedgerStore,
    sink: WebhookSink,
) -> AsyncIterator[Harness]:
    """Actions on the emulator with LedgerHooks; the clock starts at the emulator's time."""
    transport = CountingTransport()
    async with AsyncClient(emulator_connection, retry=FAST_RETRY, transport=transport) as client:
        yield Harness(
            emulator=emulator,
            ledger=ledger,
            clock=Clock(emulator_now(emulator)),
            sink=sink,
            transport=transport,
            client=client,
            connection=emulator_connection,
        )
