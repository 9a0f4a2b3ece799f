"""Serving ASGI apps with uvicorn: in the foreground (the CLI), in several worker processes
sharing one socket (:func:`serve_workers`), or in a background thread (test suites, and the
emulator beside the service). Readiness is signalled by uvicorn's own startup, never by
polling."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import pickle
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from twiliokit.errors import ConfigurationError
from twiliokit.serving.limits import ConnectionLimits
from twiliokit.serving.protocol import LimitedConfig

__all__ = ["bound_port", "make_server", "serve_in_thread", "serve_workers"]

logger = logging.getLogger("twiliokit.serving")


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


def _config(app: Any, **options: Any) -> dict[str, Any]:
    """uvicorn's settings for every twiliokit server."""
    return dict(
        app=app,
        log_level=options.pop("log_level", "warning"),
        lifespan="on",
        access_log=False,
        # uvicorn trusts X-Forwarded-* from 127.0.0.1 by default and rewrites scheme and client
        # before the app sees them; the webhook receiver decides which proxies to trust itself.
        proxy_headers=False,
        server_header=False,
        **options,
    )


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
    limits: ConnectionLimits | None = None,
) -> uvicorn.Server:
    """A uvicorn server for ``app`` with twiliokit's settings; ``limits`` bound idle and slow
    connections (default: :class:`ConnectionLimits`'s defaults)."""
    config = LimitedConfig(
        limits=limits or ConnectionLimits(),
        **_config(app, host=host, port=port, log_level=log_level),
    )
    return _Server(config, on_ready)


# --------------------------------------------------------------------------- worker processes


def serve_workers(
    factory: Callable[[], Any],
    *,
    sock: socket.socket,
    workers: int,
    log_level: str = "warning",
    on_ready: Callable[[], None] = lambda: None,
    limits: ConnectionLimits | None = None,
) -> None:
    """Serve the ASGI app ``factory()`` builds in ``workers`` processes accepting on ``sock``,
    until SIGINT/SIGTERM; a worker that dies is replaced.

    One Python process serves at most one core's worth of requests (the GIL), and the webhook
    receiver's event loop and ledger writer share it; processes take a second core. Each
    worker is a fresh interpreter (multiprocessing's *spawn*, as uvicorn does) that builds
    its own app, so ``factory`` must pickle: a module-level function, or a
    :func:`functools.partial` of one with picklable arguments. It travels to the workers
    through a pipe, never through argv or the environment, so it may hold secrets.
    ``on_ready`` runs (in a thread of this process) once every worker has started.

    Raises :class:`~twiliokit.errors.ConfigurationError` if ``factory`` does not pickle or a
    worker fails to start.
    """
    if workers < 1:
        raise ConfigurationError(
            f"workers must be at least 1, not {workers}", field="workers", hint="Use 1 or more."
        )
    try:
        pickle.dumps(factory)
    except Exception as exc:  # pickling raises several types; all mean the same here
        raise ConfigurationError(
            f"the app cannot be sent to worker processes: {type(exc).__name__}: {exc}",
            field="workers",
            hint="Worker processes rebuild the app from picklable parts: define handlers as "
            "module-level functions (no lambdas or closures), or serve with one worker.",
        ) from None
    # Connections wait in the backlog until a worker accepts; none are refused while they
    # start.
    sock.listen(2048)
    ready_in, ready_out = multiprocessing.get_context("spawn").Pipe(duplex=False)
    config = _WorkerConfig(
        factory,
        ready_out,
        limits=limits or ConnectionLimits(),
        **_config(None, log_level=log_level, factory=True),
    )
    config.workers = workers
    started = threading.Event()

    def wait_for_workers() -> None:
        count = 0
        with contextlib.suppress(EOFError, OSError):  # the pipe closes when serving ends
            while count < workers:
                ready_in.recv_bytes()
                count += 1
            started.set()
            on_ready()

    watcher = threading.Thread(target=wait_for_workers, name="twiliokit-workers", daemon=True)
    watcher.start()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        ready_out.close()
        ready_in.close()
        watcher.join(timeout=5)
    if not started.is_set():
        raise ConfigurationError(
            "a worker process failed to start (its error is logged above)",
            field="workers",
            hint="Fix what the worker reported, or try --workers 1 to see it in this process.",
        )


class _WorkerConfig(LimitedConfig):
    """uvicorn's settings for a worker: the app is built in the worker by ``factory``, and the
    worker reports on ``ready`` once its application has started; ``build`` makes the app.

    uvicorn pickles its config into each worker; it loads apps from import strings, which
    cannot carry settings resolved by the parent (a vault's secrets, a profile), so this
    subclass builds the app from a picklable factory instead (``load_app``).
    """

    def __init__(
        self,
        build: Callable[[], Any],
        ready: Connection,
        *,
        limits: ConnectionLimits,
        **options: Any,
    ) -> None:
        super().__init__(limits=limits, **options)
        self._factory = build
        self._ready = ready

    def load_app(self) -> Any:
        return self._build  # uvicorn calls it (factory=True) in the worker

    def _build(self) -> Any:
        try:
            app = self._factory()
        except Exception as exc:
            # One readable line instead of a traceback, and an exit code that tells uvicorn's
            # supervisor not to restart a worker that can never start.
            message = exc.message if isinstance(exc, ConfigurationError) else str(exc)
            logger.error("a worker could not build the app: %s: %s", type(exc).__name__, message)
            sys.exit(STARTUP_FAILURE)
        return _AfterStartup(app, self._started)

    def _started(self) -> None:
        gc.freeze()  # as _Server.startup does, for the same reason
        self._ready.send_bytes(b"1")


class _AfterStartup:
    """Runs ``then`` once the app's lifespan startup has completed."""

    def __init__(self, app: ASGIApp, then: Callable[[], None]) -> None:
        self.app = app
        self.then = then

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                self.then()

        await self.app(scope, receive, sending)


@contextlib.contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, limits: ConnectionLimits | None = None
) -> Iterator[str]:
    """Serve ``app`` in a daemon thread; yields its base URL once it accepts connections."""
    ready = threading.Event()
    server = make_server(app, host=host, port=port, on_ready=lambda _: ready.set(), limits=limits)
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
