"""The emulator as a separate process for benchmarks (its CPU is never the client's), and
Twilio's official SDK pointed at it.

``running_emulator()`` starts ``twiliokit emulator --port 0`` (a free port, never a fixed one),
waits for the line ``base URL:  http://127.0.0.1:PORT`` it prints once uvicorn listens, and
stops the process when the ``with`` block ends. Startup is bounded by ``start_timeout``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "FROM_NUMBER",
    "Emulator",
    "running_emulator",
    "sdk_async_client",
    "sdk_async_http_client",
    "sdk_client",
]

#: The emulator's documented development credentials and one number it owns.
ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "00000000000000000000000000000000"
FROM_NUMBER = "+14155550100"

_READY = re.compile(r"base URL:\s+(http://\S+)")


@dataclass(frozen=True)
class Emulator:
    """A running emulator process."""

    base_url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU the process has used so far (``None`` without ``/proc``)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _command(latency_ms: float, time_rate: float) -> list[str]:
    cli = Path(sys.executable).with_name("twiliokit")
    # The console script, or the same entry point through this interpreter.
    prefix = (
        [str(cli)]
        if cli.exists()
        else [sys.executable, "-c", "from twiliokit.cli import main; main()"]
    )
    return [
        *prefix,
        "emulator",
        "--port",
        "0",
        "--latency-ms",
        str(latency_ms),
        "--time-rate",
        str(time_rate),
    ]


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    # A thread reads what the emulator prints (a select() loop would miss lines already in
    # the text buffer) and keeps reading after start-up so a full pipe never blocks it.
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for_base_url(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break  # the process closed stdout: it exited
        seen.append(line)
        if found := _READY.search(line):
            return found.group(1)
    output = "".join(seen[-5:]).strip() or "(nothing)"
    raise RuntimeError(
        f"the emulator did not print its base URL (exit code {process.poll()}); it said: {output}"
    )


@contextlib.contextmanager
def running_emulator(
    *, latency_ms: float = 0.0, time_rate: float = 0.0, start_timeout: float = 30.0
) -> Iterator[Emulator]:
    """Serve the emulator in a subprocess for the ``with`` block.

    ``time_rate=0`` freezes its clock, so no status callbacks or message lifecycle work
    compete with the requests being measured.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in [n for n in env if n.startswith(("TWILIO_", "TWILIOKIT_"))]:
        del env[name]
    process = subprocess.Popen(
        _command(latency_ms, time_rate),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        base_url = _wait_for_base_url(process, time.monotonic() + start_timeout)
        yield Emulator(base_url=base_url, pid=process.pid)
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# Twilio's official SDK, pointed at the emulator ----------------------------------------------
# The SDK hard-codes https://{product}.twilio.com; as its docs advise, a custom HttpClient
# rewrites those URLs (docs: twilio-python-sdk.md section 1A). The SDK is imported on call so
# that importing this module costs nothing.


def _to_emulator(url: str, base_url: str) -> str:
    parts, target = urlsplit(url), urlsplit(base_url)
    if not (parts.hostname or "").endswith("twilio.com"):
        return url
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))


def sdk_client(base_url: str, *, pool_size: int = 10) -> Any:
    """A ``twilio.rest.Client`` on the emulator, over the SDK's stock ``requests`` client.

    The stock client tunes its connection pool for ``https://`` only; the same adapter is
    mounted for ``http://`` with ``pool_size`` connections, so pooling works as it would
    against Twilio (for a thread pool, give it as many connections as threads).
    """
    from requests.adapters import HTTPAdapter
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client as SdkClient

    class EmulatorHttpClient(TwilioHttpClient):  # type: ignore[misc]
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(method, _to_emulator(url, base_url), *args, **kwargs)

    http = EmulatorHttpClient(timeout=30)
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
    http.session.mount("http://", adapter)
    # A non-empty environment keeps os.environ (TWILIO_EDGE, ...) out: an SDK quirk.
    return SdkClient(ACCOUNT_SID, AUTH_TOKEN, http_client=http, environment={"BENCH": "1"})


def sdk_async_http_client(base_url: str) -> Any:
    """The SDK's stock aiohttp client on the emulator; build it inside the running event loop
    and close it (``await client.close()``)."""
    from twilio.http.async_http_client import AsyncTwilioHttpClient

    class EmulatorAsyncHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
        async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.timeout  # the stock client ignores it (issue #925)
            return await super().request(method, _to_emulator(url, base_url), *args, **kwargs)

    return EmulatorAsyncHttpClient(timeout=30)


def sdk_async_client(http_client: Any) -> Any:
    """A ``twilio.rest.Client`` sending through ``http_client`` (from
    :func:`sdk_async_http_client`)."""
    from twilio.rest import Client as SdkClient

    return SdkClient(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client, environment={"BENCH": "1"})
