"""Databases for benchmarks: a fresh SQLite file, or a throwaway PostgreSQL server with
production durability.

PostgreSQL runs from ``tests/postgres.py`` (initdb in a temporary directory, unix socket only),
which turns durability off for tests; here ``fsync``, ``synchronous_commit`` and
``full_page_writes`` are turned back on, so that commits cost what they cost in production.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.postgres

if TYPE_CHECKING:
    from tests.postgres import PostgresServer

__all__ = ["backend_cpu_seconds", "database", "durable_postgres"]


@contextlib.contextmanager
def durable_postgres() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server with durability on; removed afterwards."""
    import psycopg
    from tests.postgres import find_pg_bin, running_postgres

    bindir = find_pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (scripts/ensure-postgres.sh)")
    with running_postgres(bindir) as server:
        with psycopg.connect(
            host=str(server.socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("ALTER SYSTEM SET fsync = on")
            conn.execute("ALTER SYSTEM SET synchronous_commit = on")
            conn.execute("ALTER SYSTEM SET full_page_writes = on")
            conn.execute("SELECT pg_reload_conf()")
        yield server


@contextlib.contextmanager
def database(backend: str, name: str = "bench") -> Iterator[str]:
    """A fresh ledger database URL of ``backend`` (``sqlite`` or ``postgres``)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="twiliokit-bench-") as directory:
            yield f"sqlite:///{directory}/ledger.sqlite3"
        return
    with durable_postgres() as server:
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
