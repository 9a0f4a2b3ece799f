"""The only place that does network I/O (with :mod:`twiliokit.http.asyncio_backend`, its
sockets on asyncio): the clients' connections, and the two loops that drive
:func:`twiliokit.http.exchange.exchange` (one async, one sync).

Everything a request means (URL, encoding, retries, errors) is decided elsewhere, without
I/O; this module sends, sleeps and closes. A caller's own httpx transport is used as given;
otherwise requests share up to ``max_connections`` connections (see :class:`_Lanes`).
"""

from __future__ import annotations

import base64
import functools
import ssl
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from twiliokit.http.exchange import Exchange, Send, Step, advance
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

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "TRANSPORT_ERRORS",
    "AsyncTransport",
    "SyncTransport",
    "pool_limits",
    "preload_async",
]

#: Exceptions that mean "the network failed" (classified by ``failure_kind``). Anything else
#: is a bug or a cancellation and propagates untouched.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx.DecodingError)

#: Connections each client opens at most, unless told otherwise. Twilio limits concurrent
#: requests per account (error 20429), so more than this rarely helps.
DEFAULT_MAX_CONNECTIONS = 100
#: Idle connections kept open for reuse by the default pool.
_DEFAULT_KEEPALIVE = 20
#: How long an idle connection is kept for reuse: shorter than the idle timeout of the servers
#: we talk to (twiliokit's own and the emulator's close one after 5 s, as uvicorn does), so a
#: request never goes out on a connection the server is closing at that moment: on a create,
#: that reset would be an unknown outcome (seen in the outbox benchmarks before this was 30 s).
_KEEPALIVE_EXPIRY = 4.0

#: Sent with every request, before the client's own headers (``User-Agent``, ``Accept``).
_BASE_HEADERS = {"Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


def pool_limits(max_connections: int | None) -> httpx.Limits:
    """The connection pool for ``max_connections`` (``None``: :data:`DEFAULT_MAX_CONNECTIONS`).

    A chosen limit also keeps that many connections open while idle: whoever sets it means
    to run that many requests at once, and reopening a connection costs more than keeping it.
    """
    if max_connections is None:
        return httpx.Limits(
            max_connections=DEFAULT_MAX_CONNECTIONS,
            max_keepalive_connections=_DEFAULT_KEEPALIVE,
            keepalive_expiry=_KEEPALIVE_EXPIRY,
        )
    return httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=_KEEPALIVE_EXPIRY,
    )


@functools.cache
def _ssl_context() -> Any:
    # One verifying TLS context (certifi's CA bundle) shared by every client in the process:
    # building one parses the whole bundle, tens of milliseconds per client otherwise.
    # SSLContext is safe to share between threads and event loops.
    return httpx.create_ssl_context(trust_env=False)


def _one_connection_limits(keepalive_expiry: float) -> httpx.Limits:
    return httpx.Limits(
        max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive_expiry
    )


def _pool_timeout_error(seconds: float | None) -> httpx.PoolTimeout:
    return httpx.PoolTimeout(
        f"no connection came free within {seconds} s (timeout.pool): more requests are in "
        "flight than max_connections allows"
    )


class _Lanes:
    """Connections for requests to share: up to ``limits.max_connections`` httpx transports
    of one connection each (a lane), each request on a free lane.

    httpx's own pool (httpcore's) rescans every connection it holds, and counts its idle ones
    for each of them, each time a request starts or ends: work that grows with the square
    of the pool's size. At 50 connections that was 5 ms of CPU per request, which capped a
    client at a fifth of the throughput its connections allow. A lane's pool holds one
    connection, so its bookkeeping stays constant, and handing out lanes is a list pop.
    Everything else (keep-alive, expiry, TLS, connection errors) is still httpx's, per lane.

    Lanes for ``https`` URLs verify certificates against certifi's CA bundle; lanes for plain
    ``http`` (the emulator) never load it, which saves a cold start the tens of milliseconds
    parsing it takes (they get a TLS context that trusts nothing, never used).
    """

    def __init__(self, limits: httpx.Limits, make: Callable[[httpx.Limits, bool], Any]) -> None:
        self.size = limits.max_connections or DEFAULT_MAX_CONNECTIONS
        self._keep = min(limits.max_keepalive_connections or self.size, self.size)
        self._lane_limits = _one_connection_limits(limits.keepalive_expiry or _KEEPALIVE_EXPIRY)
        self._make = make
        # Idle lanes by "is https", most recently used last: its connection is warm.
        self._idle: dict[bool, list[Any]] = {True: [], False: []}
        self._every: list[Any] = []

    def take(self, secure: bool) -> Any:
        """An idle lane for ``https`` (``secure``) or ``http``, or a new one (the caller holds
        one of ``size`` permits)."""
        idle = self._idle[secure]
        if idle:
            return idle.pop()
        lane = self._make(self._lane_limits, secure)
        self._every.append(lane)
        return lane

    def give_back(self, lane: Any, secure: bool) -> Any | None:
        """Return ``lane``; answers it again if it should be closed (too many idle)."""
        if len(self._idle[True]) + len(self._idle[False]) < self._keep:
            self._idle[secure].append(lane)
            return None
        self._every.remove(lane)
        return lane

    def drain(self) -> list[Any]:
        """Every lane, to close; the lanes are forgotten."""
        lanes, self._every, self._idle = self._every, [], {True: [], False: []}
        return lanes


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    # What plain-http lanes are given as their TLS context: one that trusts no certificate
    # (no CA loaded, verification required), so a lane meant for http can never carry an
    # unverified TLS connection. Requests are routed by scheme, so none ever tries.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _transport_options(limits: httpx.Limits, secure: bool) -> dict[str, Any]:
    return {
        "verify": _ssl_context() if secure else _plain_http_context(),
        "limits": limits,
        # Proxies and CA bundles come from the transport the caller passes, never from
        # environment variables read behind the caller's back.
        "trust_env": False,
    }


@functools.lru_cache(maxsize=1024)
def _parsed_url(url: str) -> httpx.URL:
    # Parsing a URL is a good part of httpx's CPU per request, and a client sends to few
    # distinct URLs (every send goes to the same .../Messages.json). httpx.URL is immutable.
    return httpx.URL(url)


def _basic_auth(username: str, password: str) -> str:
    # HTTP Basic (RFC 7617) exactly as httpx.BasicAuth builds it, but once per client.
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class _RequestBuilder:
    """The ``httpx.Request`` for a :class:`PreparedRequest`: default headers, Basic auth and
    the timeout. Shared by both transports.

    Both hand requests straight to an httpx transport instead of going through an
    ``httpx.Client``: its per-request machinery (auth and redirect generators, the cookie jar,
    URL merging) costs about a fifth of a send's CPU and does nothing here: Basic auth is one
    header computed once, redirects are never followed and Twilio's API sets no cookies. What
    remains is what the client did: the same headers, timeouts, pool, proxies (in the
    transport) and errors. Client CPU per send is a measured goal (docs/benchmarks.md).
    """

    def __init__(self, auth: tuple[str, str], headers: dict[str, str]) -> None:
        self._headers = {**_BASE_HEADERS, **headers, "Authorization": _basic_auth(*auth)}

    def build(self, request: PreparedRequest) -> httpx.Request:
        arguments = httpx_arguments(request)
        own = arguments.pop("headers", None)
        return httpx.Request(
            arguments.pop("method"),
            _parsed_url(arguments.pop("url")),
            headers={**self._headers, **own} if own else self._headers,
            extensions={"timeout": request.timeout.as_dict()},
            **arguments,
        )


def _async_lane(limits: httpx.Limits, secure: bool) -> httpx.AsyncHTTPTransport:
    # Imported here, in the event loop at the first request: it loads asyncio and httpcore,
    # which the sync client and a cold import of the client never need.
    from twiliokit.http.asyncio_backend import use_asyncio_streams

    lane = httpx.AsyncHTTPTransport(**_transport_options(limits, secure))
    use_asyncio_streams(lane)  # on asyncio, sockets without anyio's per-call overhead
    return lane


async def preload_async() -> None:
    """Load now what the first async request would load (httpcore, the asyncio sockets,
    anyio's asyncio backend), without any I/O: 50 ms on this machine, which would otherwise
    stall a long-running sender's event loop just as its first paced requests are due
    (``twiliokit worker``)."""
    import anyio.lowlevel

    from twiliokit.http.asyncio_backend import use_asyncio_streams  # noqa: F401 (httpcore)

    await anyio.lowlevel.checkpoint()  # anyio imports its event loop's backend at first use


#: The httpx transport type a caller may pass (async or sync).
_CallerTransport = TypeVar("_CallerTransport")


class _Pool(Generic[_CallerTransport]):
    """What both transports hold: the request builder, the caller's own httpx transport (used
    as given) or else the lanes, and whether they are closed."""

    def __init__(
        self,
        *,
        auth: tuple[str, str],
        headers: dict[str, str],
        transport: _CallerTransport | None = None,
        max_connections: int | None = None,
    ) -> None:
        self._requests = _RequestBuilder(auth, headers)
        self._transport = transport
        self._lanes = _Lanes(pool_limits(max_connections), self._new_lane)
        self._closed = False
        self._set_up()

    @staticmethod
    def _new_lane(limits: httpx.Limits, secure: bool) -> Any:
        """A lane (an httpx transport of one connection) for ``https`` (``secure``) or ``http``."""
        raise NotImplementedError

    def _set_up(self) -> None:
        """What the transport adds once its pool size is known (its permits)."""
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        return self._closed


class AsyncTransport(_Pool[httpx.AsyncBaseTransport]):
    """A pooled async httpx transport and the async driver of an exchange."""

    _new_lane = staticmethod(_async_lane)

    def _set_up(self) -> None:
        self._permits: Any = None  # an anyio.Semaphore, made in the event loop on first use

    async def _exchange(
        self, transport: httpx.AsyncBaseTransport, built: httpx.Request
    ) -> httpx.Response:
        response = await transport.handle_async_request(built)
        response.request = built
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def send(self, request: PreparedRequest) -> httpx.Response:
        built = self._requests.build(request)
        if self._transport is not None:
            return await self._exchange(self._transport, built)
        import anyio

        if self._permits is None:
            self._permits = anyio.Semaphore(
                self._lanes.size, max_value=self._lanes.size, fast_acquire=True
            )
        try:
            self._permits.acquire_nowait()
        except anyio.WouldBlock:
            wait = request.timeout.pool
            try:
                with anyio.fail_after(wait):
                    await self._permits.acquire()
            except TimeoutError as exc:
                raise _pool_timeout_error(wait) from exc
        secure = request.url.startswith("https:")
        try:
            lane = self._lanes.take(secure)
        except BaseException:
            self._permits.release()
            raise
        try:
            return await self._exchange(lane, built)
        finally:
            surplus = self._lanes.give_back(lane, secure)
            self._permits.release()
            if surplus is not None:
                await surplus.aclose()

    async def _perform(self, step: Step) -> Reply | BaseException | None:
        """Do one step: the response (or the network error) of a send, ``None`` after a sleep."""
        if isinstance(step, Send):
            try:
                return await self.send(step.request)
            except TRANSPORT_ERRORS as exc:
                return exc
        import anyio  # only needed when retrying; works on asyncio and trio

        await anyio.sleep(step.seconds)
        return None

    async def run(self, steps: Exchange) -> Reply:
        """Drive ``steps`` to its end: send, sleep, repeat."""
        try:
            step = advance(steps, None)
            while isinstance(step, Step):
                step = advance(steps, await self._perform(step))
            return step
        finally:
            steps.close()

    async def aclose(self) -> None:
        """Close the pool (and a transport the caller passed, as ``httpx.AsyncClient`` does)."""
        if not self._closed:
            self._closed = True
            for lane in self._lanes.drain():
                await lane.aclose()
            if self._transport is not None:
                await self._transport.aclose()


def _sync_lane(limits: httpx.Limits, secure: bool) -> httpx.HTTPTransport:
    return httpx.HTTPTransport(**_transport_options(limits, secure))


class SyncTransport(_Pool[httpx.BaseTransport]):
    """A pooled httpx transport and the blocking driver of an exchange."""

    _new_lane = staticmethod(_sync_lane)

    def _set_up(self) -> None:
        self._permits = threading.BoundedSemaphore(self._lanes.size)
        self._lock = threading.Lock()

    def _exchange(self, transport: httpx.BaseTransport, built: httpx.Request) -> httpx.Response:
        response = transport.handle_request(built)
        response.request = built
        try:
            response.read()
        finally:
            response.close()
        return response

    def send(self, request: PreparedRequest) -> httpx.Response:
        built = self._requests.build(request)
        if self._transport is not None:
            return self._exchange(self._transport, built)
        wait = request.timeout.pool
        if not self._permits.acquire(timeout=wait):
            raise _pool_timeout_error(wait)
        secure = request.url.startswith("https:")
        try:
            with self._lock:
                lane = self._lanes.take(secure)
        except BaseException:
            self._permits.release()
            raise
        try:
            return self._exchange(lane, built)
        finally:
            with self._lock:
                surplus = self._lanes.give_back(lane, secure)
            self._permits.release()
            if surplus is not None:
                surplus.close()

    def _perform(self, step: Step) -> Reply | BaseException | None:
        """Do one step: the response (or the network error) of a send, ``None`` after a sleep."""
        if isinstance(step, Send):
            try:
                return self.send(step.request)
            except TRANSPORT_ERRORS as exc:
                return exc
        time.sleep(step.seconds)
        return None

    def run(self, steps: Exchange) -> Reply:
        """Drive ``steps`` to its end: send, sleep, repeat."""
        try:
            step = advance(steps, None)
            while isinstance(step, Step):
                step = advance(steps, self._perform(step))
            return step
        finally:
            steps.close()

    def close(self) -> None:
        """Close the pool (and a transport the caller passed, as ``httpx.Client`` does)."""
        if not self._closed:
            self._closed = True
            with self._lock:
                lanes = self._lanes.drain()
            for lane in lanes:
                lane.close()
            if self._transport is not None:
                self._transport.close()
