"""What the SQL store and the migrations share about a ledger database: opening its engine,
and translating its errors into :class:`~twiliokit.errors.StorageError`.

An error opening the ledger (its file, its server) is said in plain words and starts with
:data:`LEDGER_URL` and the URL, its password masked, with field ``ledger_url``: "ledger URL
sqlite:////tmp/x.db: /tmp/x.db is not a SQLite database". A command line names its own flag
there instead (``--db``). Errors of reads and writes name the operation only: their database
messages can hold SQL or a row's values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final
from urllib.parse import quote

from sqlalchemy import URL, Engine, create_engine

from twiliokit.errors import ConfigurationError, StorageError

__all__ = [
    "LEDGER_HINT",
    "LEDGER_URL",
    "create_ledger_engine",
    "naming_url",
    "shown_url",
    "translated",
    "translated_ledger",
]

#: The words an error about where the ledger is starts with, before the URL.
LEDGER_URL: Final = "ledger URL"

LEDGER_HINT = (
    "check that the ledger database is reachable and migrated (twiliokit.ledger.upgrade), "
    "and that the disk is not full"
)
"""What a store's caller can do about a failed read or write."""


def create_ledger_engine(url: URL, **options: Any) -> Engine:
    """``create_engine(url, **options)``; a missing PostgreSQL driver is a ConfigurationError
    saying which extra to install."""
    try:
        return create_engine(url, **options)
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("psycopg"):
            raise ConfigurationError(
                "a PostgreSQL ledger needs psycopg: pip install 'twiliokit[postgres]'",
                field="ledger_url",
            ) from exc
        raise


#: A password as a shown URL has it (SQLAlchemy's own mask).
_HIDDEN: Final = "***"


def shown_url(url: URL) -> str:
    """``url`` as people and errors see it: the password masked, whether it is in the user
    info or a query parameter (``?password=``, ``?sslpassword=``, as libpq takes them)."""
    query = {
        key: _HIDDEN if "password" in key.lower() else value for key, value in url.query.items()
    }
    shown = url.set(query=query).render_as_string(hide_password=True)
    return shown.replace(f"={quote(_HIDDEN)}", f"={_HIDDEN}")  # rendered quoted: %2A%2A%2A


@contextmanager
def naming_url(url: URL) -> Iterator[None]:
    """A StorageError about where the ledger is (field ``ledger_url``) raised inside starts
    with :data:`LEDGER_URL` and ``url`` (password masked)."""
    try:
        yield
    except StorageError as exc:
        if exc.field == "ledger_url" and not exc.message.startswith(LEDGER_URL):
            exc.message = f"{LEDGER_URL} {shown_url(url)}: {exc.message}"
            exc.args = (exc.message,)
        raise


@contextmanager
def translated(
    operation: str,
    errors: tuple[type[Exception], ...],
    *,
    hint: str,
    opening: URL | None = None,
) -> Iterator[None]:
    """Database ``errors`` raised inside become ``StorageError("ledger {operation} failed")``
    with ``hint``, naming the error's type but not its SQL or parameters (they hold numbers).

    With ``opening`` (the URL being opened), the failures of opening a database that its
    driver words without SQL or values (not a database, cannot open, read-only, server
    unreachable) are said in plain words, naming the URL (see the module docstring)."""
    try:
        yield
    except errors as exc:
        original = getattr(exc, "orig", None) or exc
        plain = None if opening is None else _opening_failure(original, opening)
        if plain is not None and opening is not None:
            words, fix = plain
            raise StorageError(
                f"{LEDGER_URL} {shown_url(opening)}: {words}", hint=fix, field="ledger_url"
            ) from exc
        cause = type(original).__name__
        raise StorageError(f"ledger {operation} failed ({cause})", hint=hint) from exc


def translated_ledger(
    operation: str, errors: tuple[type[Exception], ...]
) -> AbstractContextManager[None]:
    """:func:`translated` with :data:`LEDGER_HINT`: a store's reads and writes."""
    return translated(operation, errors, hint=LEDGER_HINT)


#: SQLite's messages about a database file, and what to say instead ({path}: the file).
_SQLITE_FAILURES: Final = (
    ("file is not a database", "{path} is not a SQLite database"),
    ("database disk image is malformed", "the SQLite database {path} is damaged"),
    ("unable to open database file", "SQLite cannot open {path}"),
    ("attempt to write a readonly database", "{path} is read-only for this user"),
    ("database or disk is full", "the disk holding {path} is full"),
    ("disk i/o error", "reading or writing {path} failed (disk I/O error)"),
)
_SQLITE_FIX: Final = (
    "Give the path of a SQLite ledger twiliokit created, or of a new file in an existing "
    "directory you may write to."
)
_POSTGRES_FIX: Final = (
    "Check the host, port, user, password and database name in the URL, and that the "
    "server is running and accepts connections."
)


def _opening_failure(error: BaseException, url: URL) -> tuple[str, str] | None:
    """What went wrong opening the database at ``url``, in plain words, and the fix; ``None``
    when the driver's error is not one of those (it is then reported by type only)."""
    text = str(error)
    if url.get_backend_name() == "sqlite":
        lowered = text.lower()
        for found, words in _SQLITE_FAILURES:
            if found in lowered:
                return words.format(path=url.database), _SQLITE_FIX
        return None
    if type(error).__name__ != "OperationalError" or not text.startswith("connection"):
        return None
    # libpq's connection messages name the host, port, user and database, never the
    # password; a password is masked all the same should one ever be quoted.
    first = re.sub(r"^connection failed:\s*", "", text.splitlines()[0].strip())
    if url.password:
        first = first.replace(str(url.password), "***")
    return f"cannot connect to the PostgreSQL server: {first}", _POSTGRES_FIX
