"""Migrations are proven against the schema: migrating up gives the same database as
``metadata.create_all``, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.pool import NullPool

from tests.postgres import PostgresServer
from twiliokit.errors import StorageError
from twiliokit.ledger import current_revision, downgrade, head_revision, open_ledger, upgrade
from twiliokit.ledger.migrate import VERSION_TABLE
from twiliokit.ledger.schema import metadata
from twiliokit.ledger.urls import resolve_ledger_url

_numbers = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of URLs of new, empty databases (no tables at all)."""

    def new_url() -> str:
        number = next(_numbers)
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'empty-{number}.sqlite3'}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.create_database(f"empty_{number}")

    return new_url


def _engine(url: str) -> Iterator[Engine]:
    target = resolve_ledger_url(url)
    assert target.url is not None
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, Any]:
    """Everything about the ledger tables that a migration could get wrong."""
    for engine in _engine(url):
        inspector = inspect(engine)
        tables: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) - {VERSION_TABLE}):
            tables[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("autoincrement"))
                    for c in inspector.get_columns(table)
                ],
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), i["unique"])
                    for i in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)
                ),
                "foreign_keys": inspector.get_foreign_keys(table),
            }
        return tables
    raise AssertionError("unreachable")


def _differences(url: str) -> list[Any]:
    for engine in _engine(url):
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            return list(compare_metadata(context, metadata))
    raise AssertionError("unreachable")


def test_migrating_up_equals_creating_fresh(empty_url: Callable[[], str]) -> None:
    """The migrations build exactly the tables, columns, types and indexes of schema.py."""
    migrated, fresh = empty_url(), empty_url()
    upgrade(migrated)
    for engine in _engine(fresh):
        metadata.create_all(engine)

    assert _differences(migrated) == []
    assert _schema(migrated) == _schema(fresh)
    assert set(_schema(migrated)) == {table.name for table in metadata.sorted_tables}
    assert current_revision(migrated) == head_revision()


def test_downgrade_then_upgrade_round_trips(empty_url: Callable[[], str]) -> None:
    """Every revision can be undone to an empty database and applied again."""
    url = empty_url()
    upgrade(url)
    downgrade(url, "base")
    assert _schema(url) == {}
    assert current_revision(url) is None
    upgrade(url)
    assert _differences(url) == []


def test_concurrent_upgrades_do_not_collide(empty_url: Callable[[], str]) -> None:
    """Several processes opening a new ledger at once all succeed (they queue on a lock)."""
    url = empty_url()
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        try:
            start.wait()
            upgrade(url)
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(url) == head_revision()


@pytest.mark.anyio
async def test_unmigrated_database_is_refused_without_migrating(
    empty_url: Callable[[], str],
) -> None:
    """With migrate=False, a database behind the code's schema is refused with a fix."""
    url = empty_url()
    with pytest.raises(StorageError, match=f"not {head_revision()}") as caught:
        await open_ledger(url, migrate=False)
    assert caught.value.hint is not None
    assert "upgrade" in caught.value.hint
    upgrade(url)
    async with await open_ledger(url, migrate=False) as ledger:
        assert await ledger.get_message("SM404") is None
