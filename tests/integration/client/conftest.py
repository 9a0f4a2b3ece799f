"""Clients wired to the per-test emulator (real HTTP on a loopback port)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from twiliokit.client import AsyncClient, Client
from twiliokit.connections import Connection
from twiliokit.http.policies import RetryPolicy

#: Fast retries: the behaviour under test is whether and how often, not the real delays.
FAST_RETRY = RetryPolicy(initial_delay=0.01, max_delay=0.05)


@pytest.fixture
async def client(emulator_connection: Connection) -> AsyncIterator[AsyncClient]:
    """An AsyncClient on the emulator with fast retries."""
    async with AsyncClient(emulator_connection, retry=FAST_RETRY) as async_client:
        yield async_client


@pytest.fixture
def sync_client(emulator_connection: Connection) -> Iterator[Client]:
    """A blocking Client on the emulator with fast retries."""
    with Client(emulator_connection, retry=FAST_RETRY) as blocking_client:
        yield blocking_client
