"""Fixtures for the receiver tests: the real receiver app served over HTTP (uvicorn in a thread)
with a SQLite ledger in tmp_path, handlers that remember what they saw, and a factory for
in-process (ASGI) receivers for the request-shaping cases that need a chosen peer address."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from twiliokit.client import AsyncClient
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.ledger import LedgerStore, open_ledger
from twiliokit.serving import serve_in_thread
from twiliokit.webhooks import Handlers, WebhookSettings, create_receiver_app
from twiliokit.webhooks.receiver import PATHS

TOKEN = "12345678901234567890123456789012"


@dataclass
class Seen:
    """Events the handlers were called with, safe to read from the test thread."""

    events: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    def add(self, event: Any) -> None:
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    def of(self, kind: str) -> list[Any]:
        with self.lock:
            return [e for e in self.events if e.kind == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """Block until ``count`` events of ``kind`` arrived (background handlers)."""
        with self.arrived:
            ok = self.arrived.wait_for(
                lambda: len([e for e in self.events if e.kind == kind]) >= count, timeout
            )
        assert ok, f"expected {count} {kind} events, saw {self.of(kind)}"
        return self.of(kind)


def recording_handlers(seen: Seen, reply: Callable[[Any], Any] | None = None) -> Handlers:
    """Handlers that remember every event; the message handler answers ``reply(event)``."""
    handlers = Handlers()

    @handlers.on_message
    def on_message(event: Any) -> Any:
        seen.add(event)
        return reply(event) if reply is not None else None

    handlers.on_status(seen.add)
    handlers.on_opt_out(seen.add)
    handlers.on_verify(seen.add)

    @handlers.on_call
    def on_call(event: Any) -> Any:
        seen.add(event)
        return reply(event) if reply is not None else None

    return handlers


@dataclass
class RunningReceiver:
    base_url: str
    ledger_url: str
    app: Starlette
    seen: Seen

    def url(self, name: str) -> str:
        return self.base_url + PATHS[name]


ServeReceiver = Callable[..., RunningReceiver]


@pytest.fixture
def serve_receiver(tmp_path: Path) -> Iterator[ServeReceiver]:
    """Start receivers over real HTTP with a fresh SQLite ledger; stopped after the test."""
    with contextlib.ExitStack() as stack:
        count = 0

        def start(
            *,
            auth_token: str,
            reply: Callable[[Any], Any] | None = None,
            handlers: Handlers | None = None,
            ledger_url: str | None = None,
            **settings: Any,
        ) -> RunningReceiver:
            nonlocal count
            count += 1
            url = ledger_url or f"sqlite:///{tmp_path / f'ledger-{count}.sqlite3'}"
            seen = Seen()
            chosen = handlers if handlers is not None else recording_handlers(seen, reply)
            app = create_receiver_app(
                WebhookSettings(auth_token=auth_token, **settings), url, chosen
            )
            base = stack.enter_context(serve_in_thread(app))
            return RunningReceiver(base, url, app, seen)

        yield start


@pytest.fixture
async def emulator_client(emulator: RunningEmulator) -> AsyncIterator[AsyncClient]:
    """An AsyncClient to the reset emulator."""
    async with AsyncClient(emulator.connection()) as client:
        yield client


@contextlib.asynccontextmanager
async def reading(ledger_url: str) -> AsyncIterator[LedgerStore]:
    """A second handle on a receiver's ledger, as another process would open it."""
    async with await open_ledger(ledger_url) as ledger:
        yield ledger


@contextlib.asynccontextmanager
async def asgi_receiver(
    app: Starlette, *, peer: str = "127.0.0.1", base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process (lifespan included), reached as if from ``peer``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 41234))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
