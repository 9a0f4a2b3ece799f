"""Sockets for httpx on plain asyncio: the network backend of the async client's own
connections when the event loop is asyncio's.

httpx's async transport reaches sockets through httpcore's anyio backend, which suits every
event loop but costs CPU on each read and write: a cancel scope per operation and a pass
through the event loop before each send. On asyncio that was a fifth of the client's CPU per
message sent; client CPU per send is a measured goal (docs/benchmarks.md). This backend does
the same with asyncio's own streams (``asyncio.open_connection``, ``StreamWriter.start_tls``,
``asyncio.timeout``) and maps failures to httpcore's exceptions exactly as the anyio backend
does, so httpx reports them unchanged. HTTP itself (h11), pooling, keep-alive and TLS
settings stay httpx's and httpcore's.

Other event loops (trio) keep httpcore's own backend: :func:`use_asyncio_streams` only swaps
it in when asyncio (the standard loop or uvloop) runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore

__all__ = ["AsyncioBackend", "AsyncioStream", "use_asyncio_streams"]

#: Delay before racing the next address of a host that resolves to several (RFC 8305), as
#: anyio's ``connect_tcp`` does (on the standard event loop; uvloop has no such option).
_HAPPY_EYEBALLS_DELAY = 0.25


@contextlib.contextmanager
def _mapped(errors: dict[type[BaseException], type[Exception]]) -> Iterator[None]:
    """Re-raise the first matching error as its httpcore counterpart (as httpcore does)."""
    try:
        yield
    except Exception as exc:
        for source, target in errors.items():
            if isinstance(exc, source):
                raise target(exc) from exc
        raise


_READ_ERRORS: dict[type[BaseException], type[Exception]] = {
    TimeoutError: httpcore.ReadTimeout,
    OSError: httpcore.ReadError,
}
_WRITE_ERRORS: dict[type[BaseException], type[Exception]] = {
    TimeoutError: httpcore.WriteTimeout,
    OSError: httpcore.WriteError,
}
_CONNECT_ERRORS: dict[type[BaseException], type[Exception]] = {
    TimeoutError: httpcore.ConnectTimeout,
    OSError: httpcore.ConnectError,  # ssl.SSLError included: certificate failures
}


def _socket_readable(sock: Any) -> bool:
    """Whether a read would return at once (data or end of stream), without reading."""
    try:
        fd = -1 if sock is None else sock.fileno()
    except (OSError, ValueError):
        return True
    if fd < 0:
        return True  # gone: the next read returns b""
    if sys.platform == "win32" or not hasattr(select, "poll"):  # pragma: no cover
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (optionally TLS) connection as asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(
        self,
        max_bytes: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> bytes:
        with _mapped(_READ_ERRORS):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(
        self,
        buffer: bytes,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> None:
        if not buffer:
            return
        with _mapped(_WRITE_ERRORS):
            self._writer.write(buffer)
            # drain() returns at once unless the socket's buffer is full; only then does the
            # write timeout apply.
            async with asyncio.timeout(timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        # Not waiting for the close to finish: a TLS peer that never answers the close
        # notification must not hang the pool.
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        try:
            with _mapped(_CONNECT_ERRORS):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            self._writer.close()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # httpcore asks this of idle connections: readable means the server closed it
            # (or broke protocol), so it must not be reused. asyncio may have read the end
            # of stream already (at_eof), or it may still wait in the socket.
            if self._reader.at_eof() or self._writer.is_closing():
                return True
            return _socket_readable(self._writer.get_extra_info("socket"))
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections (TCP only: lanes never use Unix sockets)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        options: dict[str, Any] = {}
        if isinstance(asyncio.get_running_loop(), asyncio.BaseEventLoop):
            # The standard loop races addresses; others (uvloop) lack the option.
            options["happy_eyeballs_delay"] = _HAPPY_EYEBALLS_DELAY
        if local_address:
            options["local_addr"] = (local_address, 0)
        with _mapped(_CONNECT_ERRORS):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, **options)
            # asyncio turns on TCP_NODELAY itself; these are the caller's extra options.
            sock = writer.get_extra_info("socket")
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _asyncio_running() -> bool:
    import sniffio  # what httpcore itself asks (a declared dependency)

    try:
        return sniffio.current_async_library() == "asyncio"  # uvloop included
    except sniffio.AsyncLibraryNotFoundError:
        return False


def use_asyncio_streams(transport: Any) -> bool:
    """Give ``transport`` (an ``httpx.AsyncHTTPTransport``) this backend if the running
    event loop is asyncio's; whether it did.

    httpx offers no argument for a network backend, so this sets the one its httpcore pool
    holds (``_pool._network_backend``, httpx 0.27-0.28, httpcore 1.x). If a later release
    renames them, nothing breaks: the transport keeps httpcore's backend (a test notices).
    """
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "_network_backend") or not _asyncio_running():
        return False
    pool._network_backend = AsyncioBackend()
    return True
