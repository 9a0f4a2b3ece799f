"""Injected faults and latency: fail chosen requests the way real networks fail.

``respond`` answers with a Twilio error (optionally ``Retry-After``); ``drop_before`` cuts the
connection without processing the request; ``drop_after`` processes it (a message is created)
and then cuts the connection before the answer, the case a client cannot tell apart from a
lost request. Control paths (``/_emulator``, ``/healthz``) are never faulted or delayed.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twiliokit.emulator.errors import ApiError

FaultMode = Literal["respond", "drop_before", "drop_after"]
_CONTROL_PREFIXES = ("/_emulator", "/healthz")


class DroppedConnection(Exception):
    """The emulator cut the connection on purpose (an injected fault)."""


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int | None
    code: int | None
    times: int | None
    delay_ms: float
    retry_after: float | None
    mode: FaultMode
    message: str

    def matches(self, method: str, path: str) -> bool:
        return (self.method in {"*", method}) and self.path.search(path) is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "status": self.status,
            "code": self.code,
            "times": self.times,
            "delay_ms": self.delay_ms,
            "retry_after": self.retry_after,
            "mode": self.mode,
        }


class FaultTable:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, counting one use of it."""
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None


def _default_code(status: int) -> int:
    """Twilio's code for a bare HTTP failure: 20429 too many requests, 20500/20503 server side."""
    if status == 429:
        return 20429
    return 20000 + status if status >= 500 else status


class FaultMiddleware:
    """Applies configured latency and injected faults to REST API requests."""

    def __init__(self, app: ASGIApp, table: FaultTable, latency_ms: float = 0.0) -> None:
        self.app = app
        self.table = table
        self.latency = latency_ms / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_CONTROL_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self.table.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.mode == "respond":
            if fault.status is None:  # delay only
                await self.app(scope, receive, send)
                return
            error = ApiError(
                fault.status,
                fault.code or fault.status,
                fault.message,
                retry_after=fault.retry_after,
            )
            await error.response()(scope, receive, send)
            return
        if fault.mode == "drop_after":

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
        # Start a response that promises a body and never send it: the server closes the
        # connection and the client sees it cut mid-answer.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
        )
        raise DroppedConnection(f"fault injected: {fault.mode} {scope['method']} {scope['path']}")
