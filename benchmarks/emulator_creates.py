"""How many message creates per second the emulator sustains.

Starts ``twiliokit emulator --port 0`` in a subprocess (uvicorn, zero added latency, time
running at the real rate so every message's lifecycle events run too), then an httpx async
load generator POSTs ``--requests`` message creates over ``--concurrency`` keep-alive
connections and prints creates/s, plus the server's own CPU time per create (what one core
could sustain if the load generator cost nothing; read from /proc, so Linux only).

    .venv/bin/python benchmarks/emulator_creates.py --requests 5000 --concurrency 16

The generator drives httpx's transport directly, one per connection, with bodies encoded up
front: ``AsyncClient``'s per-request machinery (auth flow, cookies, one shared pool's
bookkeeping) costs more CPU than the emulator spends answering, and the generator shares the
machine with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx

ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "00000000000000000000000000000000"
SENDERS = ("+14155550100", "+14155550101", "+15005550006")
_READY = re.compile(r"base URL:\s+(http://\S+)")


@contextlib.contextmanager
def emulator_process() -> Iterator[tuple[str, int]]:
    """The emulator CLI on a free port; yields (base URL, pid) once it prints its URL."""
    cli = Path(sys.executable).with_name("twiliokit")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [str(cli), "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            found = _READY.search(line)
            if found:
                yield found.group(1), process.pid
                break
        else:
            raise RuntimeError("the emulator exited before printing its base URL")
    finally:
        process.terminate()
        process.wait(timeout=10)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (None where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bodies(count: int) -> list[bytes]:
    """Form bodies encoded up front, so the generator spends its time on HTTP only."""
    return [
        urlencode(
            {
                "To": f"+1415555{1000 + n % 1000:04d}",
                "From": SENDERS[n % len(SENDERS)],
                "Body": f"Benchmark message {n}",
            }
        ).encode()
        for n in range(count)
    ]


async def load(base_url: str, requests: int, concurrency: int, pid: int) -> dict[str, float]:
    """Time ``requests`` creates over ``concurrency`` connections (after a warm-up)."""
    url = httpx.URL(f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    headers = [
        (b"Host", url.netloc),
        (b"Authorization", f"Basic {token}".encode()),
        (b"Content-Type", b"application/x-www-form-urlencoded"),
    ]
    transports = [httpx.AsyncHTTPTransport() for _ in range(concurrency)]
    failures = 0

    async def worker(transport: httpx.AsyncHTTPTransport, work: Iterator[bytes]) -> None:
        nonlocal failures
        for content in work:
            length = (b"Content-Length", str(len(content)).encode())
            request = httpx.Request("POST", url, headers=[*headers, length], content=content)
            response = await transport.handle_async_request(request)
            await response.aread()
            if response.status_code != 201:
                failures += 1

    async def run(count: int) -> None:
        work = iter(bodies(count))  # shared: each connection takes the next request
        await asyncio.gather(*(worker(transport, work) for transport in transports))

    try:
        await run(min(requests, 20 * concurrency))  # warm-up: connections and caches
        failures = 0
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        await run(requests)
        elapsed = time.perf_counter() - started
        cpu_after = cpu_seconds(pid)
    finally:
        for transport in transports:
            await transport.aclose()
    result = {"seconds": elapsed, "failures": float(failures)}
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu"] = cpu_after - cpu_before
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with emulator_process() as (base_url, pid):
        result = asyncio.run(load(base_url, args.requests, args.concurrency, pid))
    rate = args.requests / result["seconds"]
    print(
        f"emulator message creates: {rate:,.0f}/s "
        f"({args.requests} requests over {args.concurrency} connections in "
        f"{result['seconds']:.2f} s, {int(result['failures'])} failed)"
    )
    if result.get("server_cpu"):
        per_create = result["server_cpu"] / args.requests
        print(
            f"server CPU per create: {per_create * 1e6:,.0f} us "
            f"(one core could answer ~{1 / per_create:,.0f} creates/s)"
        )


if __name__ == "__main__":
    main()
