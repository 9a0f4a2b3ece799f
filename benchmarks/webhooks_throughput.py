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
(:func:`twiliokit.serving.serve_workers`). ``--timeline`` (open loop) adds latency per 5 s of
the schedule and the moments any request waited over 100 ms, to tell a steady queue from a
stall. ``--synchronous-commit off`` opens the PostgreSQL ledger with libpq's
``options=-c synchronous_commit=off``, the relaxed durability docs/ledger.md describes.

::

    .venv/bin/python benchmarks/webhooks_throughput.py --backend both
    .venv/bin/python benchmarks/webhooks_throughput.py --backend sqlite --rate 2000 --requests 20000
    .venv/bin/python benchmarks/webhooks_throughput.py --backend both --client raw \
        --rate 2000 --requests 120000 --concurrency 64 --workers 2

PostgreSQL runs in a throwaway server with durability on (``benchmarks/_databases.py``),
its write-ahead log first grown to a working size as on a server that has been running;
``--fresh-wal`` skips that, to see a new server's first minutes. ``--pg-setting NAME=VALUE``
(repeatable) adds a server setting.
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
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, too

from benchmarks._databases import database  # noqa: E402

T = TypeVar("T")
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
) -> tuple[list[float], list[float], list[float], int, float]:
    """Start request i at t0 + i/rate on the first free connection; latency from its schedule.

    Each connection takes the next request in turn and waits for its due time if it is early,
    so while a connection is free every request starts on time, and when none is free the
    wait counts as latency (no coordinated omission). Returns (latencies, their due times in
    seconds from t0, lags, failures, seconds from t0 to the last answer); a lag is how late a
    free connection woke up for a request: the generator's own scheduling.
    """
    latencies: list[float] = []
    dues: list[float] = []
    lags: list[float] = []
    failures = 0
    opened: list[Any] = []
    for _ in range(connections):
        opened.append(await RawConnection.open(base_url) if client == "raw" else _transport())
    payloads: list[Any] = [wire_format(r) for r in work] if client == "raw" else list(work)
    turns = iter(range(len(payloads)))
    clock = time.perf_counter

    async def connection_loop(connection: Any) -> None:
        nonlocal failures
        for index in turns:
            due = start + index / rate
            delay = due - clock()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the generator, not waiting for a result
                lags.append(clock() - due)
            if client == "raw":
                status = await connection.send(payloads[index])
            else:
                status = await _send(connection, payloads[index])
            failures += status != 200
            latencies.append(clock() - due)
            dues.append(due - start)

    start = clock() + 0.05
    try:
        await asyncio.gather(*(connection_loop(c) for c in opened))
        finished = clock()
    finally:
        for connection in opened:
            await connection.aclose()
    return latencies, dues, lags, failures, finished - start


class RawConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with hand-written framing (``--client raw``).

    Only for measuring the receiver's own ceiling: httpx spends more CPU per request than the
    receiver does, and here the two share two cores. It sends requests httpx built, as an
    asyncio protocol (no stream reader and writer in between: the generator's CPU per request
    is what the receiver cannot have).
    """

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[int] | None = None

    @classmethod
    async def open(cls, base_url: str) -> RawConnection:
        url = httpx.URL(base_url)
        _, connection = await asyncio.get_running_loop().create_connection(cls, url.host, url.port)
        return connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a TCP connection: it writes

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end]).lower()
        marker = head.find(b"content-length:")
        length = 0 if marker < 0 else int(head[marker + 15 :].split(b"\r\n", 1)[0])
        if len(self._buffer) < end + 4 + length:
            return
        del self._buffer[: end + 4 + length]
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(int(head.split(b" ", 2)[1]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionError("the receiver closed the connection"))

    async def send(self, wire: bytes) -> int:
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(wire)
        return await self._waiter

    async def aclose(self) -> None:
        if self._transport is not None:
            self._transport.close()


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


def _run_fast(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop where it is installed (it comes with uvicorn[standard]): the
    generator's own CPU per request is CPU the receiver cannot have."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timeline(latencies: list[float], dues: list[float], window: float = 5.0) -> list[str]:
    """Lines for ``--timeline``: p50/p99/max per ``window`` seconds of the schedule, then the
    stretches of the schedule in which some request waited over 100 ms."""
    windows: dict[int, list[float]] = {}
    slow: dict[int, float] = {}
    for latency, due in zip(latencies, dues, strict=True):
        windows.setdefault(int(due // window), []).append(latency)
        if latency > 0.1:
            slow[int(due * 10)] = max(slow.get(int(due * 10), 0.0), latency)
    lines = [
        f"  {n * window:5.0f} s: p50 {statistics.median(values) * 1000:6.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:6.1f} ms, max {max(values) * 1000:6.1f} ms"
        for n, values in sorted(windows.items())
    ]
    spans: list[list[float]] = []  # [first tenth, last tenth, worst latency]
    for tenth, worst in sorted(slow.items()):
        if spans and tenth - spans[-1][1] <= 3:  # gaps under 0.3 s belong to one stall
            spans[-1][1], spans[-1][2] = tenth, max(spans[-1][2], worst)
        else:
            spans.append([tenth, tenth, worst])
    if spans:
        moments = ", ".join(
            f"{first / 10:.1f}-{last / 10 + 0.1:.1f} s (max {worst * 1000:.0f} ms)"
            for first, last, worst in spans
        )
        lines.append(f"  requests due at these times waited over 100 ms: {moments}")
    return lines


async def measure(base_url: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
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
    dues: list[float] = []
    try:
        if args.rate:
            latencies, dues, lags, failures, scheduled = await open_loop(
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
    result: dict[str, Any] = {
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
    if dues and args.timeline:
        result["timeline"] = timeline(latencies, dues)
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
        "--timeline", action="store_true", help="open loop: latency per 5 s, and stalls"
    )
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="PostgreSQL: 'off' trades the last moments before a server crash for latency "
        "(docs/ledger.md)",
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="PostgreSQL server setting for postgresql.conf (docs/ledger.md), repeatable",
    )
    parser.add_argument(
        "--fresh-wal",
        action="store_true",
        help="PostgreSQL: skip growing the write-ahead log to a working size first (a new "
        "server's first minutes: it creates a WAL file every ~3 s at 2,000/s, and commits wait)",
    )
    parser.add_argument(
        "--client",
        choices=["httpx", "raw"],
        default="httpx",
        help="'raw' frames HTTP/1.1 by hand (tens of us/request instead of httpx's ~500): "
        "the receiver's own ceiling when the generator shares its cores",
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
    settings = dict(item.split("=", 1) for item in args.pg_setting)
    for backend in backends:
        label = backend
        with database(backend, settings=settings, warm_wal=not args.fresh_wal) as created:
            db = created
            if backend == "postgres" and args.synchronous_commit == "off":
                db += "&options=-c%20synchronous_commit%3Doff"  # what docs/ledger.md shows
                label += " (synchronous_commit off)"
            if backend == "postgres" and args.fresh_wal:
                label += " (fresh WAL)"
            if backend == "postgres" and settings:
                label += " (" + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")"
            with receiver_process(db, args.workers) as (base_url, pid):
                result = _run_fast(measure(base_url, pid, args))
        line = (
            f"{label:8} {mode}: {result['rate']:,.0f} webhooks/s "
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
        for timeline_line in result.get("timeline", ()):
            print(timeline_line, flush=True)


if __name__ == "__main__":
    main()
