"""A real `twiliokit serve --emulator` for the console's browser tests and its screenshots.

:func:`running_console` starts the installed command as a subprocess on port 0 with a SQLite
ledger in a directory of the caller's and the API token in ``TWILIOKIT_API_TOKEN`` (as a user
sets it), reads the service's and the emulator's addresses from the guide it prints, freezes
the emulator's clock (tests move it, so a message reaches ``delivered`` only when they say),
and waits until the demo contact's greeting is in the ledger.

With the clock frozen, the emulator's timestamps (an outbound message's ``date_created``) stay
at the moment it froze while the service stamps inbound messages with the real time; tests
assert statuses and order within one direction, never across the two clocks.

:func:`launch_chromium` starts Debian's Chromium (``scripts/ensure-chromium.sh`` installs it)
through Playwright, headless; Playwright's own browser builds are never used.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from tests.helpers.processes import running
from twiliokit.cli.demo import DEMO_CONTACT, DEMO_GREETING
from twiliokit.emulator import MAGIC_FROM

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

__all__ = [
    "CHROMIUM",
    "DEMO_CONTACT",
    "DEMO_GREETING",
    "TOKEN",
    "ConsoleServer",
    "chromium_missing",
    "launch_chromium",
    "running_console",
]

#: Debian's Chromium; TWILIOKIT_CHROMIUM names another build of it.
CHROMIUM = Path(os.environ.get("TWILIOKIT_CHROMIUM", "/usr/bin/chromium"))
#: The API token the console signs in with (a test value, never a real secret).
TOKEN = "console-browser-tests-token-0123456789"
_SERVICE = re.compile(r"HTTP API:\s+(http://\S+)/v1/actions")
_EMULATOR = re.compile(r"emulator:\s+(http://\S+)")
#: Requests the fixture may make while the demo's greeting is on its way (each one is an
#: answer from the service, not a pause; the greeting lands within a few of them).
_DEMO_ATTEMPTS = 2000


@dataclass(frozen=True)
class ConsoleServer:
    """A running service on the emulator: where it is, its token, and the emulator's controls
    (a handset texting in, the clock) for what happens outside the browser."""

    url: str
    emulator_url: str
    token: str
    ledger_path: Path

    @property
    def number(self) -> str:
        """The emulator's Twilio number the service sends from."""
        return MAGIC_FROM

    def console(self, path: str = "") -> str:
        """The console page at ``path`` (``"inbox"``, ``"handset"``, ...)."""
        return f"{self.url}/console/{path}".rstrip("/")

    def conversation(self, contact: str) -> str:
        """The conversation page of ``contact`` (the number URL-encoded, as the inbox links)."""
        return self.console(f"conversations/{quote(contact, safe='')}")

    def text_in(self, contact: str, body: str) -> dict[str, Any]:
        """``contact`` texts our number from their handset (the emulator delivers the webhook
        to the service before it answers)."""
        return self._emulator(
            "/_emulator/inbound", {"From": contact, "To": MAGIC_FROM, "Body": body}
        )

    def set_clock_rate(self, rate: float) -> None:
        """Virtual seconds per real second from now on (0 freezes the emulator's clock)."""
        self._emulator("/_emulator/clock/rate", {"rate": rate})

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's time on; the status callbacks that fall due are delivered to the
        service before this returns."""
        self._emulator("/_emulator/clock/advance", {"seconds": seconds})

    def handset_fails(self, contact: str, error_code: int) -> None:
        """Messages to ``contact`` end ``undelivered`` with ``error_code`` from now on."""
        self._emulator(
            "/_emulator/handsets",
            {"number": contact, "outcome": "undelivered", "error_code": error_code},
        )

    def send_sms(self, to: str, body: str) -> dict[str, Any]:
        """Send through the service's HTTP API, as an agent would."""
        return self.action("send_sms", {"to": to, "body": body})

    def action(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run action ``name`` through the service's HTTP API (the token as a bearer)."""
        response = httpx.post(
            f"{self.url}/v1/actions/{name}",
            headers={"Authorization": f"Bearer {self.token}"},
            json=arguments,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def conversation_bodies(self, contact: str) -> list[str]:
        """The bodies the ledger holds for ``contact``, read through the HTTP API."""
        response = httpx.get(
            f"{self.url}/v1/conversations/{contact}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        if response.status_code == 404:
            return []
        assert response.status_code == 200, response.text
        return [str(m["body"]) for m in response.json()["messages"]]

    def _emulator(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.emulator_url}{path}", json=body, timeout=30)
        assert response.is_success, response.text
        answer: dict[str, Any] = response.json()
        return answer


@contextlib.contextmanager
def running_console(workdir: Path, *, frozen: bool = True) -> Iterator[ConsoleServer]:
    """`twiliokit serve --emulator --port 0` with its ledger in ``workdir``; stopped after.
    ``frozen``: the emulator's clock stands still until moved (else it runs in real time)."""
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    ledger = workdir / "ledger.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANG": "C.UTF-8",
        "TWILIOKIT_API_TOKEN": TOKEN,
    }
    args = ("serve", "--emulator", "--port", "0", "--db", f"sqlite:///{ledger}")
    with running(*args, env=env, ready="Ctrl-C to stop.", timeout=120) as (_, printed):
        guide = "\n".join(printed.stdout)
        service, emulator = _SERVICE.search(guide), _EMULATOR.search(guide)
        assert service is not None, guide
        assert emulator is not None, guide
        server = ConsoleServer(service.group(1), emulator.group(1), TOKEN, ledger)
        if frozen:
            server.set_clock_rate(0)
        _wait_for_the_demo(server)
        yield server


def _wait_for_the_demo(server: ConsoleServer) -> None:
    """The service wires the emulator and has the demo contact text in once it is ready, in
    the background; ask the ledger until the greeting is there."""
    for _ in range(_DEMO_ATTEMPTS):
        if DEMO_GREETING in server.conversation_bodies(DEMO_CONTACT):
            return
    raise AssertionError(f"the demo greeting never reached the ledger at {server.url}")


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when Chromium is installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"Chromium was not found at {CHROMIUM}; install Debian's 'chromium' package "
        "(scripts/ensure-chromium.sh, run by make test) or set TWILIOKIT_CHROMIUM"
    )


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, driven by Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
