"""The only place that does network I/O: pooled httpx clients, and the two loops that drive
:func:`twiliokit.http.exchange.exchange` (one async, one sync).

Everything a request means (URL, encoding, retries, errors) is decided elsewhere, without
I/O; this module sends, sleeps and closes.
"""

from __future__ import annotations

import functools
import sys
import time
from typing import TYPE_CHECKING, Any

from twiliokit.http.exchange import Exchange, Send
from twiliokit.http.request import PreparedRequest, httpx_arguments

if TYPE_CHECKING:
    from twiliokit.http.errors import Reply


def _import_httpx() -> Any:
    # httpx's package __init__ imports its optional command-line client (``httpx._main``),
    # which pulls in click, rich and pygments when they are installed (they are: typer needs
    # them), about 40% of httpx's import time. Marking the module absent makes httpx
    # fall back to its stub ``main``; the mark is removed straight away, so a later explicit
    # ``import httpx._main`` still works. The ``httpx`` console script runs in its own process
    # and is unaffected. Cold start matters: the CLI and MCP server import this per command.
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
        try:
            import httpx
        finally:
            if sys.modules.get("httpx._main", False) is None:
                del sys.modules["httpx._main"]
        return httpx
    import httpx

    return httpx


if TYPE_CHECKING:
    import httpx
else:
    httpx = _import_httpx()

__all__ = ["TRANSPORT_ERRORS", "AsyncTransport", "SyncTransport"]

#: Exceptions that mean "the network failed" (classified by ``failure_kind``). Anything else
#: is a bug or a cancellation and propagates untouched.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx.DecodingError)

#: Connections kept per client. Twilio limits concurrent requests per account (error 20429),
#: so more than this rarely helps.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


def _timeout(request: PreparedRequest) -> httpx.Timeout:
    return httpx.Timeout(**request.timeout.as_dict())


@functools.cache
def _ssl_context() -> Any:
    # One verifying TLS context (certifi's CA bundle) shared by every client in the process:
    # building one parses the whole bundle, tens of milliseconds per client otherwise.
    # SSLContext is safe to share between threads and event loops.
    return httpx.create_ssl_context(trust_env=False)


def _client_options(
    auth: tuple[str, str], headers: dict[str, str], *, own_transport: bool
) -> dict[str, Any]:
    options: dict[str, Any] = {} if own_transport else {"verify": _ssl_context()}
    return options | {
        "auth": httpx.BasicAuth(*auth),
        "headers": headers,
        "limits": _LIMITS,
        "follow_redirects": False,
        # Proxies and CA bundles come from the transport the caller passes, never from
        # environment variables read behind the caller's back.
        "trust_env": False,
    }


class AsyncTransport:
    """A pooled ``httpx.AsyncClient`` and the async driver of an exchange."""

    def __init__(
        self,
        *,
        auth: tuple[str, str],
        headers: dict[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            transport=transport,
            **_client_options(auth, headers, own_transport=transport is not None),
        )

    async def send(self, request: PreparedRequest) -> httpx.Response:
        built = self._client.build_request(**httpx_arguments(request), timeout=_timeout(request))
        return await self._client.send(built)

    async def run(self, steps: Exchange) -> Reply:
        """Drive ``steps`` to its end: send, sleep, repeat."""
        try:
            step = next(steps)
            while True:
                answer: Reply | BaseException | None
                if isinstance(step, Send):
                    try:
                        answer = await self.send(step.request)
                    except TRANSPORT_ERRORS as exc:
                        answer = exc
                else:
                    import anyio  # only needed when retrying; works on asyncio and trio

                    await anyio.sleep(step.seconds)
                    answer = None
                try:
                    step = steps.send(answer)
                except StopIteration as done:
                    result: Reply = done.value
                    return result
        finally:
            steps.close()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        return bool(self._client.is_closed)


class SyncTransport:
    """A pooled ``httpx.Client`` and the blocking driver of an exchange."""

    def __init__(
        self,
        *,
        auth: tuple[str, str],
        headers: dict[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            transport=transport,
            **_client_options(auth, headers, own_transport=transport is not None),
        )

    def send(self, request: PreparedRequest) -> httpx.Response:
        built = self._client.build_request(**httpx_arguments(request), timeout=_timeout(request))
        return self._client.send(built)

    def run(self, steps: Exchange) -> Reply:
        """Drive ``steps`` to its end: send, sleep, repeat."""
        try:
            step = next(steps)
            while True:
                answer: Reply | BaseException | None
                if isinstance(step, Send):
                    try:
                        answer = self.send(step.request)
                    except TRANSPORT_ERRORS as exc:
                        answer = exc
                else:
                    time.sleep(step.seconds)
                    answer = None
                try:
                    step = steps.send(answer)
                except StopIteration as done:
                    result: Reply = done.value
                    return result
        finally:
            steps.close()

    def close(self) -> None:
        self._client.close()

    @property
    def closed(self) -> bool:
        return bool(self._client.is_closed)
