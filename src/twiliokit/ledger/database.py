"""What the SQL store and the migrations share about a ledger database: opening its engine,
and translating its errors into :class:`~twiliokit.errors.StorageError`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import URL, Engine, create_engine

from twiliokit.errors import ConfigurationError, StorageError

__all__ = ["LEDGER_HINT", "create_ledger_engine", "translated", "translated_ledger"]

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


@contextmanager
def translated(operation: str, errors: tuple[type[Exception], ...], *, hint: str) -> Iterator[None]:
    """Database ``errors`` raised inside become ``StorageError("ledger {operation} failed")``
    with ``hint``, naming the error's type but not its SQL or parameters (they hold numbers)."""
    try:
        yield
    except errors as exc:
        cause = type(getattr(exc, "orig", None) or exc).__name__
        raise StorageError(f"ledger {operation} failed ({cause})", hint=hint) from exc


def translated_ledger(
    operation: str, errors: tuple[type[Exception], ...]
) -> AbstractContextManager[None]:
    """:func:`translated` with :data:`LEDGER_HINT`: a store's reads and writes."""
    return translated(operation, errors, hint=LEDGER_HINT)
