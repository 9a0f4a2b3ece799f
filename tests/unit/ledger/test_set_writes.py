"""PostgreSQL's set-at-a-time ledger writes: how rows are split into statements (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import SetWrite, set_source, together

DIALECT = PGDialect_psycopg()


def _write(table: str = "statuses", key: tuple[str, ...] = ("sid",)) -> SetWrite:
    target = getattr(t, table)
    statement = set_source(postgresql.insert, target).on_conflict_do_nothing(
        index_elements=list(key) or None
    )
    return SetWrite(statement, DIALECT, key, table=target)


def test_rows_sharing_a_key_go_in_successive_statements_in_order() -> None:
    """A key's first row is in the first statement, its second in the next, and so on, so no
    statement touches a row twice and each key's rows keep their order."""
    rows = [{"sid": s} for s in ("a", "b", "a", "c", "a", "b")]
    assert _write().waves(rows) == [[0, 1, 3], [2, 5], [4]]


def test_rows_without_a_key_go_in_one_statement() -> None:
    """Plain inserts (deliveries, consent events) never need more than one statement."""
    write = _write("webhook_deliveries", ())
    assert write.waves([{"sid": "a"}, {"sid": "a"}]) == [[0, 1]]
    assert write.counted_sql is None


def test_rows_travel_as_one_json_parameter_with_utc_instants() -> None:
    """Datetimes become ISO 8601 with their offset; everything else is plain JSON."""
    rows = [{"sid": "a", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "n": None}]
    assert _write().parameters(rows, "rows3") == {
        "rows3": '[{"sid":"a","at":"2026-01-02T03:04:05+00:00","n":null}]'
    }


def test_a_naive_datetime_travels_as_utc_never_as_local_time() -> None:
    """Records hold aware datetimes only; were a naive one to reach a row, it is stored as
    UTC, whatever the server's time zone."""
    assert _write().parameters([{"at": datetime(2026, 1, 2)}]) == {
        "rows": '[{"at":"2026-01-02T00:00:00+00:00"}]'
    }


def test_rows_with_distinct_keys_go_in_one_statement() -> None:
    """The usual group (every row its own key) is one statement, rows in order."""
    assert _write().waves([{"sid": s} for s in ("c", "a", "b")]) == [[0, 1, 2]]


def test_writes_into_several_tables_become_one_statement() -> None:
    """All but the last write run as WITH queries, each reading its own numbered parameter."""
    first, second = _write(), _write("messages")
    sql = together((first, second))
    assert sql.startswith("WITH w0 AS (INSERT INTO twiliokit_statuses")
    assert "%(rows0)s" in sql
    assert "%(rows1)s" in sql
    assert "%(rows)s" not in sql
    assert together((first,)) == first.sql.replace("%(rows)s", "%(rows0)s")
