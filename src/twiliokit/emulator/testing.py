"""Run the emulator for a test suite: real HTTP on a free loopback port, in a thread.

::

    with run_emulator() as emu:
        client = Client(emu.connection())
        emu.control.advance(5)
        assert emu.control.webhooks()[0]["status"] == 200
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette

from twiliokit.connections import Connection
from twiliokit.emulator.app import create_app
from twiliokit.emulator.config import MAGIC_FROM, EmulatorConfig
from twiliokit.emulator.state import EmulatorState
from twiliokit.serving import serve_in_thread


class EmulatorControl:
    """The control API over HTTP (``/_emulator/...``)."""

    def __init__(self, base_url: str) -> None:
        # A connection per call: control calls are few and far between, and a kept-alive one
        # can be closed by the server's idle timeout just as the next call reuses it (a reset
        # that a test would see as a failure of its setup).
        self._http = httpx.Client(
            base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self._http.request(method, path, json=json)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def advance(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "POST", "/_emulator/clock/advance", {"seconds": seconds}
        )
        return result

    def reset(self) -> None:
        """Back to a fresh emulator, its clock included (the time and rate it started with)."""
        self._call("POST", "/_emulator/reset")

    def now(self) -> datetime:
        """The emulator's virtual time."""
        return datetime.fromisoformat(self._call("GET", "/_emulator/clock")["now"])

    def set_time(self, now: datetime | str) -> datetime:
        """Set the virtual time (aware datetime or ISO 8601 with a zone); returns it."""
        text = now if isinstance(now, str) else now.isoformat()
        return datetime.fromisoformat(self._call("POST", "/_emulator/clock", {"now": text})["now"])

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/_emulator/faults", fault)
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def webhooks(self, kind: str | None = None) -> list[dict[str, Any]]:
        path = "/_emulator/webhooks" + (f"?kind={kind}" if kind else "")
        result: list[dict[str, Any]] = self._call("GET", path)["webhooks"]
        return result

    def inbound(self, **message: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/_emulator/inbound", message)
        return result

    def verifications(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/_emulator/verifications")[
            "verifications"
        ]
        return result

    def create_api_key(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/_emulator/api-keys", {})
        return result

    def set_throughput(
        self, mps: float, *, sender: str | None = None, kind: str | None = None
    ) -> dict[str, Any]:
        """Segments per second for one ``sender`` or every sender of a ``kind`` (``long_code``,
        ``toll_free``, ``short_code``, ``alphanumeric``, ``international``, ``whatsapp``)."""
        body = {"sender": sender} if sender is not None else {"kind": kind}
        result: dict[str, Any] = self._call("POST", "/_emulator/throughput", {**body, "mps": mps})
        return result

    def request(self, method: str, path: str, json: Any = None) -> Any:
        """Any other control call."""
        return self._call(method, path, json)

    def close(self) -> None:
        self._http.close()


@dataclass
class RunningEmulator:
    base_url: str
    app: Starlette
    control: EmulatorControl

    @property
    def state(self) -> EmulatorState:
        """The live state (owned by the server's thread: read it, drive it via ``control``)."""
        state: EmulatorState = self.app.state.emulator
        return state

    @property
    def account_sid(self) -> str:
        return self.state.config.account_sid

    @property
    def auth_token(self) -> str:
        return self.state.config.auth_token

    @property
    def phone_number(self) -> str:
        return MAGIC_FROM

    def connection(self, **overrides: Any) -> Connection:
        """A Connection to this emulator with the development credentials."""
        fields: dict[str, Any] = {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "default_from": self.phone_number,
            "base_url": self.base_url,
        }
        fields.update(overrides)
        return Connection(**fields)


@contextlib.contextmanager
def run_emulator(config: EmulatorConfig | None = None) -> Iterator[RunningEmulator]:
    """Start the emulator on a free loopback port; stop it on exit."""
    app = create_app(config or EmulatorConfig())
    with serve_in_thread(app) as base_url:
        control = EmulatorControl(base_url)
        try:
            yield RunningEmulator(base_url=base_url, app=app, control=control)
        finally:
            control.close()
