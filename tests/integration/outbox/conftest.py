"""Fixtures for the outbox worker tests: a SQLite ledger in tmp_path, a client on the emulator,
items as the send pipeline records them, and workers built as `twiliokit worker` builds one."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from twiliokit.client import AsyncClient
from twiliokit.compliance import ComplianceSettings
from twiliokit.emulator import MAGIC_FROM
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import open_ledger
from twiliokit.ledger.outbox_records import NewOutboxItem, OutboxKind, OutboxState
from twiliokit.outbox.running import build_worker, worker_client
from twiliokit.outbox.settings import OutboxSettings
from twiliokit.outbox.worker import OutboxWorker

#: Fast enough that pacing never slows a test down, unless a test sets its own rate.
FAST = 1000.0


def message_item(
    to: str,
    body: str,
    *,
    at: datetime,
    sender: str = MAGIC_FROM,
    batch_id: str | None = None,
    not_before: datetime | None = None,
) -> NewOutboxItem:
    """A queued message item, as the send pipeline records one."""
    return NewOutboxItem(
        id="OB" + uuid.uuid4().hex,
        kind=OutboxKind.MESSAGE,
        action="send_sms",
        sender=sender,
        to=to,
        request={"to": to, "from_": sender, "body": body},
        created_at=at,
        not_before=not_before or at,
        batch_id=batch_id,
    )


async def assert_one_sent_rest_given_back(ledger: Any, items: list[NewOutboxItem]) -> None:
    """What a worker stopped with one request out leaves: that item sent, every other one
    back in the queue and held by nobody (never unknown: it never left)."""
    stored = [await ledger.get_item(item.id) for item in items]
    states = sorted(item.state for item in stored)
    assert states == sorted([OutboxState.SENT, *[OutboxState.QUEUED] * (len(items) - 1)])
    assert all(item.lease_owner is None for item in stored if item.state == OutboxState.QUEUED)


def worker_env(emulator: RunningEmulator, tmp_path: Path, *, base_url: str) -> dict[str, str]:
    """The environment a `twiliokit worker` subprocess runs with: the emulator's credentials,
    Twilio at ``base_url``, config and data directories of the test's own."""
    return {
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TWILIO_ACCOUNT_SID": emulator.account_sid,
        "TWILIO_AUTH_TOKEN": emulator.auth_token,
        "TWILIOKIT_BASE_URL": base_url,
    }


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    """A SQLite ledger file of this test's own."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
async def ledger(ledger_url: str) -> AsyncIterator[Any]:
    """The open ledger (a LedgerStore and an OutboxStore)."""
    store = await open_ledger(ledger_url)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[AsyncClient]:
    """An AsyncClient on the reset emulator, with the worker's retry policy."""
    async with worker_client(emulator.connection()) as opened:
        yield opened


WorkerFactory = Callable[..., contextlib.AbstractAsyncContextManager[OutboxWorker]]


@pytest.fixture
def make_worker(ledger: Any, client: AsyncClient) -> WorkerFactory:
    """Workers on the test's ledger and emulator; options as ``build_worker`` takes them
    (``rates`` and ``compliance`` are the common ones)."""

    def make(
        *,
        rates: dict[str, float] | None = None,
        compliance: ComplianceSettings | None = None,
        now: Callable[[], datetime] | None = None,
        **settings: Any,
    ) -> contextlib.AbstractAsyncContextManager[OutboxWorker]:
        chosen = OutboxSettings(rates=rates or {MAGIC_FROM: FAST}, **settings)
        return build_worker(
            ledger,
            client,
            settings=chosen,
            compliance=compliance,
            now=now or (lambda: datetime.now(UTC)),
        )

    return make
