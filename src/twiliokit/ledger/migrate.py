"""Ledger migrations (alembic, shipped inside the package) and the helpers that run them.

``open_ledger`` runs :func:`upgrade` for real databases; it never uses ``create_all``. The
alembic environment lives in ``twiliokit/ledger/migrations`` and keeps its revision in its own
table (``twiliokit_ledger_version``), so the ledger can share a database with an application
that has its own alembic history.

To write a new revision after changing ``schema.py``: migrate a scratch SQLite file to the
current head, call ``revision("sqlite:////tmp/scratch.db", "what changed")``, then tidy the
generated file (spell types out, as ``r0001_initial.py`` does); the migration test proves the
result matches the schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from twiliokit.errors import StorageError
from twiliokit.ledger.database import create_ledger_engine, naming_url, translated
from twiliokit.ledger.files import prepare_sqlite_file
from twiliokit.ledger.runners import configure_sqlite
from twiliokit.ledger.urls import resolve_ledger_url

__all__ = [
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "revision",
    "upgrade",
]

VERSION_TABLE = "twiliokit_ledger_version"
SCRIPT_LOCATION = "twiliokit.ledger:migrations"
# Any fixed 64-bit number; serialises concurrent migrations on one PostgreSQL database.
_PG_LOCK_KEY = 0x7477_6C6B_6C65_6467


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config for the ledger's migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of twiliokit."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the ledger ships at least one revision"
    return head


@contextmanager
def _migrating(url: str | URL | None) -> Iterator[Connection]:
    target = resolve_ledger_url(url)
    if target.url is None:
        raise StorageError("the in-memory ledger has no schema to migrate")
    if target.sqlite_path is not None:
        ensure_directory(target.sqlite_path, target.url)
    engine = create_ledger_engine(target.url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, always_immediate=True)
    hint = "check that the ledger database is reachable and that this user may create tables in it"
    try:
        with (
            translated("migration", (SQLAlchemyError,), hint=hint, opening=target.url),
            engine.begin() as connection,
        ):
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            yield connection
    finally:
        engine.dispose()


def ensure_directory(sqlite_path: Path, url: URL) -> None:
    """Check the SQLite file's path and create the file, private (the default ledger's
    directory too: :mod:`.files`); StorageError naming ``url`` and what is wrong when that is
    impossible."""
    with naming_url(url):
        prepare_sqlite_file(sqlite_path)


def upgrade(url: str | URL | None, revision: str = "head") -> None:
    """Migrate the ledger at ``url`` (``None``: the default SQLite file) up to ``revision``.

    Safe to run concurrently from several processes: they queue on a lock (a PostgreSQL
    advisory lock, SQLite's write lock) and later ones find nothing to do.
    """
    for attempt in range(_LOCKED_ATTEMPTS):
        try:
            with _migrating(url) as connection:
                command.upgrade(alembic_config(connection), revision)
            return
        except StorageError as exc:
            # SQLite answers "database is locked" without waiting in a few cases (switching a
            # new file to WAL while another process migrates it). Migrating is idempotent:
            # try again, and the later attempt finds the schema up to date.
            if attempt + 1 == _LOCKED_ATTEMPTS or not _locked(exc):
                raise
            time.sleep(0.05 * (attempt + 1))


#: How many times a migration meeting a locked SQLite database is tried.
_LOCKED_ATTEMPTS = 5


def _locked(exc: StorageError) -> bool:
    cause = exc.__cause__
    return "database is locked" in str(getattr(cause, "orig", cause))


def downgrade(url: str | URL | None, revision: str) -> None:
    """Migrate the ledger down to ``revision`` (``"base"`` drops every ledger table)."""
    with _migrating(url) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(url: str | URL | None) -> str | None:
    """The revision the ledger at ``url`` is at; ``None`` before the first migration."""
    with _migrating(url) as connection:
        return revision_of(connection)


def revision_of(connection: Connection) -> str | None:
    """The revision recorded in the database behind ``connection``."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def revision(url: str | URL, message: str) -> None:
    """Autogenerate a new revision by comparing the database at ``url`` with ``schema.py``.

    For developers of twiliokit; the database should be at the current head.
    """
    with _migrating(url) as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
