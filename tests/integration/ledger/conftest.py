"""Fixtures for the ledger tests: a fresh, empty ledger of each kind (memory, SQLite and
PostgreSQL), given as a URL factory and as an open store."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from tests.postgres import PostgresServer, postgres_server  # noqa: F401 (fixture)
from twiliokit.ledger import LedgerStore, open_ledger, upgrade
from twiliokit.ledger.runners import configure_sqlite
from twiliokit.ledger.urls import resolve_ledger_url

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

_numbers = itertools.count()

NewUrl = Callable[[], str]


def migrated_engine(url: str) -> Engine:
    """An engine on the database at ``url``, migrated, set up as the ledger sets it up."""
    upgrade(url)
    target = resolve_ledger_url(url)
    assert target.url is not None
    engine = create_engine(target.url)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:  # noqa: F811 (fixture)
    """A migrated PostgreSQL database that each test's database is copied from."""
    upgrade(postgres_server.create_database("ledger_template"))
    return "ledger_template"


def _url_factory(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> NewUrl:
    def new_url() -> str:
        number = next(_numbers)
        if kind == "memory":
            return "memory://"
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'ledger-{number}.sqlite3'}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        template: str = request.getfixturevalue("postgres_template")
        return server.create_database(f"ledger_{number}", template=template)

    return new_url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The kind of store under test."""
    kind: str = request.param
    return kind


@pytest.fixture
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> str:
    """The URL of a fresh, empty ledger of the kind under test."""
    return _url_factory(request, tmp_path, backend)()


@pytest.fixture
async def ledger(ledger_url: str) -> AsyncIterator[LedgerStore]:
    """An open, empty ledger of the kind under test."""
    async with await open_ledger(ledger_url) as store:
        yield store


@pytest.fixture(params=SQL_BACKENDS)
def sql_backend(request: pytest.FixtureRequest) -> str:
    """A database kind (SQLite or PostgreSQL)."""
    kind: str = request.param
    return kind


@pytest.fixture
def new_sql_url(request: pytest.FixtureRequest, tmp_path: Path, sql_backend: str) -> NewUrl:
    """A factory of URLs of fresh, migrated databases of the kind under test."""
    return _url_factory(request, tmp_path, sql_backend)
