"""uvicorn's httptools protocol with the bounds of :class:`ConnectionLimits` enforced.

uvicorn closes a kept-alive connection ``timeout_keep_alive`` seconds after a response (used
as it is), but it has no bound on a connection that never sends a request, nor on a request
whose headers or body trickle in: those hold their file descriptor forever. This subclass
adds the two timers uvicorn lacks:

- a new connection gets the keep-alive timer at once (uvicorn arms it only after a first
  response), so one that sends nothing is closed like an idle kept-alive one;
- from a request's first byte, its headers and body have ``request_timeout`` seconds to
  arrive; a request that is late is answered ``408 Request Timeout`` and the connection
  closed (or just closed if the application already started its answer);
- beyond ``max_connections`` open connections a request is answered 503, as uvicorn's
  ``limit_concurrency`` would, but with the API's JSON error object instead of plain text.

Written by hand because uvicorn (0.55) offers no header or body read timeout; the parser
callbacks it overrides are uvicorn's own, so the subclass stays small.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from twiliokit.serving.limits import ConnectionLimits

__all__ = [
    "LimitedConfig",
    "LimitedHttpToolsProtocol",
    "headers_too_large_response",
    "over_capacity_response",
    "timeout_response",
]

logger = logging.getLogger("twiliokit.serving")


class LimitedConfig(uvicorn.Config):
    """uvicorn's settings plus ``limits`` (pickled with the config into worker processes)."""

    def __init__(self, *, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(
            http=LimitedHttpToolsProtocol,
            # uvicorn declares these as int, but only hands them to call_later / compares
            # them: fractions of a second work.
            timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
            **options,
        )
        self.limits = limits


def _error_body(
    status: int, error_type: str, message: str, hint: str, *, retryable: bool = True
) -> bytes:
    """The API's JSON error object (see docs/http-api.md), for answers given below the app."""
    error = {
        "type": error_type,
        "message": message,
        "code": None,
        "status": status,
        "retryable": retryable,
        "hint": hint,
        "field": None,
    }
    return json.dumps({"error": error}).encode()


def timeout_response(seconds: float) -> bytes:
    """The raw ``408`` answer: the JSON error object, and ``Connection: close``."""
    return _raw_response(
        "408 Request Timeout",
        _error_body(
            408,
            "request_timeout",
            f"the request did not arrive within {seconds:g} seconds",
            "Send the whole request (headers and body) at once, then retry.",
        ),
    )


def headers_too_large_response(limit: int) -> bytes:
    """The raw ``431`` answer: the JSON error object, and ``Connection: close``."""
    body = _error_body(
        431,
        "headers_too_large",
        f"the request line and headers are over {limit} bytes",
        "Send fewer or shorter headers.",
        retryable=False,
    )
    return _raw_response("431 Request Header Fields Too Large", body)


def _raw_response(status: str, body: bytes, *, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"{extra}"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def over_capacity_response() -> bytes:
    """The raw ``503`` answer beyond ``max_connections``: JSON, ``Retry-After: 1``."""
    body = _error_body(
        503,
        "over_capacity",
        "the server has as many connections open as it accepts",
        "Retry shortly; the operator can raise --max-connections.",
    )
    return _raw_response("503 Service Unavailable", body, extra="retry-after: 1\r\n")


def _answering(raw: bytes) -> ASGIApp:
    """An ASGI app answering every request with ``raw`` (a whole HTTP response)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    status = int(status_line.split()[1])
    headers = [tuple(line.split(b": ", 1)) for line in lines]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


_OVER_CAPACITY_APP = _answering(over_capacity_response())


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """See the module docstring. Needs a :class:`LimitedConfig`."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        limits = getattr(config, "limits", None)
        self._limits = limits if isinstance(limits, ConnectionLimits) else ConnectionLimits()
        self._request_timer: asyncio.TimerHandle | None = None
        self._headers_done = False
        self._header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms this only after a first response; a connection that never sends a
        # request would otherwise stay open forever.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_request_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Checked once per chunk read (at most 256 KiB), so a request's headers never hold
        # much more than the limit in memory, however long the client keeps sending.
        if not self._headers_done and self._header_bytes > self._limits.max_header_bytes:
            self._refuse(headers_too_large_response(self._limits.max_header_bytes))

    def on_url(self, url: bytes) -> None:
        self._header_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._headers_done = False
        self._header_bytes = 0
        self._cancel_request_timer()
        self._request_timer = self.loop.call_later(
            self._limits.request_timeout, self._request_timed_out
        )

    def on_headers_complete(self) -> None:
        self._headers_done = True
        cap = self._limits.max_connections
        refusal: ASGIApp | None = None
        if self._header_bytes > self._limits.max_header_bytes:
            refusal = _answering(headers_too_large_response(self._limits.max_header_bytes))
        elif cap is not None and (len(self.connections) >= cap or len(self.tasks) >= cap):
            # uvicorn's own limit_concurrency answers in plain text; this is the same check,
            # answering with the API's JSON error object instead.
            logger.warning("refused a request: %d connections are open (--max-connections)", cap)
            refusal = _OVER_CAPACITY_APP
        if refusal is None:
            super().on_headers_complete()
            return
        serving, self.app = self.app, refusal
        try:
            super().on_headers_complete()
        finally:
            self.app = serving

    def on_message_complete(self) -> None:
        self._cancel_request_timer()
        super().on_message_complete()

    def _cancel_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_timed_out(self) -> None:
        self._request_timer = None
        self._refuse(timeout_response(self._limits.request_timeout))

    def _refuse(self, answer: bytes) -> None:
        """Answer the request being received with ``answer`` and close the connection (just
        close it if an answer is already under way: two would be read as one)."""
        if self.transport.is_closing():
            return
        current = self.cycle
        if self._headers_done:
            # This request's application is waiting for the body: tell it the client is gone
            # (its answer, if it still sends one, is dropped); ``answer`` is the answer.
            unanswered = current is not None and not current.response_started
            if unanswered:
                current.disconnected = True
                current.message_event.set()
            can_answer = unanswered and not self.pipeline
        else:
            # Half a header: answer only if no earlier request is still being answered, or
            # the answer would be read as that request's.
            can_answer = current is None or current.response_complete
        if can_answer:
            self.transport.write(answer)
        self.transport.close()
