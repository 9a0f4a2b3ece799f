"""The ledger's write statements, compiled once and run on the DBAPI cursor (the hot path).

Why by hand: ``Connection.execute`` spends tens of microseconds of Python per statement on
bookkeeping (cache keys, execution contexts, result objects) that a ledger write does not need;
at five statements per webhook that was most of a write's cost. The statements are still built
and compiled by SQLAlchemy, and every parameter still goes through its column type's own bind
processor, so the stored values are exactly those SQLAlchemy would store (the contract suite
reads them back through SQLAlchemy).

A group of writes runs one ``executemany`` per statement. On PostgreSQL the statements are
sent in psycopg's pipeline mode: a round trip only where row counts decide what happens next
(:meth:`RawWrites.counts` then :meth:`RawWrites.sync`), one for the rest when the block ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, closing
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import Insert

__all__ = ["CompiledWrite", "Counts", "RawWrites"]


class CompiledWrite:
    """One INSERT (or upsert) compiled for a dialect, for rows with exactly ``keys``."""

    def __init__(self, statement: Insert, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        binds = compiled.binds
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(binds)
        unknown = set(names) - set(keys)
        if unknown:
            raise AssertionError(f"statement needs parameters the rows lack: {sorted(unknown)}")
        self._positional = compiled.positional
        processors: dict[str, Callable[[Any], Any] | None] = {
            name: binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in set(names)
        }
        # (name, processor or None) in the order the driver wants them (positional), or once
        # each (by name).
        order = names if compiled.positional else tuple(dict.fromkeys(names))
        self._plan = tuple((name, processors[name]) for name in order)

    def parameters(self, row: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """``row`` as the driver wants it: processed, positional or by name."""
        if self._positional:
            return [
                row[name] if processor is None else processor(row[name])
                for name, processor in self._plan
            ]
        return {
            name: row[name] if processor is None else processor(row[name])
            for name, processor in self._plan
        }


class RawWrites:
    """Runs compiled writes on one transaction's DBAPI connection.

    Use as a context manager inside the transaction; on psycopg the block is a pipeline.
    """

    def __init__(self, connection: Connection) -> None:
        self._dbapi: Any = connection.connection.driver_connection
        self._exit = ExitStack()
        self._cursor: Any = None
        self._pipeline: Any = None
        self._counted: list[Counts] = []

    def __enter__(self) -> RawWrites:
        with ExitStack() as stack:
            self._cursor = stack.enter_context(closing(self._dbapi.cursor()))
            # psycopg 3 connections have pipeline(); sqlite3 runs in-process and needs none.
            if hasattr(self._dbapi, "pipeline"):
                self._pipeline = stack.enter_context(self._dbapi.pipeline())
            self._exit = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # Leaving the pipeline sends what is still queued and raises any error it got.
            self._exit.__exit__(exc_type, exc, tb)
            if exc is None:
                for counts in self._counted:
                    counts()  # read while their cursors are open
        finally:
            for counts in self._counted:
                counts.close()

    def run_many(self, write: CompiledWrite, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute ``write`` for several rows."""
        self._cursor.executemany(write.sql, [write.parameters(row) for row in rows])

    def counts(self, write: CompiledWrite, rows: Sequence[Mapping[str, Any]]) -> Counts:
        """Execute ``write`` for each row; the returned :class:`Counts` says how many rows
        each one inserted or updated (on PostgreSQL, read it after :meth:`sync`)."""
        if not rows:
            return Counts(None)
        if self._pipeline is None:
            # sqlite3's executemany reports only a total: one execute per row.
            cursor = self._cursor
            found = []
            for row in rows:
                cursor.execute(write.sql, write.parameters(row))
                found.append(cursor.rowcount)
            return Counts(None, found)
        # Its own cursor, which keeps one result per row (returning=True) until read.
        counts = Counts(self._dbapi.cursor())
        self._counted.append(counts)
        counts.cursor.executemany(
            write.sql, [write.parameters(row) for row in rows], returning=True
        )
        return counts

    def sync(self) -> None:
        """Send everything queued and wait for it (a round trip on PostgreSQL; else nothing)."""
        if self._pipeline is not None:
            self._pipeline.sync()


class Counts:
    """Row counts of the statements one :meth:`RawWrites.counts` call ran, one per row."""

    def __init__(self, cursor: Any, found: list[int] | None = None) -> None:
        self.cursor = cursor
        self._found = found

    def __call__(self) -> list[int]:
        """The counts (on PostgreSQL the statements must have been synced)."""
        if self._found is None:
            found: list[int] = []
            cursor = self.cursor
            while cursor is not None:
                found.append(cursor.rowcount)
                if not cursor.nextset():
                    break
            self._found = found
        return self._found

    def close(self) -> None:
        """Release the cursor (the counts already read stay readable)."""
        if self.cursor is not None:
            self.cursor.close()
