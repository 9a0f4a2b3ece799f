"""The outbox half of :class:`~twiliokit.ledger.sql.SqlLedger` (SQLite and PostgreSQL).

Every operation is one transaction on the ledger's runner (writes on its writer thread, which
on SQLite begins with ``BEGIN IMMEDIATE``). A claim decides in that one transaction, never by
check-then-write across processes:

- on SQLite the write lock of ``BEGIN IMMEDIATE`` makes the whole claim exclusive, across
  processes too;
- on PostgreSQL the claim locks the pace rows of the senders it serves (``FOR UPDATE SKIP
  LOCKED``: a sender another claim is serving right now is left to it) and the items it takes
  (``FOR UPDATE SKIP LOCKED``); with ``max_in_flight`` it also holds a transaction-scoped
  advisory lock, since counting what is in flight and claiming more must not interleave.

Slots and states are decided by :mod:`~twiliokit.ledger.outbox_rules`, as in the memory store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.engine import Connection, Row

from twiliokit.errors import ValidationError
from twiliokit.ledger import outbox_statements as q
from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import RawWrites
from twiliokit.ledger.database import translated_ledger
from twiliokit.ledger.outbox_records import (
    BatchProgress,
    ClaimedItem,
    NewBatch,
    NewOutboxItem,
    OutboxBatch,
    OutboxClaim,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutboxQuery,
    OutboxState,
    SenderPace,
)
from twiliokit.ledger.outbox_rows import (
    batch_from_row,
    batch_row,
    item_from_row,
    item_row,
    pace_from_row,
)
from twiliokit.ledger.outbox_rules import (
    ABANDONED,
    AT_ONCE_OWNER,
    EPOCH,
    LOST_LEASE,
    RATE_WINDOW,
    check_rate,
    claim_changes,
    next_slot,
    outcome_changes,
    plan_slots,
    quotas,
    rate_span,
    read_state,
    spaced,
)
from twiliokit.ledger.outbox_store import StartMark
from twiliokit.ledger.records import require_utc
from twiliokit.ledger.runners import Runner
from twiliokit.ledger.store import check_limit

__all__ = ["ENQUEUE_CHUNK", "SqlOutbox"]

T = TypeVar("T")

ENQUEUE_CHUNK = 5_000
"""Items per ``executemany`` when enqueueing on SQLite (PostgreSQL copies them in one
stream)."""
# Any fixed 64-bit number (not the migrations' one): see ``_lock_outbox``.
_OUTBOX_LOCK = 0x7477_6C6B_6F75_7462

i = t.outbox_items.c


class SqlOutbox:
    """:class:`~twiliokit.ledger.outbox_store.OutboxStore` on SQL; mixed into ``SqlLedger``,
    which sets ``_runner``, ``_errors`` and ``_outbox``."""

    _runner: Runner
    _errors: tuple[type[Exception], ...]
    _outbox: q.OutboxStatements

    async def _outbox_read(self, work: Callable[[Connection], T]) -> T:
        with translated_ledger("read", self._errors):
            return await self._runner.read(work)

    async def _outbox_write(self, work: Callable[[Connection], T]) -> T:
        with translated_ledger("write", self._errors):
            return await self._runner.write(work)

    async def _items(self, query: Any) -> list[OutboxItem]:
        def run(conn: Connection) -> list[OutboxItem]:
            return [item_from_row(r) for r in conn.execute(query)]

        return await self._outbox_read(run)

    # -- recording -------------------------------------------------------------------------

    async def enqueue(
        self, items: Sequence[NewOutboxItem], *, batch: NewBatch | None = None
    ) -> None:
        if not items and batch is None:
            return
        statements = self._outbox

        def run(conn: Connection) -> None:
            # Rows are built here, on the writer thread, not on the event loop: 100,000 of
            # them take a good fraction of a second.
            rows = [item_row(item) for item in spaced(items, batch)]
            if batch is not None:
                conn.execute(statements.batch, batch_row(batch))
            # Items joining a batch recorded earlier: if it was canceled meanwhile, so are they.
            joining = {row["batch_id"] for row in rows if row["batch_id"]}
            joining.discard(None if batch is None else batch.id)
            canceled = _canceled_batches(conn, joining) if joining else set()
            if canceled:
                rows = [_canceled_row(r) if r["batch_id"] in canceled else r for r in rows]
            if conn.dialect.name == "postgresql":
                _copy_items(conn, statements, rows)
                return
            with RawWrites(conn) as raw:
                for start in range(0, len(rows), ENQUEUE_CHUNK):
                    raw.run_many(statements.enqueue, rows[start : start + ENQUEUE_CHUNK])

        await self._outbox_write(run)

    # -- reading ---------------------------------------------------------------------------

    async def get_item(self, item_id: str) -> OutboxItem | None:
        found = await self._items(q.item_select().where(i.outbox_id == item_id))
        return found[0] if found else None

    async def find_item(
        self, *, sid: str | None = None, idempotency_key: str | None = None
    ) -> OutboxItem | None:
        if (sid is None) == (idempotency_key is None):
            raise ValidationError("give exactly one of sid or idempotency_key", field="sid")
        where = i.sid == sid if sid is not None else i.idempotency_key == idempotency_key
        query = q.item_select().where(where).order_by(i.created_at.desc()).limit(1)
        found = await self._items(query)
        return found[0] if found else None

    async def list_items(self, query: OutboxQuery) -> list[OutboxItem]:
        return await self._items(q.list_query(query))

    async def unknown_items(self, *, limit: int = 100) -> list[OutboxItem]:
        check_limit(limit)
        query = (
            q.item_select()
            .where(i.state == OutboxState.UNKNOWN.value)
            .order_by(i.created_at, i.outbox_id)
            .limit(limit)
        )
        return await self._items(query)

    async def get_batch(self, batch_id: str) -> OutboxBatch | None:
        def run(conn: Connection) -> OutboxBatch | None:
            row = conn.execute(
                select(t.outbox_batches).where(t.outbox_batches.c.batch_id == batch_id)
            ).first()
            return None if row is None else batch_from_row(row)

        return await self._outbox_read(run)

    async def batch_progress(self, batch_id: str, *, now: datetime) -> BatchProgress | None:
        now = require_utc("batch_progress", "now", now)

        def run(conn: Connection) -> BatchProgress | None:
            row = conn.execute(
                select(t.outbox_batches).where(t.outbox_batches.c.batch_id == batch_id)
            ).first()
            if row is None:
                return None
            batch = batch_from_row(row)
            counts = dict.fromkeys(OutboxState, 0)
            for state, count in conn.execute(q.batch_counts(batch_id)):
                counts[OutboxState(state)] += count
            if counts[OutboxState.SENT]:
                for status, count in conn.execute(q.batch_delivery(batch_id)):
                    read = read_state(OutboxState.SENT, status)
                    counts[OutboxState.SENT] -= count
                    counts[read] += count
            first = conn.execute(q.batch_first_finished(batch_id)).scalar_one()
            span = rate_span(now, first)
            rates = {
                sender: count / span
                for sender, count in conn.execute(q.batch_rates(batch_id, now - RATE_WINDOW, now))
            }
            return BatchProgress(batch=batch, counts=counts, rate_per_sender=rates)

        return await self._outbox_read(run)

    async def paces(self) -> list[SenderPace]:
        def run(conn: Connection) -> list[SenderPace]:
            query = select(t.outbox_paces).order_by(t.outbox_paces.c.sender)
            return [pace_from_row(r) for r in conn.execute(query)]

        return await self._outbox_read(run)

    async def depth(self) -> dict[str, int]:
        def run(conn: Connection) -> dict[str, int]:
            return {sender: int(count) for sender, count in conn.execute(q.depth())}

        return await self._outbox_read(run)

    # -- canceling -------------------------------------------------------------------------

    async def cancel_item(self, item_id: str, *, at: datetime) -> OutboxItem | None:
        at = require_utc("cancel_item", "at", at)

        def run(conn: Connection) -> OutboxItem | None:
            conn.execute(
                update(t.outbox_items)
                .where(i.outbox_id == item_id, i.state == OutboxState.QUEUED.value)
                .values(_canceled(at))
            )
            row = conn.execute(q.item_select().where(i.outbox_id == item_id)).first()
            return None if row is None else item_from_row(row)

        return await self._outbox_write(run)

    async def cancel_batch(self, batch_id: str, *, at: datetime) -> int:
        at = require_utc("cancel_batch", "at", at)
        batches = t.outbox_batches.c

        def run(conn: Connection) -> int:
            conn.execute(
                update(t.outbox_batches)
                .where(batches.batch_id == batch_id, batches.canceled_at.is_(None))
                .values(canceled_at=at)
            )
            # Queued, or claimed by a worker but not started: its start then finds it gone.
            not_left = or_(
                i.state == OutboxState.QUEUED.value,
                and_(i.state == OutboxState.SENDING.value, i.request_started_at.is_(None)),
            )
            done = conn.execute(
                update(t.outbox_items)
                .where(i.batch_id == batch_id, not_left)
                .values(**_canceled(at), lease_owner=None, lease_until=None)
            )
            return int(done.rowcount)

        return await self._outbox_write(run)

    # -- claiming and finishing ------------------------------------------------------------

    async def claim_due(self, claim: OutboxClaim) -> list[ClaimedItem]:
        now = claim.now
        check_rate(claim.default_rate, "default_rate")
        statements = self._outbox

        def run(conn: Connection) -> list[ClaimedItem]:
            budget = claim.limit
            if claim.max_in_flight is not None:
                _lock_outbox(conn)
                in_flight = conn.execute(*q.in_flight(now)).scalar_one()
                budget = min(budget, claim.max_in_flight - in_flight)
            if budget <= 0:
                return []
            due = {
                sender: count
                for sender, count in conn.execute(*q.queued_senders(now, budget, claim.kinds))
                if count
            }
            senders = list(due)
            if not senders:
                return []
            paces = _lock_paces(conn, senders)
            missing = [s for s in senders if s not in paces]
            if missing:
                rows = [
                    {
                        "sender": sender,
                        "rate": check_rate(claim.first_rate(sender), "rate_for"),
                        "next_at": EPOCH,
                        "slowed_until": None,
                    }
                    for sender in missing
                ]
                conn.execute(statements.new_pace, rows)
                paces |= _lock_paces(conn, missing)
            wanted = quotas(paces, due, now=now, horizon=claim.horizon, budget=budget)
            candidates = _due_candidates(conn, wanted, now, claim.kinds)
            plan = plan_slots(
                paces,
                {sender: len(rows) for sender, rows in candidates.items()},
                now=now,
                horizon=claim.horizon,
                budget=budget,
                lead=claim.lead,
            )
            if not plan.taken:
                return []
            until = max(slot for _, _, slot in plan.taken) + claim.lease
            changes = claim_changes(owner=claim.owner, until=until, now=now)
            claimed = [
                ClaimedItem(
                    item=dataclasses.replace(item_from_row(candidates[sender][index]), **changes),
                    leave_at=slot,
                )
                for sender, index, slot in plan.taken
            ]
            ids = [c.item.id for c in claimed]
            claiming = {"b_ids": ids, "b_owner": claim.owner, "b_until": until, "b_now": now}
            conn.execute(statements.claim, claiming)
            conn.execute(
                statements.pace_next,
                [{"b_sender": s, "b_next": at} for s, at in plan.next_at.items()],
            )
            return claimed

        return await self._outbox_write(run)

    async def take_slot(
        self, sender: str, *, now: datetime, default_rate: float | None = None
    ) -> datetime:
        now = require_utc("take_slot", "now", now)
        if default_rate is not None:
            check_rate(default_rate, "default_rate")
        statements = self._outbox

        def run(conn: Connection) -> datetime:
            _lock_outbox(conn)
            return _take_slot(conn, statements, sender, now, default_rate)

        return await self._outbox_write(run)

    async def reslot(
        self, item_id: str, sender: str, *, owner: str, now: datetime, default_rate: float
    ) -> datetime | None:
        now = require_utc("reslot", "now", now)
        check_rate(default_rate, "default_rate")
        statements = self._outbox
        unstart = q.unstart(item_id, owner, now)

        def run(conn: Connection) -> datetime | None:
            _lock_outbox(conn)
            if conn.execute(unstart).rowcount != 1:
                return None
            return _take_slot(conn, statements, sender, now, default_rate)

        return await self._outbox_write(run)

    async def mark_started(self, item_id: str, *, owner: str, at: datetime) -> bool:
        mark = await self.start_request(item_id, owner=owner, at=at, max_in_flight=None)
        return mark is StartMark.STARTED

    async def start_request(
        self, item_id: str, *, owner: str, at: datetime, max_in_flight: int | None
    ) -> StartMark:
        start = q.start(item_id, owner, require_utc("start_request", "at", at))

        def run(conn: Connection) -> StartMark:
            if max_in_flight is not None:
                _lock_outbox(conn)
                if conn.execute(*q.requests_in_flight(at)).scalar_one() >= max_in_flight:
                    return StartMark.FULL
            return StartMark.STARTED if conn.execute(*start).rowcount == 1 else StartMark.LOST

        return await self._outbox_write(run)

    async def hand_over(
        self, item_id: str, outcome: OutboxOutcome, *, owner: str, to: str, at: datetime
    ) -> tuple[bool, StartMark]:
        finish = q.finish(item_id, _column_values(outcome), owner)
        start = q.start(to, owner, require_utc("hand_over", "at", at))

        def run(conn: Connection) -> tuple[bool, StartMark]:
            finished = conn.execute(*finish).rowcount == 1
            started = conn.execute(*start).rowcount == 1
            return finished, StartMark.STARTED if started else StartMark.LOST

        return await self._outbox_write(run)

    async def extend_lease(self, item_id: str, *, owner: str, until: datetime) -> bool:
        until = require_utc("extend_lease", "until", until)
        statement = (
            update(t.outbox_items).where(q.held_by(item_id, owner)).values(lease_until=until)
        )
        return await self._outbox_update(statement)

    async def finish(self, item_id: str, outcome: OutboxOutcome, *, owner: str | None) -> bool:
        finish = q.finish(item_id, _column_values(outcome), owner)
        return await self._outbox_write(lambda conn: conn.execute(*finish).rowcount == 1)

    async def _outbox_update(self, statement: Any) -> bool:
        def run(conn: Connection) -> bool:
            return bool(conn.execute(statement).rowcount == 1)

        return await self._outbox_write(run)

    async def expire_leases(self, *, now: datetime) -> list[OutboxItem]:
        now = require_utc("expire_leases", "now", now)

        def run(conn: Connection) -> list[OutboxItem]:
            _lock_outbox(conn)
            # A send made at once whose process died before its request: not sent later.
            conn.execute(
                _expire(
                    now, started=False, state=CANCELED, reason=ABANDONED, finished_at=now
                ).where(i.lease_owner.startswith(AT_ONCE_OWNER, autoescape=True))
            )
            conn.execute(_expire(now, started=False, state=QUEUED, lease_owner=None))
            lost = conn.execute(
                _expire(now, started=True, state=UNKNOWN, reason=LOST_LEASE).returning(i.outbox_id)
            ).all()
            if not lost:
                return []
            query = (
                q.item_select()
                .where(i.outbox_id.in_([r.outbox_id for r in lost]))
                .order_by(i.created_at, i.outbox_id)
            )
            return [item_from_row(r) for r in conn.execute(query)]

        return await self._outbox_write(run)

    # -- pacing ----------------------------------------------------------------------------

    async def set_pace(self, sender: str, *, rate: float) -> None:
        row = {"sender": sender, "rate": check_rate(rate), "next_at": EPOCH, "slowed_until": None}
        await self._outbox_write(self._pace_write(self._outbox.set_pace, row))

    async def slow_sender(
        self, sender: str, *, until: datetime, next_at: datetime, default_rate: float = 1.0
    ) -> None:
        row = {
            "sender": sender,
            "rate": check_rate(default_rate, "default_rate"),
            "next_at": require_utc("slow_sender", "next_at", next_at),
            "slowed_until": require_utc("slow_sender", "until", until),
        }
        await self._outbox_write(self._pace_write(self._outbox.slow_pace, row))

    @staticmethod
    def _pace_write(statement: Any, row: dict[str, Any]) -> Callable[[Connection], None]:
        def run(conn: Connection) -> None:
            _lock_outbox(conn)
            conn.execute(statement, row)

        return run


def _copy_items(
    conn: Connection, statements: q.OutboxStatements, rows: Sequence[dict[str, Any]]
) -> None:
    """Rows into the items table with ``COPY`` (PostgreSQL), in the caller's transaction.

    psycopg writes each value with its own dumper (aware datetimes as timestamptz); the
    request goes as JSON text, encoded by orjson as the ledger's set writes are."""
    columns = statements.copy_columns
    dbapi: Any = conn.connection.driver_connection
    with dbapi.cursor() as cursor, cursor.copy(statements.copy) as copy:
        for row in rows:
            copy.write_row(
                [_json_text(row[name]) if name == "request" else row[name] for name in columns]
            )


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _due_candidates(
    conn: Connection, wanted: dict[str, int], now: datetime, kinds: Collection[OutboxKind] | None
) -> dict[str, list[Row[Any]]]:
    """Up to ``wanted[sender]`` due items of each sender, oldest first, locked: in one
    statement on PostgreSQL (a round trip saved per sender), one per sender on SQLite (in
    process, where a statement costs no round trip)."""
    candidates: dict[str, list[Row[Any]]] = {}
    if not wanted:
        return candidates
    if conn.dialect.name == "postgresql":
        for row in conn.execute(q.due_items_of(kinds), q.due_params(wanted, now)):
            candidates.setdefault(row.sender, []).append(row)
        for rows in candidates.values():  # SQL orders within each LATERAL only
            rows.sort(key=lambda row: row.not_before)
        return candidates
    for sender, room in sorted(wanted.items()):
        found = conn.execute(q.due_items(sender, now, room, kinds)).all()
        if found:
            candidates[sender] = list(found)
    return candidates


QUEUED, UNKNOWN = OutboxState.QUEUED.value, OutboxState.UNKNOWN.value
CANCELED = OutboxState.CANCELED.value


def _expire(now: datetime, *, started: bool, **values: Any) -> Any:
    """The items whose lease ran out (with or without a request started), released."""
    released = update(t.outbox_items).where(q.expired(now, started=started))
    return released.values(lease_until=None, updated_at=now, **values)


def _column_values(outcome: OutboxOutcome) -> dict[str, Any]:
    """The columns an outcome sets, as stored."""
    return {
        name: value.value if isinstance(value, OutboxState) else value
        for name, value in outcome_changes(outcome).items()
    }


def _lock_outbox(conn: Connection) -> None:
    """On PostgreSQL, one transaction at a time past this point: counting what is in flight
    and adding to it must not interleave, and every outbox write that waits for a row lock
    (a pace, an expired item) takes this lock first, so two transactions never wait for each
    other in a circle (the runner commits several writes in one transaction, in any order).
    SQLite's write lock already serialises them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _OUTBOX_LOCK})


def _take_slot(
    conn: Connection,
    statements: q.OutboxStatements,
    sender: str,
    now: datetime,
    default_rate: float | None,
) -> datetime:
    """``take_slot`` within a transaction that holds the outbox lock."""
    row = conn.execute(*q.locked_paces([sender], wait=True)).first()
    if row is None:
        if default_rate is None:
            return now
        new = {"sender": sender, "rate": default_rate, "next_at": EPOCH}
        conn.execute(statements.new_pace, new | {"slowed_until": None})
        row = conn.execute(*q.locked_paces([sender], wait=True)).one()
    slot, next_at = next_slot(pace_from_row(row), now)
    conn.execute(statements.pace_next, {"b_sender": sender, "b_next": next_at})
    return slot


def _lock_paces(conn: Connection, senders: Collection[str]) -> dict[str, SenderPace]:
    return {r.sender: pace_from_row(r) for r in conn.execute(*q.locked_paces(senders))}


def _canceled_batches(conn: Connection, batch_ids: Collection[str]) -> set[str]:
    batches = t.outbox_batches.c
    query = select(batches.batch_id).where(
        batches.batch_id.in_(sorted(batch_ids)), batches.canceled_at.is_not(None)
    )
    return {batch_id for (batch_id,) in conn.execute(query)}


def _canceled(at: datetime) -> dict[str, Any]:
    return {"state": OutboxState.CANCELED.value, "updated_at": at, "finished_at": at}


def _canceled_row(row: dict[str, Any]) -> dict[str, Any]:
    if row["state"] != OutboxState.QUEUED.value:
        return row
    return row | _canceled(row["created_at"])
