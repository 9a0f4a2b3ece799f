"""A throwaway PostgreSQL server for tests: ``initdb`` into a temporary directory, listen only
on a unix socket there (no TCP port), and remove everything afterwards.

Use the session fixtures from a ``conftest.py``::

    from tests.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)

``postgres_server`` gives a :class:`PostgresServer` (``create_database(name)`` returns a
SQLAlchemy URL); ``postgres_url`` is one database on it. Without the server binaries the tests
are skipped, except under ``CI=true`` where that is a failure (``scripts/ensure-postgres.sh``
installs them).

PostgreSQL refuses to run as root; as root, the server runs as ``nobody`` (via ``runuser`` or
``setpriv``) in a directory chowned to it.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "find_pg_bin", "postgres_server", "postgres_url", "running_postgres"]

SUPERUSER = "postgres"
UNPRIVILEGED_USER = "nobody"
# Test-only settings: durability is pointless for a database deleted at the end of the run.
TEST_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


def find_pg_bin() -> Path | None:
    """The directory holding ``pg_ctl`` and ``initdb``: on PATH, else the newest Debian one."""
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        bindir = Path(on_path).resolve().parent
        if (bindir / "initdb").exists():
            return bindir
    found = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name))

    for pg_ctl in sorted(found, key=version, reverse=True):
        bindir = Path(pg_ctl).parent
        if (bindir / "initdb").exists():
            return bindir
    return None


@dataclass(frozen=True)
class PostgresServer:
    """A running server reachable through the unix socket in ``socket_dir``."""

    socket_dir: Path

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create ``name`` (optionally copied from ``template``) and return its URL."""
        import psycopg
        from psycopg import sql

        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(
            host=str(self.socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(statement)
        return self.url(name)


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix (and uid/gid to chown to) that runs the server binaries unprivileged."""
    if os.geteuid() != 0:
        return [], None, None
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    if shutil.which("runuser"):
        return ["runuser", "-u", UNPRIVILEGED_USER, "--"], entry.pw_uid, entry.pw_gid
    prefix = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
    return prefix, entry.pw_uid, entry.pw_gid


def _run(command: list[str], *, cwd: Path, log: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        server_log = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            f"{server_log}"
        )


@contextmanager
def running_postgres(
    bindir: Path, settings: Mapping[str, str] | None = None
) -> Iterator[PostgresServer]:
    """Start a fresh server from ``bindir``'s binaries, with ``settings`` over the test ones;
    stop and delete it on exit."""
    # Directly under the temp dir: unix socket paths are limited to about 100 bytes, and the
    # unprivileged server user must be able to reach it (pytest's tmp dirs are private).
    base = Path(tempfile.mkdtemp(prefix="twiliokit-pg-"))
    data, log = base / "data", base / "server.log"
    prefix, uid, gid = _as_server_user()
    if uid is not None and gid is not None:
        os.chown(base, uid, gid)
    pg_ctl = str(bindir / "pg_ctl")
    started = False
    try:
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            cwd=base,
        )
        conf_settings = {
            **TEST_SETTINGS,
            **(settings or {}),
            "unix_socket_directories": f"'{base}'",
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in conf_settings.items())
        # -w waits until the server accepts connections: no polling or sleeping here.
        _run(
            [*prefix, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"],
            cwd=base,
            log=log,
        )
        started = True
        yield PostgresServer(socket_dir=base)
    finally:
        if started:
            _run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session (skipped without binaries, unless CI)."""
    bindir = find_pg_bin()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (pg_ctl, initdb) were not found on PATH or in "
            "/usr/lib/postgresql/*/bin; install the 'postgresql' package "
            "(scripts/ensure-postgres.sh)"
        )
        if _ci():
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    with running_postgres(bindir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh database on the session's server."""
    return postgres_server.create_database("twiliokit_test")
