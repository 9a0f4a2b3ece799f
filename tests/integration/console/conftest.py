"""The console's fixtures: the service (webhooks, ledger in SQLite, the console) on a real
loopback socket, wired to the per-test emulator as `twiliokit serve --emulator` wires it, and a
browser-like client (cookies kept, redirects not followed)."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.actions.helpers import FAST_RETRY
from tests.integration.console.html import Element, parse
from twiliokit.cli.demo import DEMO_CONTACT, DEMO_GREETING, EmulatorDemo, wire_and_seed
from twiliokit.emulator.testing import RunningEmulator
from twiliokit.server.console import ConsoleSettings
from twiliokit.server.service import ServiceSettings, create_service_app
from twiliokit.serving import make_server
from twiliokit.webhooks.settings import WebhookSettings

#: The service's API token in these tests (long enough to be accepted; not a real secret).
TOKEN = "console-test-token-0123456789abcdef"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    """A running service with its console, and a browser-like client for it."""

    url: str
    emulator: RunningEmulator
    http: httpx.Client
    ledger_path: Path
    pages: list[httpx.Response] = field(default_factory=list)

    def get(self, path: str, **params: str) -> httpx.Response:
        """GET a console path (``/console/...``)."""
        return self.http.get(path, params=params or None)  # {} would drop path's own query

    def page(self, path: str, **params: str) -> Element:
        """GET a page that must answer 200, parsed."""
        response = self.get(path, **params)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return parse(response.text)

    def csrf(self, path: str = "/console/sign-in") -> str:
        """The CSRF token on the page at ``path`` (what a form there would post)."""
        found = _CSRF.search(self.get(path).text)
        assert found is not None, f"no csrf_token on {path}"
        return found.group(1)

    def post(
        self, path: str, fields: dict[str, str], *, form_page: str | None = None
    ) -> httpx.Response:
        """Submit a form at ``path`` with the CSRF token of ``form_page`` (default: ``path``)."""
        token = self.csrf(form_page or path)
        return self.http.post(path, data={"csrf_token": token, **fields})

    def sign_in(self) -> httpx.Response:
        """Sign in with the API token; the response (303 to the inbox)."""
        response = self.post("/console/sign-in", {"token": TOKEN})
        assert response.status_code == 303, response.text[:500]
        return response

    def text_in(self, contact: str, body: str) -> None:
        """``contact`` texts the Twilio number (the emulator delivers the webhook before it
        answers)."""
        self.emulator.control.advance(1)  # its own second: the inbox order is by time
        self.emulator.control.inbound(From=contact, To=self.emulator.phone_number, Body=body)


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serving(
    emulator: RunningEmulator, ledger_path: Path, **overrides: Any
) -> Iterator[tuple[str, Any]]:
    """The service on a socket bound first (so it knows its own URL for status callbacks,
    as `twiliokit serve` does), in a thread; yields its URL and app."""
    with _bound_socket() as sock:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings: dict[str, Any] = {
            "connection": emulator.connection(),
            "api_token": TOKEN,
            "ledger_url": f"sqlite:///{ledger_path}",
            "retry": FAST_RETRY,
            "webhooks": WebhookSettings(auth_token=emulator.auth_token, public_url=url),
            "console": ConsoleSettings(
                emulator_url=emulator.base_url, twilio_number=emulator.phone_number
            ),
        }
        settings.update(overrides)
        app = create_service_app(ServiceSettings(**settings))
        ready = threading.Event()
        server = make_server(app, log_level="warning", on_ready=lambda _: ready.set())
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not ready.wait(timeout=0.05):
            assert thread.is_alive(), "the service did not start"
        try:
            yield url, app
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@contextlib.contextmanager
def started(emulator: RunningEmulator, ledger: Path, **overrides: Any) -> Iterator[Console]:
    """:func:`serving`, wired to the emulator's number with the demo contact's greeting in
    the ledger (as `twiliokit serve --emulator` starts), and a client not signed in."""
    with (
        serving(emulator, ledger, **overrides) as (url, _),
        httpx.Client(base_url=url, follow_redirects=False, timeout=30) as http,
    ):
        wire_and_seed(EmulatorDemo(base_url=emulator.base_url), url)
        yield Console(url=url, emulator=emulator, http=http, ledger_path=ledger)


@pytest.fixture
def console(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Console]:
    """The service and its console on the emulator (:func:`started`)."""
    with started(emulator, tmp_path / "ledger.sqlite3") as running:
        yield running


@pytest.fixture
def signed_in(console: Console) -> Console:
    """:func:`console`, signed in."""
    console.sign_in()
    return console


__all__ = ["DEMO_CONTACT", "DEMO_GREETING", "TOKEN", "Console", "serving", "started"]
