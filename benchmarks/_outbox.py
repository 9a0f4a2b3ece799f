"""What the outbox benchmarks (``benchmarks/outbox_*.py``) share: an emulator that shows its
own message list with exact times, worker processes to start and kill, items to enqueue, and
the figures printed as JSON with PASS/FAIL.

The emulator runs in a subprocess (``python -m benchmarks._outbox --emulator``): the stock app
from :func:`twiliokit.emulator.create_app`, plus one read-only route,
``GET /_emulator/bench/messages``, that lists every outbound message it created with its
``date_created`` as a float (the REST API shows whole seconds only; pacing is judged in
milliseconds). The route sits under ``/_emulator`` so injected faults and latency never touch
it. Its clock runs at real speed (``time_rate=1``), so its times and the workers' agree.

Workers are ``twiliokit worker --db URL --concurrency N`` subprocesses of the installed
console script, configured the way a user configures them: ``TWILIOKIT_CONFIG`` pointing at a
config file with an ``[outbox]`` table, the connection from ``TWILIO_*``/``TWILIOKIT_BASE_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, too

from benchmarks._emulator import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    _wait_for_base_url,
    stop_process,
)

__all__ = [
    "SENDERS",
    "BenchEmulator",
    "SeenMessage",
    "Workers",
    "batch_rows",
    "counts",
    "cpu_seconds",
    "enqueue_batch",
    "finished_states",
    "fresh_databases",
    "machine",
    "poll_until",
    "recipient",
    "report",
    "running_bench_emulator",
    "sent_total",
    "set_paces",
    "worker_pool",
    "write_config",
]

#: The numbers the emulator's development account owns on a fresh start: the senders.
SENDERS = ("+15005550006", "+14155550100", "+14155550101")
MESSAGES_ROUTE = "/_emulator/bench/messages"
CLI = Path(sys.executable).with_name("twiliokit")
#: What ``twiliokit worker`` prints once it is sending.
READY_LINE = "sending from the outbox"


def recipient(n: int) -> str:
    """The ``n``-th distinct recipient (valid US numbers, none of Twilio's magic ones)."""
    return f"+1415{2_000_000 + n:07d}"


# --------------------------------------------------------------------------- the emulator


@dataclass(frozen=True)
class SeenMessage:
    """One outbound message as the emulator created it."""

    sid: str
    sender: str
    to: str
    body: str
    created: float
    """``date_created`` as seconds since the epoch (the emulator's clock, at real speed)."""
    arrived: float | None
    """When its create request arrived, before the emulator's latency (``None`` when the
    answer was cut by a fault)."""

    @property
    def at(self) -> float:
        """When it reached the emulator: arrival, else creation."""
        return self.created if self.arrived is None else self.arrived


@dataclass(frozen=True)
class BenchEmulator:
    base_url: str
    pid: int
    log: Path
    """Where its standard error goes (uvicorn's log)."""

    def logged_errors(self) -> int:
        """Exceptions uvicorn logged for requests (a client gone mid-request is one)."""
        return self.log.read_text(errors="replace").count("Exception in ASGI application")

    def messages(self) -> list[SeenMessage]:
        """Every outbound message the emulator holds, oldest first."""
        answer = httpx.get(self.base_url + MESSAGES_ROUTE, timeout=60)
        answer.raise_for_status()
        return sorted(
            (SeenMessage(*row) for row in answer.json()["messages"]), key=lambda m: m.created
        )

    def add_fault(self, **fault: Any) -> None:
        """Inject a fault (``POST /_emulator/faults``, see emulator/faults.py)."""
        httpx.post(self.base_url + "/_emulator/faults", json=fault, timeout=10).raise_for_status()

    def pending_faults(self) -> int:
        """Faults injected and not yet used."""
        answer = httpx.get(self.base_url + "/_emulator/faults", timeout=10)
        return len(answer.json()["faults"])

    def clear_faults(self) -> None:
        httpx.delete(self.base_url + "/_emulator/faults", timeout=10).raise_for_status()

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_bench_emulator(
    *,
    latency_ms: float = 0.0,
    sender_mps: float = 1000.0,
    start_timeout: float = 60.0,
    nice: int = 0,
) -> Iterator[BenchEmulator]:
    """The emulator in a subprocess with the message-list route (module docstring). ``nice``:
    its scheduling priority (negative: ahead of the workers and the database, as Twilio's
    servers are, which do not share this machine's cores; needs root)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TWILIOKIT_"))}
    with (
        temporary_directory() as directory,
        (Path(directory) / "emulator.log").open("wb") as log,
    ):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks._outbox",
                "--emulator",
                "--latency-ms",
                str(latency_ms),
                "--sender-mps",
                str(sender_mps),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**env, "PYTHONUNBUFFERED": "1"},
            preexec_fn=(lambda: os.nice(nice)) if nice else None,  # noqa: PLW1509 (no threads yet)
        )
        try:
            base_url = _wait_for_base_url(process, time.monotonic() + start_timeout)
            yield BenchEmulator(base_url=base_url, pid=process.pid, log=Path(log.name))
        finally:
            stop_process(process)


def _serve_emulator(latency_ms: float, sender_mps: float) -> None:
    """Subprocess entry: the stock emulator plus the message-list route."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from twiliokit.emulator import EmulatorConfig, create_app
    from twiliokit.emulator.products.messaging_store import MessagingStore
    from twiliokit.serving import bound_port, make_server

    # The emulator spaces a sender's date_sent by its throughput and fails a queue longer
    # than Twilio's with 30001; the benchmarks measure the outbox's own pace, so the
    # emulator's carrier side is made fast enough never to push back.
    app = create_app(EmulatorConfig(latency_ms=latency_ms, time_rate=1.0, sender_mps=sender_mps))
    state = app.state.emulator
    arrivals = ArrivalTimes(app)

    async def messages(request: Request) -> Response:
        store = state.store(MessagingStore)
        rows = [
            [
                m.sid,
                m.sender or m.from_ or "",
                m.to,
                m.body,
                m.date_created.timestamp(),
                arrivals.by_sid.get(m.sid),
            ]
            for m in list(store.messages.values())
            if m.direction != "inbound"
        ]
        return JSONResponse({"messages": rows})

    app.router.routes.insert(0, Route(MESSAGES_ROUTE, messages, methods=["GET"]))

    def ready(server: Any) -> None:
        print(f"base URL: http://127.0.0.1:{bound_port(server)}", flush=True)

    make_server(arrivals, host="127.0.0.1", port=0, on_ready=ready).run()


class ArrivalTimes:
    """Outermost ASGI middleware: when each message create arrived (before the emulator's
    latency and faults), by the SID its answer names. A create whose answer is cut
    (``drop_after``) has none; its message still has ``date_created``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.by_sid: dict[str, float] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith("/Messages.json")
        ):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    with contextlib.suppress(ValueError, AttributeError):
                        sid = json.loads(b"".join(chunks)).get("sid")
                        if isinstance(sid, str):
                            self.by_sid[sid] = arrived
            await send(message)

        await self.app(scope, receive, capture)


# --------------------------------------------------------------------------- workers


def write_config(directory: Path, outbox: Mapping[str, Any]) -> Path:
    """A config file whose ``[outbox]`` table is ``outbox`` (numbers, or a table of rates)."""

    def value(v: Any) -> str:
        if isinstance(v, Mapping):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        return json.dumps(v)

    path = directory / "twiliokit.toml"
    lines = ["[outbox]", *(f"{key} = {value(v)}" for key, v in outbox.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Workers:
    """``twiliokit worker`` processes on one database, started, killed and restarted by slot."""

    db_url: str
    base_url: str
    config: Path
    concurrency: int
    log_dir: Path
    #: Each worker's scheduling priority (``os.nice``; negative: ahead of the rest).
    nice: int = 0
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[int, Path] = field(default_factory=dict)
    started: int = 0
    kills: int = 0
    _logs: list[IO[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TWILIOKIT_"))}
        return {
            **env,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,  # the emulator's documented development token
            "TWILIOKIT_BASE_URL": self.base_url,
            "TWILIOKIT_CONFIG": str(self.config),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, slot: int) -> None:
        self.started += 1
        self.logs[slot] = self.log_dir / f"worker-{slot}-{self.started}.log"
        log = self.logs[slot].open("wb")
        self._logs.append(log)
        self.processes[slot] = subprocess.Popen(
            [
                str(CLI),
                "worker",
                "--db",
                self.db_url,
                "--concurrency",
                str(self.concurrency),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env(),
            start_new_session=True,
            preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,  # noqa: PLW1509
        )

    def start_all(self, count: int) -> None:
        for slot in range(count):
            self.start(slot)

    def ready(self, slot: int) -> bool:
        """The worker now in ``slot`` has said it is sending."""
        return READY_LINE in self.logs[slot].read_text(errors="replace")

    def wait_ready(self, within: float = 120.0) -> None:
        """Until every worker started so far has printed that it is sending (start-up, about
        a second of CPU each, is then out of the way)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if all(self.ready(slot) for slot in self.processes):
                return
            if self.died():
                break
            time.sleep(0.1)
        raise SystemExit(f"the workers did not start:\n{self.log_tail()}")

    def kill(self, slot: int) -> None:
        """SIGKILL the worker in ``slot`` (nothing of it runs after this returns)."""
        process = self.processes[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.kills += 1

    def alive(self) -> list[int]:
        """Slots whose worker died on its own (a crash the benchmark did not cause)."""
        return [slot for slot, p in self.processes.items() if p.poll() is None]

    def died(self) -> dict[int, int]:
        """Workers that exited without being killed: slot -> exit code."""
        return {
            slot: code
            for slot, p in self.processes.items()
            if (code := p.poll()) is not None and code != -signal.SIGKILL
        }

    def stop_all(self, timeout: float = 30.0) -> dict[int, int | None]:
        """SIGTERM every worker (a clean shutdown), SIGKILL what outlives ``timeout``; their
        exit codes."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: dict[int, int | None] = {}
        deadline = time.monotonic() + timeout
        for slot, process in self.processes.items():
            try:
                codes[slot] = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                codes[slot] = None
        for log in self._logs:
            log.close()
        return codes

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of every worker log (to say why a run failed)."""
        out = []
        for path in sorted(self.log_dir.glob("worker-*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            if text:
                out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)


@contextlib.contextmanager
def worker_pool(
    db_url: str, base_url: str, outbox: Mapping[str, Any], *, concurrency: int, nice: int = 0
) -> Iterator[Workers]:
    """Workers (none started yet) with a config file holding ``outbox`` as its ``[outbox]``
    table, at scheduling priority ``nice``; every one still running is stopped with SIGTERM
    at the end."""
    with temporary_directory() as directory:
        config = write_config(Path(directory), {**outbox, "concurrency": concurrency})
        workers = Workers(db_url, base_url, config, concurrency, Path(directory), nice)
        try:
            yield workers
        finally:
            workers.stop_all()


async def set_paces(store: Any, rates: Mapping[str, float]) -> None:
    """Each sender's pace row, before any worker starts (the workers' config says the same)."""
    for sender, rate in rates.items():
        await store.set_pace(sender, rate=rate)


# --------------------------------------------------------------------------- the outbox


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


async def enqueue_batch(
    store: Any,
    messages: Sequence[tuple[str, str, str]],
    *,
    rate: float | None = None,
    chunk: int = 10_000,
) -> str:
    """Record ``(sender, to, body)`` messages as one queued batch, due now; its id.

    The items are what ``send_bulk`` records (kind ``message``, the ``create_message``
    keyword arguments as the request), written through the store directly so that a worker
    benchmark does not also measure the bulk action.
    """
    from twiliokit.ledger.outbox_records import NewBatch, NewOutboxItem, OutboxKind

    now = datetime.now(UTC)
    batch = NewBatch(
        id=new_id("BT"), action="send_bulk", created_at=now, total=len(messages), rate=rate
    )
    items = [
        NewOutboxItem(
            id=new_id("OB"),
            kind=OutboxKind.MESSAGE,
            action="send_bulk",
            sender=sender,
            to=to,
            request={"to": to, "from_": sender, "body": body},
            created_at=now,
            not_before=now,
            batch_id=batch.id,
        )
        for sender, to, body in messages
    ]
    await store.enqueue(items[:chunk], batch=batch)
    for start in range(chunk, len(items), chunk):
        await store.enqueue(items[start : start + chunk])
    return batch.id


def batch_rows(db_url: str, batch_id: str) -> list[dict[str, Any]]:
    """Every item of the batch as stored, keyed by :class:`OutboxItem`'s field names (``id``,
    ``to``, ``state``, ``sid``, ``attempts``, ``request_started_at``, ...), read with plain
    SQL on the ledger's own table: the store's reads stop at 1,000 rows, a benchmark needs
    them all."""
    import sqlalchemy as sa

    from twiliokit.ledger.schema import outbox_items

    columns = {"outbox_id": "id", "to_addr": "to"}
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(outbox_items).where(outbox_items.c.batch_id == batch_id))
            return [
                {columns.get(key, key): value for key, value in row._mapping.items()}
                for row in rows
            ]
    finally:
        engine.dispose()


async def counts(store: Any, batch_id: str) -> dict[str, int]:
    """The batch's items by state (``get_batch``'s counts)."""
    progress = await store.batch_progress(batch_id, now=datetime.now(UTC))
    return {str(state): n for state, n in progress.counts.items()}


def finished_states(states: Mapping[str, int]) -> bool:
    """Nothing of the batch waits, is in flight, or is unknown."""
    return not any(states.get(state, 0) for state in ("queued", "sending", "unknown"))


def sent_total(states: Mapping[str, int]) -> int:
    """Items Twilio accepted (``delivered`` is read from status callbacks, when any)."""
    return states.get("sent", 0) + states.get("delivered", 0)


async def poll_until(
    check: Callable[[], Awaitable[bool]],
    *,
    within: float,
    every: float = 0.5,
    tick: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Poll ``check`` until true or ``within`` seconds have passed; ``tick`` runs between
    polls (a benchmark polls the database like a dashboard would; tests use events)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return True
        if tick is not None:
            await tick()
        await asyncio.sleep(every)
    return await check()


@contextlib.contextmanager
def fresh_databases(
    backends: Sequence[str], *, warm_wal: bool = True
) -> Iterator[dict[str, Callable[[], str]]]:
    """A factory of fresh, empty database URLs per backend (``sqlite``, ``postgres``: one
    durable PostgreSQL server for all of its databases, ``benchmarks/_databases.py``)."""
    from benchmarks._databases import durable_postgres

    names = itertools.count()
    with contextlib.ExitStack() as stack:
        factories: dict[str, Callable[[], str]] = {}
        if "sqlite" in backends:
            directory = Path(stack.enter_context(temporary_directory()))
            factories["sqlite"] = lambda: f"sqlite:///{directory}/ledger-{next(names)}.sqlite3"
        if "postgres" in backends:
            server = stack.enter_context(durable_postgres(warm_wal=warm_wal))
            factories["postgres"] = lambda: server.create_database(f"bench_{next(names)}")
        yield factories


# --------------------------------------------------------------------------- figures


def machine() -> dict[str, Any]:
    import platform

    return {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def report(name: str, figures: Mapping[str, Any], checks: Mapping[str, bool]) -> bool:
    """Print the JSON summary and PASS/FAIL per check; whether all passed."""
    summary = {
        "benchmark": name,
        **machine(),
        **figures,
        "checks": dict(checks),
        "pass": all(checks.values()),
    }
    print(json.dumps(summary, indent=2, default=str), flush=True)
    for check, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {check}", flush=True)
    print(f"{name}: {'PASS' if summary['pass'] else 'FAIL'}", flush=True)
    return bool(summary["pass"])


def temporary_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="twiliokit-outbox-bench-")


def seconds_since(moment: datetime) -> float:
    return (datetime.now(UTC) - moment) / timedelta(seconds=1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the emulator for the outbox benchmarks")
    parser.add_argument("--emulator", action="store_true", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--sender-mps", type=float, default=1000.0)
    arguments = parser.parse_args()
    _serve_emulator(arguments.latency_ms, arguments.sender_mps)
