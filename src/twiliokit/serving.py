"""Serving ASGI apps with uvicorn: in the foreground (the CLI) or in a background thread
(test suites, and the emulator beside the service). Readiness is signalled by uvicorn's own
startup, never by polling."""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn


class _DroppedConnectionFilter(logging.Filter):
    """Injected dropped connections are on purpose: keep their tracebacks out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "DroppedConnection"


logging.getLogger("uvicorn.error").addFilter(_DroppedConnectionFilter())


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[_Server], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Everything loaded so far (modules, schemas, the catalogue) lives as long as the
        # server: move it out of the collector's reach. Full collections then scan only what
        # requests create; measured on the receiver, each one stalled the event loop for
        # ~55 ms before and ~5-9 ms after (benchmarks/webhooks_throughput.py).
        gc.freeze()
        self._on_ready(self)


def bound_port(server: uvicorn.Server) -> int:
    """The port the server actually bound (useful with port 0)."""
    for srv in server.servers:
        for sock in srv.sockets:
            return int(sock.getsockname()[1])
    raise RuntimeError("server has no listening socket")


def make_server(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    on_ready: Callable[[uvicorn.Server], None] = lambda _: None,
) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        access_log=False,
        # uvicorn trusts X-Forwarded-* from 127.0.0.1 by default and rewrites scheme and client
        # before the app sees them; the webhook receiver decides which proxies to trust itself.
        proxy_headers=False,
        server_header=False,
    )
    return _Server(config, on_ready)


@contextlib.contextmanager
def serve_in_thread(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a daemon thread; yields its base URL once it accepts connections."""
    ready = threading.Event()
    server = make_server(app, host=host, port=port, on_ready=lambda _: ready.set())
    thread = threading.Thread(target=server.run, name="twiliokit-server", daemon=True)
    thread.start()
    while not ready.wait(timeout=0.05):
        if not thread.is_alive():
            raise RuntimeError("the server failed to start (is the port in use?)")
    try:
        yield f"http://{host}:{bound_port(server)}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
