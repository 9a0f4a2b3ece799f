"""The ledger's write statements, compiled once and run on the DBAPI cursor (the hot path).

Why by hand: ``Connection.execute`` spends tens of microseconds of Python per statement on
bookkeeping (cache keys, execution contexts, result objects) that a ledger write does not need;
at five statements per webhook that was most of a write's cost. The statements are still built
and compiled by SQLAlchemy, and every parameter still goes through its column type's own bind
processor, so the stored values are exactly those SQLAlchemy would store (the contract suite
reads them back through SQLAlchemy).

On SQLite a group of writes runs one ``executemany`` per statement (:class:`CompiledWrite`):
sqlite3 runs it in C, in-process. On PostgreSQL a group of rows goes in *one* statement
(:class:`SetWrite`): the rows travel as one JSON parameter that ``json_to_recordset`` turns back
into typed rows on the server. Row by row, psycopg spends tens of microseconds of Python per row
and the server plans and runs one statement per row; as a set, the client encodes JSON in
native code (orjson) and the server runs one statement per table per group (measured in
docs/benchmarks.md). The statements are sent in psycopg's pipeline mode: a round trip only
where row counts decide what happens next (:meth:`RawWrites.counts` then
:meth:`RawWrites.sync`), one for the rest when the block ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, closing
from datetime import datetime
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import JSON, Table, Text, bindparam, cast, column, func, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import Insert

__all__ = [
    "CompiledWrite",
    "Counts",
    "RawWrites",
    "SetWrite",
    "Write",
    "set_source",
    "together",
]


class CompiledWrite:
    """One INSERT (or upsert) compiled for a dialect, for rows with exactly ``keys``.

    With ``shared_times``, :meth:`parameters_many` processes each distinct datetime once per
    call: rows written together in bulk (an outbox batch) share a few times, and processing a
    datetime for SQLite costs more than the rest of its row.
    """

    def __init__(
        self,
        statement: Insert,
        dialect: Dialect,
        keys: Sequence[str],
        *,
        shared_times: bool = False,
    ) -> None:
        self._shared_times = shared_times
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

    def parameters_many(
        self, rows: Sequence[Mapping[str, Any]]
    ) -> list[Sequence[Any] | dict[str, Any]]:
        """:meth:`parameters` of each row (see ``shared_times``)."""
        if not self._shared_times:
            return [self.parameters(row) for row in rows]
        done: dict[tuple[str, datetime], Any] = {}  # processed times, by column and value

        def process(name: str, processor: Callable[[Any], Any] | None, value: Any) -> Any:
            if processor is None or value is None:
                return value
            if type(value) is not datetime:
                return processor(value)
            key = (name, value)
            found = done.get(key, _MISSING)
            if found is _MISSING:
                found = done[key] = processor(value)
            return found

        plan = self._plan
        if self._positional:
            return [[process(name, p, row[name]) for name, p in plan] for row in rows]
        return [{name: process(name, p, row[name]) for name, p in plan} for row in rows]


_MISSING = object()


def set_source(insert: Any, table: Table) -> Insert:
    """``insert(table)`` whose rows come from one JSON parameter, ``rows`` (a JSON array of
    objects keyed by column name), for :class:`SetWrite`. ``ON CONFLICT`` clauses chain on it as
    on a plain insert (``excluded`` is each inserted row)."""
    columns = [c for c in table.columns if c.name != "id"]  # ids are generated
    # json, not jsonb: nested JSON values (message media, webhook parameters) keep their text,
    # key order included, as a json column stores it.
    rows = (
        func.json_to_recordset(cast(bindparam("rows", type_=Text()), JSON))
        .table_valued(*(column(c.name, c.type) for c in columns))
        .render_derived(name="r", with_types=True)
    )
    statement: Insert = insert(table).from_select(
        [c.name for c in columns], select(*(rows.c[c.name] for c in columns))
    )
    return statement


class SetWrite:
    """One INSERT (or upsert) that writes a whole set of rows at once (PostgreSQL).

    ``statement`` is built on :func:`set_source`; ``key`` names the columns of its conflict
    target (none for plain inserts). One statement must not touch a row twice (PostgreSQL
    refuses an upsert that does, and a count could not say which row won), so rows that share
    a key go in successive statements ("waves"), in order: the first of each key in the first
    wave, the second in the next, which is what writing them one by one would do.
    """

    def __init__(
        self, statement: Insert, dialect: Dialect, key: Sequence[str] = (), *, table: Table
    ) -> None:
        self.sql = str(statement.compile(dialect=dialect))
        self.key = tuple(key)
        returning = statement.returning(*(table.c[name] for name in key)) if key else None
        self.counted_sql = None if returning is None else str(returning.compile(dialect=dialect))

    def waves(self, rows: Sequence[Mapping[str, Any]]) -> list[list[int]]:
        """Indexes of ``rows`` per statement: no key twice in one, each key's rows in order."""
        if not self.key:
            return [list(range(len(rows)))]
        keys = [tuple(row[name] for name in self.key) for row in rows]
        if len(set(keys)) == len(keys):  # the usual case: every row its own key
            return [list(range(len(rows)))]
        waves: list[list[int]] = []
        seen: dict[tuple[Any, ...], int] = {}
        for index, key in enumerate(keys):
            wave = seen.get(key, -1) + 1
            seen[key] = wave
            if wave == len(waves):
                waves.append([])
            waves[wave].append(index)
        return waves

    def parameters(self, rows: Sequence[Mapping[str, Any]], name: str = "rows") -> dict[str, str]:
        """``rows`` as the statement's one parameter (called ``name``, see :func:`together`).

        Encoded by orjson: several times faster than the stdlib's encoder here, mostly because
        it writes datetimes itself (ISO 8601 with their offset) instead of calling back into
        Python for each. Rows hold the ledger records' aware UTC datetimes; a naive one, which
        no record can hold, would still be stored as UTC, never as the server's local time.
        """
        return {name: orjson.dumps(rows, option=orjson.OPT_NAIVE_UTC).decode()}


@functools.lru_cache(maxsize=64)
def together(writes: tuple[SetWrite, ...]) -> str:
    """One statement running ``writes`` (each into a different table): all but the last as
    data-modifying ``WITH`` queries, parameters ``rows0``, ``rows1``... in order.

    PostgreSQL runs every ``WITH`` query to completion, all on one snapshot; that equals
    running them one after another because each writes its own table and reads no other's.
    One statement instead of several is one parse, plan and execute on the server, and one
    trip through psycopg's per-statement machinery (about 100 µs on the 2-core dev machine).
    """
    sql = [write.sql.replace("%(rows)s", f"%(rows{n})s") for n, write in enumerate(writes)]
    if len(sql) == 1:
        return sql[0]
    ctes = ", ".join(f"w{n} AS ({text})" for n, text in enumerate(sql[:-1]))
    return f"WITH {ctes} {sql[-1]}"


Write = CompiledWrite | SetWrite
"""A compiled write of either kind; :class:`RawWrites` runs both."""


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

    def run_many(self, write: Write, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute ``write`` for several rows."""
        if isinstance(write, SetWrite):
            for wave in write.waves(rows):
                self._cursor.execute(write.sql, write.parameters([rows[i] for i in wave]))
            return
        self._cursor.executemany(write.sql, write.parameters_many(rows))

    def run_all(self, writes: Sequence[tuple[Write, Sequence[Mapping[str, Any]]]]) -> None:
        """Execute each write for its rows (each write into a different table, none reading
        another's): on PostgreSQL in one statement (:func:`together`), where no key repeats."""
        sets = [(w, rows) for w, rows in writes if isinstance(w, SetWrite) and rows]
        if self._pipeline is None or len(sets) != len(writes):
            for write, rows in writes:
                self.run_many(write, rows)
            return
        first: list[tuple[SetWrite, list[Mapping[str, Any]]]] = []
        later: list[tuple[SetWrite, list[Mapping[str, Any]]]] = []
        for write, rows in sets:
            waves = write.waves(rows)
            first.append((write, [rows[i] for i in waves[0]]))
            later += [(write, [rows[i] for i in wave]) for wave in waves[1:]]
        parameters: dict[str, str] = {}
        for n, (write, rows) in enumerate(first):
            parameters |= write.parameters(rows, f"rows{n}")
        self._cursor.execute(together(tuple(w for w, _ in first)), parameters)
        for write, rows in later:  # a key's second row, and so on: after its first
            self._cursor.execute(write.sql, write.parameters(rows))

    def counts(self, write: Write, rows: Sequence[Mapping[str, Any]]) -> Counts:
        """Execute ``write`` for each row; the returned :class:`Counts` says how many rows
        each one inserted or updated (on PostgreSQL, read it after :meth:`sync`)."""
        if not rows:
            return Counts(list)
        if isinstance(write, SetWrite):
            counts = self._set_counts(write, rows)
        elif self._pipeline is None:
            # sqlite3's executemany reports only a total: one execute per row.
            cursor = self._cursor
            found = []
            for row in rows:
                cursor.execute(write.sql, write.parameters(row))
                found.append(cursor.rowcount)
            return Counts(lambda: found)
        else:
            # Its own cursor, which keeps one result per row (returning=True) until read.
            cursor = self._dbapi.cursor()
            counts = Counts(lambda: _row_counts(cursor), [cursor])
            cursor.executemany(write.sql, [write.parameters(row) for row in rows], returning=True)
        self._counted.append(counts)
        return counts

    def _set_counts(self, write: SetWrite, rows: Sequence[Mapping[str, Any]]) -> Counts:
        """Each wave on its own cursor, returning the keys it wrote: a row counts 1 if its key
        came back (keys are unique within a wave)."""
        if write.counted_sql is None:
            raise AssertionError("only a write with a conflict key can be counted")
        waves = write.waves(rows)
        cursors = [self._dbapi.cursor() for _ in waves]
        for cursor, wave in zip(cursors, waves, strict=True):
            cursor.execute(write.counted_sql, write.parameters([rows[i] for i in wave]))

        def read() -> list[int]:
            found = [0] * len(rows)
            for cursor, wave in zip(cursors, waves, strict=True):
                written = {tuple(r) for r in cursor.fetchall()}
                for i in wave:
                    found[i] = int(tuple(rows[i][name] for name in write.key) in written)
            return found

        return Counts(read, cursors)

    def sync(self) -> None:
        """Send everything queued and wait for it (a round trip on PostgreSQL; else nothing)."""
        if self._pipeline is not None:
            self._pipeline.sync()


class Counts:
    """Row counts of the statements one :meth:`RawWrites.counts` call ran, one per row."""

    def __init__(self, read: Callable[[], list[int]], cursors: Sequence[Any] = ()) -> None:
        self._read = read
        self._cursors = cursors
        self._found: list[int] | None = None

    def __call__(self) -> list[int]:
        """The counts (on PostgreSQL the statements must have been synced)."""
        if self._found is None:
            self._found = self._read()
        return self._found

    def close(self) -> None:
        """Release the cursors (the counts already read stay readable)."""
        for cursor in self._cursors:
            cursor.close()


def _row_counts(cursor: Any) -> list[int]:
    """The row count of each result of an ``executemany(..., returning=True)``."""
    found: list[int] = []
    while True:
        found.append(cursor.rowcount)
        if not cursor.nextset():
            return found
