"""Signed inbound webhooks per second through the receiver, with ledger writes, and latency.

The receiver (``create_receiver_app``: signature check, parse, dedupe claim + message +
delivery in one ledger transaction, an ``on_message`` handler, empty TwiML answer) runs under
uvicorn in a subprocess; this process is the load generator (httpx async, one client per
connection). Every request is a distinct inbound SMS signed like Twilio signs it, built before
the clock starts so that the generator spends its time on HTTP only.

Two modes:

- closed loop (default): ``--concurrency`` connections send ``--requests`` as fast as the
  receiver answers: the most it sustains;
- open loop (``--rate R``): requests are started on a fixed schedule of R per second,
  whatever the answers do, and latency is measured from each request's *scheduled* time (no
  coordinated omission): the latency at that load.

``--workers N`` serves the receiver from N processes, as ``twiliokit serve --workers N`` does
(:func:`twiliokit.serving.serve_workers`).

::

    .venv/bin/python benchmarks/webhooks_throughput.py --backend both
    .venv/bin/python benchmarks/webhooks_throughput.py --backend sqlite --rate 2000 --requests 20000
    .venv/bin/python benchmarks/webhooks_throughput.py --backend both --client raw \
        --rate 2000 --requests 120000 --concurrency 64 --workers 2

PostgreSQL runs in a throwaway server with durability on (``benchmarks/_databases.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, too

from benchmarks._databases import database  # noqa: E402

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC" + "0" * 32
PATH = "/webhooks/twilio/messaging"
READY = "READY "


# --------------------------------------------------------------------------- the server


async def _seen(event: Any) -> None:
    """The benchmark's message handler: one is registered, as an application would."""


def receiver_app(db: str) -> Any:
    """The receiver as measured: signatures checked, every webhook recorded, a handler."""
    from twiliokit.webhooks import Handlers, WebhookSettings, create_receiver_app

    handlers = Handlers()
    handlers.on_message(_seen)
    return create_receiver_app(WebhookSettings(auth_token=TOKEN), db, handlers)


def serve(db: str, workers: int) -> None:
    """Subprocess entry: the receiver on a free port; prints ``READY <url>`` when listening."""
    import functools
    import socket

    from twiliokit.serving import make_server, serve_workers

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def ready(*_: Any) -> None:
        print(f"{READY}{url}", flush=True)

    if workers > 1:  # what `twiliokit serve --workers N` does
        serve_workers(
            functools.partial(receiver_app, db), sock=sock, workers=workers, on_ready=ready
        )
        return
    server = make_server(receiver_app(db), log_level="warning", on_ready=ready)
    server.run(sockets=[sock])


@contextlib.contextmanager
def receiver_process(db: str, workers: int) -> Iterator[tuple[str, int]]:
    """The receiver in a subprocess (with its workers); yields (base URL, pid)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", db, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY):
                yield line[len(READY) :].strip(), process.pid
                break
        else:
            raise RuntimeError("the receiver exited before it was ready")
    finally:
        process.terminate()
        process.wait(timeout=30)


# --------------------------------------------------------------------------- the load


def requests_for(base_url: str, count: int, offset: int) -> list[httpx.Request]:
    """Distinct signed inbound SMS webhooks, built (and signed) before the clock starts."""
    from twiliokit.webhooks.signature import compute_signature

    url = base_url + PATH
    out = []
    for n in range(offset, offset + count):
        params = [
            ("ToCountry", "US"),
            ("SmsMessageSid", f"SM{n:032x}"),
            ("NumMedia", "0"),
            ("SmsSid", f"SM{n:032x}"),
            ("SmsStatus", "received"),
            ("Body", f"Benchmark message number {n}"),
            ("To", "+14155550100"),
            ("NumSegments", "1"),
            ("MessageSid", f"SM{n:032x}"),
            ("AccountSid", ACCOUNT),
            ("From", f"+1415555{n % 10000:04d}"),
            ("ApiVersion", "2010-04-01"),
        ]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": compute_signature(url, params, TOKEN),
            "I-Twilio-Idempotency-Token": f"bench-{n}",
        }
        out.append(httpx.Request("POST", url, content=urlencode(params).encode(), headers=headers))
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its children (its workers) so far, None where
    /proc is missing. Children that have exited no longer count: workers live for the run."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


async def _send(transport: httpx.AsyncHTTPTransport, request: httpx.Request) -> int:
    # The transport directly: httpx's client layer (URL merging, cookies, auth, redirects)
    # costs more CPU than the receiver spends on a webhook, on a machine the two share.
    response = await transport.handle_async_request(request)
    await response.aread()
    await response.aclose()
    return response.status_code


async def closed_loop(work: list[httpx.Request], concurrency: int) -> tuple[list[float], int]:
    """Send everything over ``concurrency`` connections; (latencies, failures)."""
    latencies: list[float] = []
    failures = 0
    queue = iter(work)

    async def worker(transport: httpx.AsyncHTTPTransport) -> None:
        nonlocal failures
        for request in queue:
            started = time.perf_counter()
            status = await _send(transport, request)
            latencies.append(time.perf_counter() - started)
            failures += status != 200

    transports = [_transport() for _ in range(concurrency)]
    try:
        await asyncio.gather(*(worker(t) for t in transports))
    finally:
        for transport in transports:
            await transport.aclose()
    return latencies, failures


async def open_loop(
    base_url: str, work: list[httpx.Request], rate: float, connections: int, client: str
) -> tuple[list[float], list[float], int, float]:
    """Start request i at t0 + i/rate on a pool of connections; latency from its schedule.

    Returns (latencies, lags, failures, seconds from t0 to the last answer); a lag is how late
    the generator itself started a request (its own scheduling, before any connection was free
    or the receiver answered).
    """
    latencies: list[float] = []
    lags: list[float] = []
    failures = 0
    pool: asyncio.Queue[Any] = asyncio.Queue()
    opened: list[Any] = []
    for _ in range(connections):
        opened.append(await RawConnection.open(base_url) if client == "raw" else _transport())
        pool.put_nowait(opened[-1])
    payloads: list[Any] = [wire_format(r) for r in work] if client == "raw" else list(work)

    remaining = len(payloads)
    all_answered = asyncio.Event()

    async def one(due: float, payload: Any) -> None:
        nonlocal failures, remaining
        lags.append(time.perf_counter() - due)
        connection = await pool.get()
        try:
            if client == "raw":
                status = await connection.send(payload)
            else:
                status = await _send(connection, payload)
            failures += status != 200
            latencies.append(time.perf_counter() - due)
        finally:
            pool.put_nowait(connection)
            remaining -= 1
            if not remaining:
                all_answered.set()

    tasks = []
    start = time.perf_counter() + 0.05
    try:
        for index, payload in enumerate(payloads):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the generator, not waiting for a result
            tasks.append(asyncio.create_task(one(due, payload)))
        # Not gather(*tasks): it registers a callback on every task in one go, which for
        # 100,000 tasks stalls this loop for hundreds of milliseconds while the last answers
        # wait to be read, and that stall would be measured as the receiver's latency.
        await all_answered.wait()
        finished = time.perf_counter()
        for task in tasks:
            task.result()  # a request that raised fails the run
    finally:
        for connection in opened:
            await connection.aclose()
    return latencies, lags, failures, finished - start


class RawConnection:
    """One keep-alive HTTP/1.1 connection with hand-written framing (``--client raw``).

    Only for measuring the receiver's own ceiling: httpx spends more CPU per request than the
    receiver does, and here the two share two cores. It sends requests httpx built.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base_url: str) -> RawConnection:
        url = httpx.URL(base_url)
        reader, writer = await asyncio.open_connection(url.host, url.port)
        return cls(reader, writer)

    async def send(self, wire: bytes) -> int:
        self.writer.write(wire)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    async def aclose(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def wire_format(request: httpx.Request) -> bytes:
    """The bytes of ``request`` on an HTTP/1.1 keep-alive connection."""
    target = request.url.raw_path.decode()
    lines = [f"POST {target} HTTP/1.1", f"Host: {request.url.netloc.decode()}"]
    lines += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + request.content


async def raw_closed_loop(
    base_url: str, work: list[httpx.Request], concurrency: int
) -> tuple[list[float], int]:
    """The closed loop over :class:`RawConnection` (``--client raw``)."""
    latencies: list[float] = []
    failures = 0
    queue = iter([wire_format(r) for r in work])

    async def worker(connection: RawConnection) -> None:
        nonlocal failures
        for wire in queue:
            started = time.perf_counter()
            status = await connection.send(wire)
            latencies.append(time.perf_counter() - started)
            failures += status != 200

    connections = [await RawConnection.open(base_url) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for connection in connections:
            await connection.aclose()
    return latencies, failures


def _transport() -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def measure(base_url: str, pid: int, args: argparse.Namespace) -> dict[str, float]:
    warmup = requests_for(base_url, min(2000, args.requests), offset=10_000_000)
    work = requests_for(base_url, args.requests, offset=0)
    await closed_loop(warmup, args.concurrency)
    lags: list[float] = []
    # The generator's own garbage collector would stop it for tens of milliseconds (its heap
    # holds every prepared request and, as the run goes on, every result), and those pauses
    # would be measured as the receiver's latency. Nothing it allocates while measuring is
    # cyclic garbage worth collecting before the end, so it does not collect until then.
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu_before = cpu_seconds(pid)
    own_before = time.process_time()
    started = time.perf_counter()
    scheduled: float | None = None
    try:
        if args.rate:
            latencies, lags, failures, scheduled = await open_loop(
                base_url, work, args.rate, args.concurrency, args.client
            )
        elif args.client == "raw":
            latencies, failures = await raw_closed_loop(base_url, work, args.concurrency)
        else:
            latencies, failures = await closed_loop(work, args.concurrency)
    finally:
        gc.enable()
        gc.unfreeze()
    # Open loop: from the first request's due time to the last answer (not the time spent
    # opening connections before it), so that a receiver keeping up shows the offered rate.
    elapsed = scheduled if scheduled is not None else time.perf_counter() - started
    cpu_after = cpu_seconds(pid)
    generator_cpu = time.process_time() - own_before
    result = {
        "rate": len(work) / elapsed,
        "seconds": elapsed,
        "failures": float(failures),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "generator_cpu_us": generator_cpu / len(work) * 1e6,
    }
    if lags:
        result["generator_lag_p99_ms"] = percentile(lags, 0.99) * 1000
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_us"] = (cpu_after - cpu_before) / len(work) * 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32, help="connections")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: requests per second")
    parser.add_argument(
        "--workers", type=int, default=1, help="receiver processes (twiliokit serve --workers)"
    )
    parser.add_argument(
        "--client",
        choices=["httpx", "raw"],
        default="httpx",
        help="'raw' frames HTTP/1.1 by hand (34 us/request instead of httpx's ~500): the "
        "receiver's own ceiling when the generator shares its cores",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    mode = (
        f"open loop at {args.rate:,.0f}/s ({args.client})"
        if args.rate
        else f"closed loop ({args.client})"
    )
    if args.workers > 1:
        mode += f", {args.workers} workers"
    for backend in backends:
        with database(backend) as db, receiver_process(db, args.workers) as (base_url, pid):
            result = asyncio.run(measure(base_url, pid, args))
        line = (
            f"{backend:8} {mode}: {result['rate']:,.0f} webhooks/s "
            f"({args.requests} over {args.concurrency} connections in {result['seconds']:.2f} s, "
            f"{int(result['failures'])} failed); latency p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
        )
        if "server_cpu_us" in result:
            per = result["server_cpu_us"]
            line += f"; server CPU {per:,.0f} us/webhook"
            if args.workers == 1:
                line += f" (~{1e6 / per:,.0f}/s on one core)"
        line += f"; generator CPU {result['generator_cpu_us']:,.0f} us/request"
        if "generator_lag_p99_ms" in result:
            line += f", its own scheduling lag p99 {result['generator_lag_p99_ms']:.1f} ms"
        print(line, flush=True)


if __name__ == "__main__":
    main()
