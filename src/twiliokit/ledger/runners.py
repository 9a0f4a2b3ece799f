"""How the SQL store reaches its database without blocking the event loop.

The store's queries are written once, as plain functions of a synchronous SQLAlchemy
``Connection``. :class:`ThreadRunner` runs them with the synchronous drivers (stdlib
``sqlite3``, psycopg 3) in threads: one writer thread and a few reader threads.

Why threads and not SQLAlchemy's AsyncEngine: an async driver makes an event-loop round trip
per statement and fetch. Measured on the 2-core dev machine, a webhook write (claim, status
event, message, current status, delivery) ran at ~200/s on aiosqlite and ~600/s on async
psycopg; a thread hop per *transaction* is much cheaper.

Writes that arrive while the writer is busy are *group-committed*: the writer runs every
waiting unit of work, in arrival order, in one transaction (at most :data:`MAX_GROUP`). Each
unit still sees the effects of the ones before it, so claims stay first-writer-wins; if any unit
fails, the group is rolled back and each unit is rerun in a transaction of its own, so one bad
write never takes others with it. A commit costs more than the statements of a webhook write,
so on SQLite this is what turns ~1,400 writes/s into 3,000+ under concurrent load.

:meth:`ThreadRunner.write_each` goes one step further: waiting items that share one *group
function* are handed to it together, so a store can write a whole group with one statement per
table (``executemany``) instead of one per item, and on PostgreSQL in a few round trips per
group instead of a few per item. Outcomes go back to the event loop in one wake-up per group.

Under load the writer can also hold the door open: with a *group window* (``window``;
``open_ledger`` uses :data:`GROUP_WINDOW`), after committing a group of more than one write
it waits that long before taking the next, so that more writes join it. A lone write never
waits (the group before it held one write, or none). Fewer, larger groups cost less per write
(fewer round trips, statements and commits, and fewer hand-offs of the GIL between the event
loop and this thread): on the 2-core machine at 2,000 webhooks/s, 1 ms took the receivers'
CPU per webhook down by 5-10% on PostgreSQL (and p50 by about a fifth) and by ~14% on SQLite
(docs/benchmarks.md, 2026-12-06). This is the group-commit delay databases offer
(PostgreSQL's ``commit_delay``), applied where the group is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Dialect, Engine
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["GROUP_WINDOW", "GroupWork", "Runner", "ThreadRunner", "configure_sqlite"]

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of grouped work

GroupWork = Callable[[Connection, Sequence[I]], Sequence[T]]
"""Writes several items in the caller's transaction, in order; one result per item.

Each item must see the effects of the items before it, as if they were written one by one."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another process's write lock before failing."""
READER_THREADS = 4
"""Concurrent reads on one ledger (SQLite's WAL lets them run beside the writer)."""
MAX_GROUP = 256
"""The most units of work committed together, which keeps each transaction short."""
GROUP_WINDOW = 0.001
"""Seconds a busy writer waits for more writes to join its next group."""

_WRITE_OPTION = "twiliokit_ledger_write"


class Runner(Protocol):
    """Runs units of work against one database."""

    @property
    def url(self) -> URL:
        """The database URL (render it with ``hide_password=True``)."""
        ...

    @property
    def dialect(self) -> Dialect:
        """The engine's dialect (``sqlite`` or ``postgresql``)."""
        ...

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction and commit it (roll back if it raises)."""
        ...

    async def write_each(self, work: GroupWork[I, T], item: I) -> T:
        """Write ``item`` with ``work``, in one transaction with other items waiting for it."""
        ...

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a connection for reading."""
        ...

    async def close(self) -> None:
        """Release every connection."""
        ...


class ThreadRunner:
    """Runs work on a synchronous engine in threads (see the module docstring).

    ``writers`` threads commit waiting writes in groups of at most ``max_group``; more than
    one writer only makes sense for PostgreSQL (SQLite has one writer). A SQLite engine must
    have been set up with :func:`configure_sqlite`. The engine's pool should hold
    ``writers + readers`` connections. ``window`` is the group window in seconds (0: none);
    ``pause`` is how the writer waits it out (tests replace it). ``on_commit(size, seconds)``
    hears of each group the writer committed (from the writer thread): for metrics.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        writers: int = 1,
        readers: int = READER_THREADS,
        max_group: int = MAX_GROUP,
        window: float = 0.0,
        pause: Callable[[float], None] = time.sleep,
        on_commit: Callable[[int, float], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._writers = writers
        self._max_group = max_group
        self._window = window
        self._pause = pause
        self._writer = ThreadPoolExecutor(writers, thread_name_prefix="twiliokit-ledger-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="twiliokit-ledger-read")
        self._lock = threading.Lock()  # guards _pending and _drains
        self._pending: list[_Job[Any, Any]] = []
        self._drains = 0

    @property
    def url(self) -> URL:
        return self._engine.url

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    async def write(self, work: Callable[[Connection], T]) -> T:
        return await self.write_each(_run_each, work)

    async def write_each(self, work: GroupWork[I, T], item: I) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._pending.append(_Job(work, item, future, loop))
            start = self._drains < self._writers
            self._drains += start
        if start:
            self._writer.submit(self._drain)
        return await future

    async def read(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._read, work)

    def _drain(self) -> None:
        """Writer thread: commit waiting work in groups until none is left (after a group of
        more than one, waiting out the group window first)."""
        busy = False
        while True:
            if busy and self._window > 0 and len(self._pending) < self._max_group:
                self._pause(self._window)  # releases the GIL: the event loop queues more
            with self._lock:
                jobs = self._pending[: self._max_group]
                del self._pending[: self._max_group]
                if not jobs:
                    self._drains -= 1
                    return
            busy = len(jobs) > 1
            if self._on_commit is None:
                self._commit(jobs)
                continue
            started = time.perf_counter()
            self._commit(jobs)
            self._on_commit(len(jobs), time.perf_counter() - started)

    def _commit(self, jobs: list[_Job[Any, Any]]) -> None:
        try:
            with self._engine.connect() as connection:
                conn = connection.execution_options(**{_WRITE_OPTION: True})
                with conn.begin():
                    results = _run_grouped(conn, jobs)
        except Exception as exc:
            if len(jobs) == 1:
                _settle([(jobs[0], None, exc)])
            else:  # find the failing unit: rerun each alone
                for job in jobs:
                    self._commit([job])
            return
        _settle([(job, result, None) for job, result in zip(jobs, results, strict=True)])

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn, conn.begin():
            return work(conn)

    async def close(self) -> None:
        def shut_down() -> None:
            self._writer.shutdown(wait=True)
            self._readers.shutdown(wait=True)
            self._engine.dispose()

        await asyncio.to_thread(shut_down)


@dataclass(frozen=True, slots=True)
class _Job(Generic[I, T]):
    """An item waiting for the writer thread, the work that writes it, and where to send its
    outcome."""

    work: GroupWork[I, T]
    item: I
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop


def _run_each(conn: Connection, works: Sequence[Callable[[Connection], T]]) -> list[T]:
    """The group work of plain units of work: each in turn."""
    return [work(conn) for work in works]


def _run_grouped(conn: Connection, jobs: list[_Job[Any, Any]]) -> list[Any]:
    """Results of ``jobs`` in order; neighbours sharing one group work run in one call."""
    results: list[Any] = []
    start = 0
    while start < len(jobs):
        work = jobs[start].work
        end = start + 1
        while end < len(jobs) and jobs[end].work == work:
            end += 1
        items = [job.item for job in jobs[start:end]]
        done = work(conn, items)
        if len(done) != len(items):
            raise AssertionError(f"{work!r} returned {len(done)} results for {len(items)} items")
        results.extend(done)
        start = end
    return results


_Outcome = tuple[_Job[Any, Any], Any, Exception | None]


def _settle(outcomes: list[_Outcome]) -> None:
    """Hand outcomes to the waiting coroutines (from the writer thread): one wake-up per loop,
    not one per write (each wake-up is a write to the loop's self-pipe and a context switch)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, some in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop has closed: nobody waits
            loop.call_soon_threadsafe(_deliver, some)


def _deliver(outcomes: list[_Outcome]) -> None:
    """On the event loop: complete each waiting future (unless its caller was cancelled)."""
    for job, result, error in outcomes:
        if job.future.done():
            continue
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(result)


def configure_sqlite(engine: Engine, *, always_immediate: bool = False) -> None:
    """WAL, a busy timeout, and our own BEGIN (IMMEDIATE for writes) on every connection.

    ``always_immediate`` makes every transaction a write transaction (migrations: a second
    process waits for the first, then finds the schema up to date).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # sqlite3's implicit BEGIN is DEFERRED: a transaction that reads first and writes later
        # can then fail at once with "database is locked" instead of waiting. Turn it off and
        # emit our own BEGIN in _on_begin (SQLAlchemy's documented recipe for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first, so that every statement after it waits for locks.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: durable except on power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = always_immediate or connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
