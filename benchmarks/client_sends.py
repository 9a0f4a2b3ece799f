"""Sends per second against a 100 ms Twilio: twiliokit vs Twilio's official SDK, same emulator,
same run.

The emulator runs in its own process with ``--latency-ms 100`` (every REST answer waits 100 ms,
roughly a real round trip to Twilio) and its clock frozen (``--time-rate 0``), so no status
callbacks or lifecycle work compete with the creates. With a concurrency limit of ``L``
requests in flight, the best possible rate is ``L / 0.1 s``.

Measured, for each limit in ``--limits``:

- twiliokit ``AsyncClient(connection, max_connections=L)`` with ``L`` tasks sending;
- the same emulator driven by raw HTTP/1.1 over asyncio streams (``L`` keep-alive
  connections, request bytes prepared up front, no client library): what the emulator
  sustains, so a shortfall can be told apart from the client's;
- the SDK with a thread pool of ``L`` threads (one SDK client per thread), and the SDK's
  ``create_async`` (aiohttp) with ``L`` tasks: the fair ways to run the SDK concurrently.

The first two take turns for ``--rounds`` rounds and report the median round (and the range):
these machines are noisy. And once: the SDK used sequentially, ``client.messages.create`` in
a loop as its docs show.

    .venv/bin/python -m benchmarks.client_sends --limits 20,50 --sends 1500 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from benchmarks._emulator import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    Emulator,
    running_emulator,
    sdk_async_client,
    sdk_async_http_client,
    sdk_client,
)

LATENCY_MS = 100.0
PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def recipient(n: int) -> str:
    return f"+1415555{1000 + n % 1000:04d}"


def body(n: int) -> str:
    return f"Benchmark message {n}"


@dataclass(frozen=True)
class Result:
    """One measured run."""

    name: str
    limit: int | None
    sends: int
    seconds: float
    client_cpu: float
    emulator_cpu: float | None

    @property
    def rate(self) -> float:
        return self.sends / self.seconds


def combined(runs: Sequence[Result]) -> tuple[Result, float, float]:
    """The median run of ``runs`` (by rate), and the lowest and highest rates."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[(len(ordered) - 1) // 2], ordered[0].rate, ordered[-1].rate


@contextlib.contextmanager
def measuring(
    emulator: Emulator, name: str, limit: int | None, sends: int, results: list[Result]
) -> Iterator[None]:
    """Time the block (wall and CPU, ours and the emulator's) and record it."""
    emulator_before, cpu_before = emulator.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    emulator_after = emulator.cpu_seconds()
    emulator_cpu = (
        emulator_after - emulator_before
        if emulator_after is not None and emulator_before is not None
        else None
    )
    results.append(
        Result(name, limit, sends, seconds, time.process_time() - cpu_before, emulator_cpu)
    )


async def in_tasks(limit: int, sends: int, send: Callable[[int], Awaitable[None]]) -> None:
    """``sends`` calls of ``send(n)`` by ``limit`` tasks, each taking the next ``n``."""
    numbers = iter(range(sends))

    async def worker() -> None:
        for n in numbers:
            await send(n)

    await asyncio.gather(*(worker() for _ in range(limit)))


async def twiliokit_async(
    emulator: Emulator, limit: int, sends: int, results: list[Result]
) -> None:
    from twiliokit import AsyncClient, Connection

    connection = Connection(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, base_url=emulator.base_url
    )
    async with AsyncClient(connection, max_connections=limit) as client:

        async def send(n: int) -> None:
            await client.create_message(to=recipient(n), from_=FROM_NUMBER, body=body(n))

        await in_tasks(limit, limit, send)  # warm-up: opens the connections
        with measuring(emulator, "twiliokit AsyncClient", limit, sends, results):
            await in_tasks(limit, sends, send)


async def raw_asyncio(emulator: Emulator, limit: int, sends: int, results: list[Result]) -> None:
    """The emulator's ceiling: HTTP/1.1 by hand, request bytes built before the clock starts.

    Only a measuring stick (it assumes a ``Content-Length`` answer); never a client.
    """
    url = urlsplit(emulator.base_url)
    token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    def request(n: int) -> bytes:
        form = urlencode({"To": recipient(n), "From": FROM_NUMBER, "Body": body(n)}).encode()
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Basic {token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\n\r\n"
        )
        return head.encode() + form

    prepared = [request(n) for n in range(sends)]
    streams = [await asyncio.open_connection(url.hostname, url.port) for _ in range(limit)]
    failures = 0

    async def exchange(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
    ) -> None:
        nonlocal failures
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        failures += not head.startswith(b"HTTP/1.1 201")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)

    async def run(count: int) -> None:
        numbers = iter(range(count))

        async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for n in numbers:
                await exchange(reader, writer, prepared[n])

        await asyncio.gather(*(worker(reader, writer) for reader, writer in streams))

    try:
        await run(limit)  # warm-up
        with measuring(emulator, "raw HTTP over asyncio (emulator ceiling)", limit, sends, results):
            await run(sends)
    finally:
        for _, writer in streams:
            writer.close()
    if failures:
        raise RuntimeError(f"the emulator refused {failures} raw creates")


def sdk_sequential(emulator: Emulator, sends: int, results: list[Result]) -> None:
    client = sdk_client(emulator.base_url)
    client.messages.create(to=recipient(0), from_=FROM_NUMBER, body=body(0))  # warm-up
    with measuring(emulator, "twilio SDK, sequential (as its docs show)", 1, sends, results):
        for n in range(sends):
            client.messages.create(to=recipient(n), from_=FROM_NUMBER, body=body(n))


def sdk_threads(emulator: Emulator, limit: int, sends: int, results: list[Result]) -> None:
    local = threading.local()

    def send(n: int) -> None:
        client = getattr(local, "client", None)
        if client is None:  # one SDK client per thread: requests sessions are not shared
            client = local.client = sdk_client(emulator.base_url)
        client.messages.create(to=recipient(n), from_=FROM_NUMBER, body=body(n))

    with ThreadPoolExecutor(max_workers=limit) as pool:
        list(pool.map(send, range(limit)))  # warm-up: one client and connection per thread
        with measuring(emulator, f"twilio SDK, {limit} threads", limit, sends, results):
            list(pool.map(send, range(sends)))


async def sdk_async(emulator: Emulator, limit: int, sends: int, results: list[Result]) -> None:
    http = sdk_async_http_client(emulator.base_url)
    try:
        client = sdk_async_client(http)

        async def send(n: int) -> None:
            await client.messages.create_async(to=recipient(n), from_=FROM_NUMBER, body=body(n))

        await in_tasks(limit, limit, send)
        with measuring(emulator, "twilio SDK create_async (aiohttp)", limit, sends, results):
            await in_tasks(limit, sends, send)
    finally:
        await http.close()


def report(groups: Sequence[list[Result]], sequential: Result | None, rounds: int) -> str:
    lines = [
        f"sends per second, emulator at {LATENCY_MS:.0f} ms latency (target for a limit L: "
        f"L / 0.1 s); twiliokit and raw: median of {rounds} interleaved rounds (range)",
        f"  {'client':<42} {'limit':>5} {'sends':>6} {'sends/s':>8} {'(range)':>13} "
        f"{'of target':>9} {'vs SDK seq':>10} {'client CPU/send':>15} {'emulator CPU':>12}",
    ]
    for runs in groups:
        result, low, high = combined(runs)
        target = (result.limit or 1) / (LATENCY_MS / 1000)
        versus = f"{result.rate / sequential.rate:.1f}x" if sequential else "-"
        spread = f"({low:,.0f}-{high:,.0f})" if len(runs) > 1 else ""
        emulator = (
            f"{result.emulator_cpu / result.seconds:.2f} cores"
            if result.emulator_cpu is not None
            else "-"
        )
        lines.append(
            f"  {result.name:<42} {result.limit or 1:>5} {result.sends:>6} "
            f"{result.rate:>8,.1f} {spread:>13} {result.rate / target:>9.0%} {versus:>10} "
            f"{result.client_cpu / result.sends * 1e6:>12,.0f} us {emulator:>12}"
        )
    return "\n".join(lines)


async def run_all(
    limits: Sequence[int], sends: int, rounds: int, sdk_sends: int, sequential_sends: int
) -> tuple[list[list[Result]], Result | None]:
    groups: list[list[Result]] = []
    with running_emulator(latency_ms=LATENCY_MS, time_rate=0) as emulator:
        for limit in limits:
            ours: list[Result] = []
            raw: list[Result] = []
            for _ in range(rounds):  # interleaved: a noisy neighbour hurts both alike
                await twiliokit_async(emulator, limit, sends, ours)
                await raw_asyncio(emulator, limit, sends, raw)
            threads: list[Result] = []
            sdk_threads(emulator, limit, sdk_sends, threads)
            aiohttp: list[Result] = []
            await sdk_async(emulator, limit, sdk_sends, aiohttp)
            groups += [ours, raw, threads, aiohttp]
        sequential: list[Result] = []
        if sequential_sends:
            sdk_sequential(emulator, sequential_sends, sequential)
            groups.append(sequential)
    return groups, (sequential[0] if sequential else None)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--limits", default="20,50", help="concurrency limits, comma-separated (default 20,50)"
    )
    parser.add_argument("--sends", type=int, default=1500, help="twiliokit and raw sends per round")
    parser.add_argument("--rounds", type=int, default=3, help="twiliokit and raw rounds")
    parser.add_argument("--sdk-sends", type=int, default=1000, help="SDK concurrent sends")
    parser.add_argument("--sequential-sends", type=int, default=50, help="SDK sequential sends")
    args = parser.parse_args(argv)
    limits = [int(part) for part in args.limits.split(",") if part.strip()]
    groups, sequential = asyncio.run(
        run_all(limits, args.sends, args.rounds, args.sdk_sends, args.sequential_sends)
    )
    print(report(groups, sequential, args.rounds))


if __name__ == "__main__":
    main()
