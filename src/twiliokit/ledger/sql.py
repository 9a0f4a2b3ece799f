"""``SqlLedger``: the ledger in SQLite or PostgreSQL, on SQLAlchemy 2 Core.

Atomicity comes from the database, never from check-then-write:

- a claim is ``INSERT ... ON CONFLICT DO NOTHING``; the row count says who won;
- a status event is ``INSERT ... ON CONFLICT (sid, status) DO NOTHING`` (a duplicate inserts
  nothing), then the current status is an upsert whose ``DO UPDATE ... WHERE`` only lets a
  higher rank through (the SQL form of :func:`twiliokit.ledger.rules.advance`).

The outbox's operations are in :mod:`~twiliokit.ledger.outbox_sql` (mixed in).

Each ``write`` is one short transaction. Queries are plain functions of a synchronous
``Connection``; a :mod:`runner <twiliokit.ledger.runners>` runs them in threads (one writer
that group-commits; on SQLite its transactions start with ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import SQLAlchemyError

from twiliokit.errors import StorageError
from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import RawWrites, Write
from twiliokit.ledger.database import shown_url, translated_ledger
from twiliokit.ledger.group_plan import GroupPlan
from twiliokit.ledger.outbox_sql import SqlOutbox
from twiliokit.ledger.outbox_statements import OutboxStatements
from twiliokit.ledger.records import (
    BatchResult,
    CallRecord,
    CallStatusEvent,
    ConversationItem,
    Direction,
    IdempotencyState,
    IdempotentRequest,
    LedgerBatch,
    LedgerQuery,
    MessageRecord,
    OptOut,
    OptOutAction,
    OptOutEvent,
    StatusEvent,
    WebhookDelivery,
    require_utc,
)
from twiliokit.ledger.rows import (
    call_from_row,
    call_status_event_from_row,
    consent_from_row,
    idempotent_from_row,
    message_from_row,
    opt_out_from_row,
    status_event_from_row,
    utcnow,
    webhook_from_row,
)
from twiliokit.ledger.runners import Runner
from twiliokit.ledger.statements import (
    STATUS_COLUMNS,
    Statements,
    history_query,
    messages_query,
    search_query,
)
from twiliokit.ledger.store import BaseLedger, check_limit

__all__ = ["SqlLedger"]

T = TypeVar("T")


class SqlLedger(SqlOutbox, BaseLedger):
    """A ledger in SQLite or PostgreSQL; open it with :func:`twiliokit.ledger.open_ledger`.

    The schema must exist (``open_ledger`` migrates it). The runner is owned by the ledger and
    closed by :meth:`close`. ``set_writes=False`` writes PostgreSQL row by row, as SQLite is
    (same results; the benchmarks' point of comparison).
    """

    def __init__(self, runner: Runner, *, set_writes: bool = True) -> None:
        super().__init__()
        dialect = runner.dialect
        if dialect.name not in {"sqlite", "postgresql"}:
            raise StorageError(f"the ledger supports SQLite and PostgreSQL, not {dialect.name}")
        self._runner = runner
        sets = set_writes and dialect.name == "postgresql"
        self._sql = Statements(dialect, sets=sets)
        self._outbox = OutboxStatements(dialect)
        # Writes run on the DBAPI cursor (see compiled.py), so its errors are translated too.
        self._errors: tuple[type[Exception], ...] = (SQLAlchemyError, dialect.loaded_dbapi.Error)

    def __repr__(self) -> str:
        return f"SqlLedger({shown_url(self._runner.url)!r})"

    @property
    def dialect_name(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._runner.dialect.name

    async def close(self) -> None:
        await self._runner.close()

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(connection)`` where the ledger's reads run (for tests and tools)."""
        with translated_ledger("read", self._errors):
            return await self._runner.read(work)

    async def _all(self, query: Select[Any]) -> Sequence[Row[Any]]:
        def run(conn: Connection) -> Sequence[Row[Any]]:
            return conn.execute(query).all()

        return await self.read(run)

    # -- writes ----------------------------------------------------------------------------

    async def write(self, batch: LedgerBatch) -> BatchResult:
        with translated_ledger("write", self._errors):
            result = await self._runner.write_each(self._write_group, batch)
        if result.claimed and (
            batch.messages or batch.statuses or batch.calls or batch.call_statuses
        ):
            self._notify()
        return result

    def _write_group(self, conn: Connection, batches: Sequence[LedgerBatch]) -> list[BatchResult]:
        """Write ``batches`` in order in the caller's transaction: each statement once for the
        whole group (on SQLite an ``executemany``, on PostgreSQL a set of rows), in as many
        steps as row counts decide what comes next.

        Equivalent to writing the batches one by one, because every statement touches one
        table, reads nothing but that table, and each table's rows go in batch order:

        1. claims (who wins decides whether the rest of a batch is written);
        2. status events, when a status callback's "is it new" decides its status upsert;
        3. current statuses, messages, calls, deliveries and consent, all at once (on
           PostgreSQL in one statement, :meth:`RawWrites.run_all`).

        Message stubs go in before messages: a stub and a full record of one SID in one group
        end as the full record (with any field it lacks taken from the stub), as they would
        one by one in either order but for those few fields.
        """
        sql = self._sql
        with RawWrites(conn) as raw:
            claimed = [True] * len(batches)
            claims = [(i, b.claim) for i, b in enumerate(batches) if b.claim is not None]
            if claims:
                rows = [
                    {"kind": c.kind, "claim_key": c.key, "claimed_at": c.at or utcnow()}
                    for _, c in claims
                ]
                won = raw.counts(sql.claim, rows)
                raw.sync()
                for (index, _), count in zip(claims, won(), strict=True):
                    claimed[index] = count == 1
            plan = GroupPlan([b for b, c in zip(batches, claimed, strict=True) if c])
            # What no row count decides, written together at the end (one statement on
            # PostgreSQL): each table once, in batch order.
            tail: list[tuple[Write, list[dict[str, Any]]]] = []
            if plan.callbacks:
                new = raw.counts(sql.event, plan.events)
                raw.sync()
                plan.decide(new())
            else:  # every event is a record's own
                tail.append((sql.event, plan.events))
                plan.decide([])
            moved = None
            if plan.counted_statuses:
                moved = raw.counts(sql.status, plan.statuses)
            else:
                tail.append((sql.status, plan.statuses))
            if plan.message_stubs:  # before messages: one table, so not in one statement
                raw.run_many(sql.message_stub, plan.message_stubs)
            tail += [
                (sql.message, plan.messages),
                (sql.call, plan.calls),
                (sql.webhook, plan.webhooks),
                (sql.consent, plan.consents),
                (sql.opt_out, plan.opt_outs),
            ]
            tail = [(write, rows) for write, rows in tail if rows]
            if tail:
                raw.run_all(tail)
        if moved is not None:
            plan.moved(moved())
        results = iter(plan.results)
        return [next(results) if c else BatchResult(claimed=False) for c in claimed]

    # -- idempotency keys ------------------------------------------------------------------

    async def start_idempotent(
        self, request: IdempotentRequest, *, expires_before: datetime
    ) -> IdempotentRequest | None:
        expires_before = require_utc("start_idempotent", "expires_before", expires_before)
        k = t.idempotency_keys
        row = {
            "key": request.key,
            "action": request.action,
            "fingerprint": request.fingerprint,
            "state": IdempotencyState.PENDING.value,
            "created_at": request.created_at,
            "output": None,
        }
        stmt = self._sql.insert(k).values(row)
        take = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={name: stmt.excluded[name] for name in row if name != "key"},
            where=k.c.created_at < expires_before,  # an expired holder gives way
        ).returning(k.c.key)

        def work(conn: Connection) -> IdempotentRequest | None:
            if conn.execute(take).first() is not None:  # RETURNING: the row was written
                return None
            return idempotent_from_row(conn.execute(select(k).where(k.c.key == request.key)).one())

        with translated_ledger("write", self._errors):
            return await self._runner.write(work)

    async def finish_idempotent(self, key: str, output: dict[str, Any]) -> None:
        k = t.idempotency_keys
        done = (
            k.update()
            .where(k.c.key == key)
            .values(state=IdempotencyState.DONE.value, output=output)
        )
        await self._execute_write(done)

    async def forget_idempotent(self, key: str) -> None:
        k = t.idempotency_keys
        await self._execute_write(
            k.delete().where(k.c.key == key, k.c.state == IdempotencyState.PENDING.value)
        )

    async def _execute_write(self, statement: Any) -> None:
        def work(conn: Connection) -> None:
            conn.execute(statement)

        with translated_ledger("write", self._errors):
            await self._runner.write(work)

    # -- reads -----------------------------------------------------------------------------

    async def get_message(self, sid: str) -> MessageRecord | None:
        rows = await self._all(messages_query().where(t.messages.c.sid == sid))
        return message_from_row(rows[0]) if rows else None

    async def status_history(self, sid: str) -> list[StatusEvent]:
        rows = await self._all(history_query([sid]))
        return [status_event_from_row(r) for r in rows]

    async def get_call(self, sid: str) -> CallRecord | None:
        query = (
            select(t.calls, *STATUS_COLUMNS)
            .join(t.statuses, t.statuses.c.sid == t.calls.c.sid)
            .where(t.calls.c.sid == sid)
        )
        rows = await self._all(query)
        return call_from_row(rows[0]) if rows else None

    async def call_status_history(self, sid: str) -> list[CallStatusEvent]:
        rows = await self._all(history_query([sid]))
        return [call_status_event_from_row(r) for r in rows]

    async def conversation(
        self, contact: str, *, limit: int = 50, before: datetime | None = None
    ) -> list[ConversationItem]:
        query = search_query(LedgerQuery(contact=contact, until=before, limit=limit))

        def run(conn: Connection) -> list[ConversationItem]:
            messages = [message_from_row(r) for r in conn.execute(query)]
            histories: dict[str, list[StatusEvent]] = {m.sid: [] for m in messages}
            if histories:
                for row in conn.execute(history_query(list(histories))):
                    histories[row.sid].append(status_event_from_row(row))
            return [ConversationItem(message=m, history=tuple(histories[m.sid])) for m in messages]

        return await self.read(run)

    async def search(self, query: LedgerQuery) -> list[MessageRecord]:
        return [message_from_row(r) for r in await self._all(search_query(query))]

    async def webhook_deliveries(
        self, *, sid: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        check_limit(limit)
        w = t.webhook_deliveries.c
        query = select(t.webhook_deliveries).order_by(w.received_at.desc(), w.id.desc())
        if sid is not None:
            query = query.where(w.sid == sid)
        return [webhook_from_row(r) for r in await self._all(query.limit(limit))]

    async def is_opted_out(self, sender_key: str, recipient: str) -> bool:
        o = t.opt_outs.c
        rows = await self._all(
            select(o.action).where(o.sender_key == sender_key, o.recipient == recipient)
        )
        return bool(rows) and rows[0].action == OptOutAction.STOP.value

    async def list_opt_outs(
        self, *, sender_key: str | None = None, recipient: str | None = None
    ) -> list[OptOut]:
        o = t.opt_outs.c
        query = select(t.opt_outs).where(o.action == OptOutAction.STOP.value)
        if sender_key is not None:
            query = query.where(o.sender_key == sender_key)
        if recipient is not None:
            query = query.where(o.recipient == recipient)
        rows = await self._all(query.order_by(o.sender_key, o.recipient))
        return [opt_out_from_row(r) for r in rows]

    async def opt_out_history(
        self, recipient: str, *, sender_key: str | None = None
    ) -> list[OptOutEvent]:
        c = t.consent_events.c
        query = select(t.consent_events).where(c.recipient == recipient)
        if sender_key is not None:
            query = query.where(c.sender_key == sender_key)
        rows = await self._all(query.order_by(c.at, c.id))
        return [consent_from_row(r) for r in rows]

    async def last_inbound_at(
        self, contact: str, our_address: str | None = None
    ) -> datetime | None:
        m = t.messages.c
        query = select(func.max(m.date_created)).where(
            m.contact == contact, m.direction == Direction.INBOUND.value
        )
        if our_address is not None:
            query = query.where(m.to_addr == our_address)
        rows = await self._all(query)
        latest: datetime | None = rows[0][0]  # max() keeps the column's type, so this is UTC
        return latest

    async def count_outbound_since(self, recipient: str, since: datetime) -> int:
        since = require_utc("count_outbound_since", "since", since)
        m = t.messages.c
        rows = await self._all(
            select(func.count()).where(
                m.contact == recipient,
                m.direction != Direction.INBOUND.value,
                m.date_created >= since,
            )
        )
        return int(rows[0][0])
