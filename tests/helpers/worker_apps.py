"""Apps for :func:`twiliokit.serving.serve_workers` tests, and a driver that serves one.

Worker processes rebuild their app from a picklable factory, so the factories live at module
level here. ``serve_workers`` installs the supervisor's signal handlers, so it runs in its own
process: ``python -m tests.helpers.worker_apps APP WORKERS`` prints ``READY <url>`` once every
worker has started, and ``error: ...`` (exit 2) if serving fails.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from tests.helpers.asgi import answer_lifespan
from twiliokit.errors import ConfigurationError

READY = "READY "


async def _pid_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers every request with the id of the process that served it.

    ``GET /hold?FIFO`` first blocks this worker's whole event loop until a byte arrives on the
    named pipe FIFO, so that it accepts nothing else meanwhile: a test that holds one worker
    this way knows every other request goes to another worker. The test sees the hold begin
    when its own blocking open of the pipe for writing returns.
    """
    if scope["type"] == "lifespan":
        await answer_lifespan(receive, send)
        return
    if scope["path"] == "/hold":
        with open(scope["query_string"].decode(), "rb") as pipe:  # noqa: ASYNC230 - on purpose
            pipe.read(1)
    body = str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def pid_app() -> Any:
    """A factory of the app that answers with its process id."""
    return _pid_app


def failing_app() -> Any:
    """A factory that fails the way a worker's setup can (a clear configuration error)."""
    raise ConfigurationError("the ledger is unreachable", field="ledger_url")


def worker_pids(parent: int) -> list[int]:
    """The worker processes ``parent`` spawned (Linux), not multiprocessing's helpers."""
    found = []
    for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue  # already gone
        if b"spawn_main" in command:
            found.append(int(child))
    return found


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a server process as Ctrl-C would (killed if it hangs), and close its pipes."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def main(argv: list[str]) -> int:
    from twiliokit.serving import serve_workers

    factory = {"pid": pid_app, "failing": failing_app}[argv[0]]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        serve_workers(
            factory,
            sock=sock,
            workers=int(argv[1]),
            on_ready=lambda: print(f"{READY}{url}", flush=True),
        )
    except ConfigurationError as exc:
        print(f"error: {exc.message}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
