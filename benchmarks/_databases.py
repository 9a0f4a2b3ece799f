"""Databases for benchmarks: a fresh SQLite file, or a throwaway PostgreSQL server with
production durability.

PostgreSQL runs from ``tests/postgres.py`` (initdb in a temporary directory, unix socket only),
which turns durability off for tests; here ``fsync``, ``synchronous_commit`` and
``full_page_writes`` are turned back on, so that commits cost what they cost in production, and
any other server setting can be given (``--pg-setting`` in webhooks_throughput.py). Its
write-ahead log is grown to a working size first, as on a server that has been running
(:func:`_grow_wal`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.postgres

if TYPE_CHECKING:
    from tests.postgres import PostgresServer

__all__ = ["backend_cpu_seconds", "database", "durable_postgres"]


#: What production runs with (tests/postgres.py turns these off for speed).
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
#: WAL written before a benchmark, so that pg_wal is at a working size (see _grow_wal).
WARM_WAL_MB = 512


@contextlib.contextmanager
def durable_postgres(
    settings: Mapping[str, str] | None = None, *, warm_wal: bool = True
) -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server with durability on and ``settings`` (any server
    setting, written to postgresql.conf before it starts) on top, its write-ahead log grown to
    a working size unless ``warm_wal`` is false; removed afterwards."""
    from tests.postgres import find_pg_bin, running_postgres

    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (scripts/ensure-postgres.sh)")
    with running_postgres(bindir, {**(settings or {}), **DURABLE}) as server:
        if warm_wal:
            _grow_wal(server, WARM_WAL_MB)
        yield server


def _grow_wal(server: PostgresServer, megabytes: int) -> None:
    """Write ``megabytes`` of WAL and checkpoint, as a server that has been running has.

    A fresh server has one WAL segment file; each time its WAL fills one, the committing
    backend creates the next, writing 16 MB of zeros and syncing them, and every commit waits
    meanwhile (every ~3 s at 2,000 webhooks/s on the 2-core machine, 15-80 ms each depending
    on the disk at the moment; docs/benchmarks.md). A running server instead reuses the
    segments a checkpoint has finished with, renamed ahead of the current one. Writing WAL (a
    table created and dropped) and then checkpointing leaves such segments ready, so a
    benchmark measures the steady state.
    """
    import psycopg

    with psycopg.connect(
        host=str(server.socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(
            "CREATE TABLE twiliokit_warm_wal AS SELECT repeat('x', 1000) AS filler"
            " FROM generate_series(1, %s)",
            (megabytes * 1000,),
        )
        conn.execute("DROP TABLE twiliokit_warm_wal")
        conn.execute("CHECKPOINT")


@contextlib.contextmanager
def database(
    backend: str,
    name: str = "bench",
    settings: Mapping[str, str] | None = None,
    *,
    warm_wal: bool = True,
) -> Iterator[str]:
    """A fresh ledger database URL of ``backend`` (``sqlite`` or ``postgres``, the latter with
    server ``settings`` and ``warm_wal`` as :func:`durable_postgres` takes them)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="twiliokit-bench-") as directory:
            yield f"sqlite:///{directory}/ledger.sqlite3"
        return
    with durable_postgres(settings, warm_wal=warm_wal) as server:
        yield server.create_database(name)


def backend_cpu_seconds(database_name: str) -> float:
    """User + system CPU so far of the PostgreSQL backends serving ``database_name`` (found by
    their process titles, ``postgres: USER DATABASE ...``); 0.0 where /proc is missing."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not title.startswith("postgres: ") or f" {database_name} " not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / tick
    return total
