"""The ledger's write statements, compiled once and run on the DBAPI cursor (the hot path).

Why by hand: ``Connection.execute`` spends tens of microseconds of Python per statement on
bookkeeping (cache keys, execution contexts, result objects) that a ledger write does not need;
at five statements per webhook that was most of a write's cost. The statements are still built
and compiled by SQLAlchemy, and every parameter still goes through its column type's own bind
processor, so the stored values are exactly those SQLAlchemy would store (the contract suite
reads them back through SQLAlchemy). On PostgreSQL one write's statements are sent in psycopg's
pipeline mode: a round trip where a row count decides what happens next, one for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, closing
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import Insert

__all__ = ["CompiledWrite", "RawWrites"]


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
        self._names = names
        processors: dict[str, Callable[[Any], Any]] = {}
        for name in set(names):
            processor = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        self._processors = processors

    def parameters(self, row: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """``row`` as the driver wants it: processed, positional or by name."""
        processors = self._processors
        values = {
            name: processors[name](row[name]) if name in processors else row[name]
            for name in set(self._names)
        }
        if self._positional:
            return [values[name] for name in self._names]
        return values


class RawWrites:
    """Runs compiled writes on one transaction's DBAPI connection.

    Use as a context manager inside the transaction; on psycopg the block is a pipeline.
    """

    def __init__(self, connection: Connection) -> None:
        self._dbapi: Any = connection.connection.driver_connection
        self._exit = ExitStack()
        self._cursor: Any = None
        self._pipeline: Any = None

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
        # Leaving the pipeline sends what is still queued and raises any error it got.
        self._exit.__exit__(exc_type, exc, tb)

    def run(self, write: CompiledWrite, row: Mapping[str, Any]) -> None:
        """Execute ``write`` for one row; its outcome is not needed."""
        self._cursor.execute(write.sql, write.parameters(row))

    def run_many(self, write: CompiledWrite, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute ``write`` for several rows."""
        self._cursor.executemany(write.sql, [write.parameters(row) for row in rows])

    def count(self, write: CompiledWrite, row: Mapping[str, Any]) -> int:
        """Execute ``write`` for one row and return how many rows it inserted or updated."""
        if self._pipeline is None:
            self._cursor.execute(write.sql, write.parameters(row))
            rowcount: int = self._cursor.rowcount
            return rowcount
        cursor = self._dbapi.cursor()  # its own cursor: the shared one's result may be pending
        try:
            cursor.execute(write.sql, write.parameters(row))
            self._pipeline.sync()
            counted: int = cursor.rowcount
            return counted
        finally:
            cursor.close()
