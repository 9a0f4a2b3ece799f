"""Opening a ledger from a URL: the default location, the accepted forms, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres import PostgresServer
from twiliokit.errors import StorageError, ValidationError
from twiliokit.ledger import (
    MemoryLedger,
    SqlLedger,
    default_ledger_path,
    default_ledger_url,
    open_ledger,
)
from twiliokit.ledger.urls import resolve_ledger_url


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private user data directory (platformdirs reads XDG_DATA_HOME on Linux)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def test_default_ledger_lives_in_the_user_data_directory(data_home: Path) -> None:
    """With no URL the ledger is twiliokit/ledger.sqlite3 in the user data directory."""
    assert default_ledger_path() == data_home / "twiliokit" / "ledger.sqlite3"
    assert default_ledger_url() == f"sqlite:///{data_home / 'twiliokit' / 'ledger.sqlite3'}"


@pytest.mark.anyio
@pytest.mark.parametrize("url", [None, "", "  "])
async def test_no_url_opens_the_default_sqlite_file(data_home: Path, url: str | None) -> None:
    """Opening without a URL creates the directory, migrates the file and uses WAL."""
    async with await open_ledger(url) as ledger:
        assert isinstance(ledger, SqlLedger)
        assert await ledger.claim("k", "test") is True
        mode = await ledger.read(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar())
    assert mode == "wal"
    assert default_ledger_path().is_file()


@pytest.mark.anyio
async def test_memory_url_gives_the_in_memory_fake() -> None:
    """memory:// is the in-memory fake: nothing touches the disk."""
    async with await open_ledger("memory://") as ledger:
        assert isinstance(ledger, MemoryLedger)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///l.db", "sqlite:///l.db"),
        ("sqlite+aiosqlite:////abs/l.db", "sqlite:////abs/l.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@/db?host=/run/pg", "postgresql+psycopg://u@/db?host=%2Frun%2Fpg"),
    ],
)
def test_accepted_url_forms(url: str, expected: str) -> None:
    """SQLite and PostgreSQL URLs in their usual spellings map to the drivers the ledger uses."""
    target = resolve_ledger_url(url)
    assert target.url is not None
    assert target.url.render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "not a url", "postgresql+asyncpg://h/d"],
)
def test_unusable_urls_name_the_field_and_the_fix(url: str) -> None:
    """A URL the ledger cannot use is a ValidationError on ledger_url that says what works."""
    with pytest.raises(ValidationError) as caught:
        resolve_ledger_url(url)
    assert caught.value.field == "ledger_url"
    assert "memory://" in caught.value.message


def test_passwords_stay_out_of_reprs() -> None:
    """A ledger URL's password never shows in a repr."""
    target = resolve_ledger_url("postgresql://user:s3cret@db.example.com/ledger")
    assert "s3cret" not in repr(target)


@pytest.mark.anyio
async def test_unreachable_database_is_a_storage_error(tmp_path: Path) -> None:
    """A database that cannot be reached is a StorageError without the password or SQL."""
    url = f"postgresql://user:s3cret@/ledger?host={tmp_path / 'no-server-here'}"
    with pytest.raises(StorageError) as caught:
        await open_ledger(url)
    assert "s3cret" not in str(caught.value)
    assert caught.value.hint is not None


@pytest.mark.anyio
async def test_uncreatable_directory_is_a_storage_error(tmp_path: Path) -> None:
    """A SQLite path under a regular file fails with a StorageError naming the directory."""
    (tmp_path / "file").write_text("")
    with pytest.raises(StorageError, match="directory"):
        await open_ledger(f"sqlite:///{tmp_path / 'file' / 'ledger.sqlite3'}")


@pytest.mark.anyio
async def test_postgres_settings_in_the_url_reach_the_ledger_connections(
    postgres_server: PostgresServer, postgres_template: str
) -> None:
    """libpq's ``options`` in the URL (how docs/ledger.md turns off synchronous commit for
    volume) applies to the ledger's connections, and writes work with it."""
    url = postgres_server.create_database("ledger_options", template=postgres_template)
    async with await open_ledger(f"{url}&options=-c%20synchronous_commit%3Doff") as ledger:
        assert await ledger.claim("k", "test") is True
        setting = await ledger.read(lambda c: c.exec_driver_sql("SHOW synchronous_commit").scalar())
    assert setting == "off"
