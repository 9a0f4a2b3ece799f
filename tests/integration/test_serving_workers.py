"""`serve_workers`: one listening socket served by several worker processes, which start,
share the load, stop together, and fail to start with the worker's own error."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers.worker_apps import READY, running, stop, worker_pids
from twiliokit.errors import ConfigurationError
from twiliokit.serving import serve_workers

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@contextlib.contextmanager
def driver(app: str, workers: int) -> Iterator[subprocess.Popen[str]]:
    """`python -m tests.helpers.worker_apps APP WORKERS`, stopped with SIGINT afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.worker_apps", app, str(workers)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        stop(process)


def test_workers_share_the_socket_and_stop_together(tmp_path: Path) -> None:
    """Two workers start before READY, both answer requests on the one address, and SIGINT
    stops the parent and every worker cleanly."""
    fifo = tmp_path / "hold"
    os.mkfifo(fifo)
    with driver("pid", 2) as process, ThreadPoolExecutor(1) as pool:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(READY), line
        url = line[len(READY) :].strip()
        workers = set(worker_pids(process.pid))
        assert len(workers) == 2
        held = pool.submit(httpx.get, f"{url}/hold?{fifo}", timeout=30)
        with open(fifo, "wb") as pipe:  # returns once a worker is inside /hold, blocked
            other = int(httpx.get(url, timeout=10).text)  # so the other worker answers
            pipe.write(b"x")
        holder = int(held.result(timeout=30).text)
        assert {holder, other} == workers
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert not any(running(pid) for pid in workers)


def test_a_worker_that_cannot_start_stops_the_server_with_its_reason() -> None:
    """A worker whose app cannot be built is not restarted forever: serving ends, exit 2,
    with the worker's own one-line reason and no traceback."""
    with driver("failing", 2) as process:
        assert process.wait(timeout=60) == 2
        assert process.stderr is not None
        err = process.stderr.read()
    assert "the ledger is unreachable" in err
    assert "a worker process failed to start" in err
    assert "Traceback" not in err


def test_an_app_factory_that_cannot_reach_workers_is_refused_before_serving() -> None:
    """A factory that does not pickle (a lambda) is refused with the fix, before any worker
    starts; so is a worker count below one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(ConfigurationError) as refused:
            serve_workers(lambda: None, sock=sock, workers=2)
        assert refused.value.field == "workers"
        assert "module-level functions" in (refused.value.hint or "")
        with pytest.raises(ConfigurationError) as too_few:
            serve_workers(os.getpid, sock=sock, workers=0)
        assert too_few.value.field == "workers"
