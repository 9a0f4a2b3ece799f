"""``open_ledger``: one call from a URL to a ready, migrated ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import URL

from twiliokit.errors import StorageError
from twiliokit.ledger.database import create_ledger_engine
from twiliokit.ledger.memory import MemoryLedger
from twiliokit.ledger.migrate import ensure_directory, head_revision, revision_of, upgrade
from twiliokit.ledger.runners import GROUP_WINDOW, READER_THREADS, ThreadRunner, configure_sqlite
from twiliokit.ledger.sql import SqlLedger
from twiliokit.ledger.store import LedgerStore
from twiliokit.ledger.urls import resolve_ledger_url

__all__ = ["open_ledger"]


async def open_ledger(
    url: str | None = None,
    *,
    migrate: bool = True,
    on_commit: Callable[[int, float], None] | None = None,
) -> LedgerStore:
    """Open the ledger at ``url`` (see :mod:`twiliokit.ledger.urls` for the forms).

    ``None`` or ``""`` opens SQLite in the user data directory, creating it; a SQLite file
    elsewhere is created if missing, in a directory that must exist; ``memory://`` a fresh
    :class:`MemoryLedger`. Real databases are migrated to the newest schema first; with
    ``migrate=False`` a database that is not at the newest revision is refused (run
    :func:`twiliokit.ledger.upgrade` from a deploy step instead). ``on_commit(size, seconds)``
    hears of each commit of a SQL ledger's writer (metrics). Close the ledger when done, or use
    it as ``async with``.
    """
    target = resolve_ledger_url(url)
    if target.url is None:
        return MemoryLedger()
    if migrate:
        # Alembic is synchronous; run it off the event loop.
        await asyncio.to_thread(upgrade, target.url)
    ledger = SqlLedger(_runner(target.url, target.sqlite_path, on_commit))
    if not migrate:
        try:
            found = await ledger.read(revision_of)
        except StorageError:
            await ledger.close()
            raise
        if found != head_revision():
            await ledger.close()
            raise StorageError(
                f"the ledger schema is at revision {found or 'none'}, not {head_revision()}",
                hint="run twiliokit.ledger.upgrade(url), or open it with migrate=True",
            )
    return ledger


def _runner(
    url: URL, sqlite_path: Path | None, on_commit: Callable[[int, float], None] | None
) -> ThreadRunner:
    if sqlite_path is not None:
        ensure_directory(sqlite_path, url)
    engine = create_ledger_engine(url, pool_size=READER_THREADS + 1, max_overflow=0)
    if sqlite_path is not None:
        configure_sqlite(engine)
    return ThreadRunner(engine, window=GROUP_WINDOW, on_commit=on_commit)
