"""``SqlLedger``: the ledger in SQLite or PostgreSQL, on SQLAlchemy 2 Core.

Atomicity comes from the database, never from check-then-write:

- a claim is ``INSERT ... ON CONFLICT DO NOTHING``; the row count says who won;
- a status event is ``INSERT ... ON CONFLICT (sid, status) DO NOTHING`` (a duplicate inserts
  nothing), then the current status is an upsert whose ``DO UPDATE ... WHERE`` only lets a
  higher rank through (the SQL form of :func:`twiliokit.ledger.rules.advance`).

Each ``write`` is one short transaction. Queries are plain functions of a synchronous
``Connection``; a :mod:`runner <twiliokit.ledger.runners>` runs them in threads (one writer
that group-commits; on SQLite its transactions start with ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Insert, Select, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Row
from sqlalchemy.exc import SQLAlchemyError

from twiliokit.errors import StorageError
from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import CompiledWrite, RawWrites, SetWrite, Write, set_source
from twiliokit.ledger.records import (
    BatchResult,
    CallDirection,
    CallRecord,
    CallStatus,
    CallStatusEvent,
    Channel,
    ConversationItem,
    Direction,
    IdempotencyState,
    IdempotentRequest,
    LedgerBatch,
    LedgerQuery,
    MessageRecord,
    MessageStatus,
    OptOut,
    OptOutAction,
    OptOutEvent,
    OptOutSource,
    StatusEvent,
    StatusOutcome,
    StatusSource,
    WebhookDelivery,
    WebhookKind,
    require_utc,
)
from twiliokit.ledger.runners import Runner
from twiliokit.ledger.store import BaseLedger, check_limit

__all__ = ["SqlLedger"]

T = TypeVar("T")

# Message and call columns that keep their stored value when a re-recorded row leaves them NULL
# (the SQL form of rules.merge_record).
_MESSAGE_KEEP = (
    "from_addr",
    "body",
    "num_segments",
    "num_media",
    "media_urls",
    "messaging_service_sid",
    "price",
    "price_unit",
    "date_updated",
    "date_sent",
)
_CALL_KEEP = (
    "date_updated",
    "start_time",
    "end_time",
    "duration",
    "price",
    "price_unit",
    "parent_call_sid",
    "answered_by",
)


class SqlLedger(BaseLedger):
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
        self._sql = _Statements(dialect, sets=set_writes and dialect.name == "postgresql")
        # Writes run on the DBAPI cursor (see compiled.py), so its errors are translated too.
        self._errors: tuple[type[Exception], ...] = (SQLAlchemyError, dialect.loaded_dbapi.Error)

    def __repr__(self) -> str:
        return f"SqlLedger({self._runner.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect_name(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._runner.dialect.name

    async def close(self) -> None:
        await self._runner.close()

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(connection)`` where the ledger's reads run (for tests and tools)."""
        with _translated("read", self._errors):
            return await self._runner.read(work)

    async def _all(self, query: Select[Any]) -> Sequence[Row[Any]]:
        def run(conn: Connection) -> Sequence[Row[Any]]:
            return conn.execute(query).all()

        return await self.read(run)

    # -- writes ----------------------------------------------------------------------------

    async def write(self, batch: LedgerBatch) -> BatchResult:
        with _translated("write", self._errors):
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
                    {"kind": c.kind, "claim_key": c.key, "claimed_at": c.at or _now()}
                    for _, c in claims
                ]
                won = raw.counts(sql.claim, rows)
                raw.sync()
                for (index, _), count in zip(claims, won(), strict=True):
                    claimed[index] = count == 1
            plan = _GroupPlan([b for b, c in zip(batches, claimed, strict=True) if c])
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
            held = conn.execute(select(k).where(k.c.key == request.key)).one()
            return IdempotentRequest(
                key=held.key,
                action=held.action,
                fingerprint=held.fingerprint,
                state=IdempotencyState(held.state),
                created_at=held.created_at,
                output=held.output,
            )

        with _translated("write", self._errors):
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

        with _translated("write", self._errors):
            await self._runner.write(work)

    # -- reads -----------------------------------------------------------------------------

    async def get_message(self, sid: str) -> MessageRecord | None:
        rows = await self._all(_messages().where(t.messages.c.sid == sid))
        return _message(rows[0]) if rows else None

    async def status_history(self, sid: str) -> list[StatusEvent]:
        rows = await self._all(_history([sid]))
        return [_status_event(r) for r in rows]

    async def get_call(self, sid: str) -> CallRecord | None:
        query = (
            select(t.calls, *_STATUS_COLUMNS)
            .join(t.statuses, t.statuses.c.sid == t.calls.c.sid)
            .where(t.calls.c.sid == sid)
        )
        rows = await self._all(query)
        return _call(rows[0]) if rows else None

    async def call_status_history(self, sid: str) -> list[CallStatusEvent]:
        rows = await self._all(_history([sid]))
        return [_call_status_event(r) for r in rows]

    async def conversation(
        self, contact: str, *, limit: int = 50, before: datetime | None = None
    ) -> list[ConversationItem]:
        query = _search(LedgerQuery(contact=contact, until=before, limit=limit))

        def run(conn: Connection) -> list[ConversationItem]:
            messages = [_message(r) for r in conn.execute(query)]
            histories: dict[str, list[StatusEvent]] = {m.sid: [] for m in messages}
            if histories:
                for row in conn.execute(_history(list(histories))):
                    histories[row.sid].append(_status_event(row))
            return [ConversationItem(message=m, history=tuple(histories[m.sid])) for m in messages]

        return await self.read(run)

    async def search(self, query: LedgerQuery) -> list[MessageRecord]:
        return [_message(r) for r in await self._all(_search(query))]

    async def webhook_deliveries(
        self, *, sid: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        check_limit(limit)
        w = t.webhook_deliveries.c
        query = select(t.webhook_deliveries).order_by(w.received_at.desc(), w.id.desc())
        if sid is not None:
            query = query.where(w.sid == sid)
        return [_webhook(r) for r in await self._all(query.limit(limit))]

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
        return [
            OptOut(
                sender_key=r.sender_key,
                recipient=r.recipient,
                since=r.at,
                source=OptOutSource(r.source),
                keyword=r.keyword,
            )
            for r in rows
        ]

    async def opt_out_history(
        self, recipient: str, *, sender_key: str | None = None
    ) -> list[OptOutEvent]:
        c = t.consent_events.c
        query = select(t.consent_events).where(c.recipient == recipient)
        if sender_key is not None:
            query = query.where(c.sender_key == sender_key)
        rows = await self._all(query.order_by(c.at, c.id))
        return [
            OptOutEvent(
                sender_key=r.sender_key,
                recipient=r.recipient,
                action=OptOutAction(r.action),
                at=r.at,
                source=OptOutSource(r.source),
                keyword=r.keyword,
                message_sid=r.message_sid,
            )
            for r in rows
        ]

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


# --------------------------------------------------------------------------- group plan


class _GroupPlan:
    """The rows of a group of won batches, per table and in batch order (pure, no I/O).

    A status callback's event is *counted*: when it is new, its status upsert follows and is
    counted too (applied or stale); when not, the outcome is a duplicate. The statuses of
    recorded messages and calls are upserted unconditionally.
    """

    def __init__(self, batches: Sequence[LedgerBatch]) -> None:
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.message_stubs: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []
        self.consents: list[dict[str, Any]] = []
        self.opt_outs: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        # Per event: None (a record's own status), or where its outcome goes.
        self._slots: list[tuple[list[StatusOutcome], int] | None] = []
        self._status_slots: list[tuple[list[StatusOutcome], int] | None] = []
        self._outcomes: list[tuple[list[StatusOutcome], list[StatusOutcome]]] = []
        self.callbacks = False
        for batch in batches:
            statuses = [StatusOutcome.DUPLICATE] * len(batch.statuses)
            call_statuses = [StatusOutcome.DUPLICATE] * len(batch.call_statuses)
            self._outcomes.append((statuses, call_statuses))
            self.message_stubs += [_message_row(stub) for stub in batch.message_stubs]
            for message in batch.messages:
                self._event(_message_event_row(message), None)
                self.messages.append(_message_row(message))
            for n, event in enumerate(batch.statuses):
                self._event(_event_row(event), (statuses, n))
            for call in batch.calls:
                self._event(_call_event_row(call), None)
                self.calls.append(_call_row(call))
            for n, call_event in enumerate(batch.call_statuses):
                self._event(_event_row(call_event), (call_statuses, n))
            self.webhooks += [_webhook_row(w) for w in batch.webhooks]
            for consent in batch.opt_outs:
                row = _consent_row(consent)
                self.consents.append(row)
                if consent.action is not OptOutAction.HELP:
                    self.opt_outs.append(_opt_out_row(row))
        self.counted_statuses = False

    def _event(self, row: dict[str, Any], slot: tuple[list[StatusOutcome], int] | None) -> None:
        self.events.append(row)
        self._slots.append(slot)
        self.callbacks = self.callbacks or slot is not None

    def decide(self, new: list[int]) -> None:
        """Given which counted events were new (one count per event; none when nothing is
        counted), the status upserts to run, in order."""
        for index, (row, slot) in enumerate(zip(self.events, self._slots, strict=True)):
            if slot is not None and new[index] != 1:
                continue  # seen before: the outcome stays DUPLICATE
            self.statuses.append(_status_row(row))
            self._status_slots.append(slot)
            self.counted_statuses = self.counted_statuses or slot is not None

    def moved(self, counts: list[int]) -> None:
        """Given how many rows each status upsert changed: applied or stale."""
        for slot, count in zip(self._status_slots, counts, strict=True):
            if slot is not None:
                outcomes, n = slot
                outcomes[n] = StatusOutcome.APPLIED if count == 1 else StatusOutcome.STALE

    @property
    def results(self) -> list[BatchResult]:
        """One result per batch, once :meth:`moved` has run (when statuses were counted)."""
        return [
            BatchResult(claimed=True, statuses=tuple(s), call_statuses=tuple(c))
            for s, c in self._outcomes
        ]


# --------------------------------------------------------------------------- statements


class _Statements:
    """Every write statement, compiled once for the ledger's dialect: row by row on SQLite,
    a set of rows per statement on PostgreSQL (see :mod:`~twiliokit.ledger.compiled`)."""

    def __init__(self, dialect: Dialect, *, sets: bool) -> None:
        insert: Any = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        self.insert = insert  # the dialect's, with on_conflict_do_*

        def source(table: Table) -> Any:
            return set_source(insert, table) if sets else insert(table)

        def compiled(statement: Insert, table: Table, key: Sequence[str] = ()) -> Write:
            if sets:
                return SetWrite(statement, dialect, key, table=table)
            keys = [c.name for c in table.columns if c.name != "id"]  # ids are generated
            return CompiledWrite(statement, dialect, keys)

        claim_key = ["kind", "claim_key"]
        claim = source(t.claims).on_conflict_do_nothing(index_elements=claim_key)
        self.claim = compiled(claim, t.claims, claim_key)
        event_key = ["sid", "status"]
        event = source(t.status_events).on_conflict_do_nothing(index_elements=event_key)
        self.event = compiled(event, t.status_events, event_key)
        message = _upsert(source(t.messages), t.messages, keep=_MESSAGE_KEEP)
        self.message = compiled(message, t.messages, ["sid"])
        stub = source(t.messages).on_conflict_do_nothing(index_elements=["sid"])
        self.message_stub = compiled(stub, t.messages, ["sid"])
        self.call = compiled(_upsert(source(t.calls), t.calls, keep=_CALL_KEEP), t.calls, ["sid"])
        self.webhook = compiled(source(t.webhook_deliveries), t.webhook_deliveries)
        self.consent = compiled(source(t.consent_events), t.consent_events)

        stmt = source(t.statuses)
        new, cur = stmt.excluded, t.statuses.c
        status = stmt.on_conflict_do_update(
            index_elements=["sid"],
            set_={
                "status": new.status,
                "status_rank": new.status_rank,
                "at": new.at,
                "error_code": func.coalesce(new.error_code, cur.error_code),
                "error_message": func.coalesce(new.error_message, cur.error_message),
            },
            where=or_(
                new.status_rank > cur.status_rank,
                and_(
                    new.status == cur.status,
                    cur.error_code.is_(None),
                    new.error_code.is_not(None),
                ),
            ),
        )
        self.status = compiled(status, t.statuses, ["sid"])

        opt_out_key = ["sender_key", "recipient"]
        stmt = source(t.opt_outs)
        opt_out = stmt.on_conflict_do_update(
            index_elements=opt_out_key,
            set_={name: stmt.excluded[name] for name in ("action", "at", "source", "keyword")},
            where=stmt.excluded.at >= t.opt_outs.c.at,
        )
        self.opt_out = compiled(opt_out, t.opt_outs, opt_out_key)


def _upsert(stmt: Any, table: Table, *, keep: Sequence[str]) -> Insert:
    """``stmt`` (an insert into ``table``) updating the row of its ``sid`` on conflict."""
    set_ = {
        col.name: func.coalesce(stmt.excluded[col.name], col)
        if col.name in keep
        else stmt.excluded[col.name]
        for col in table.columns
        if col.name != "sid"
    }
    upsert: Insert = stmt.on_conflict_do_update(index_elements=["sid"], set_=set_)
    return upsert


_STATUS_COLUMNS = (
    t.statuses.c.status,
    t.statuses.c.at.label("status_at"),
    t.statuses.c.error_code,
    t.statuses.c.error_message,
)


def _messages() -> Select[Any]:
    return select(t.messages, *_STATUS_COLUMNS).join(
        t.statuses, t.statuses.c.sid == t.messages.c.sid
    )


def _search(query: LedgerQuery) -> Select[Any]:
    m = t.messages.c
    conditions: list[Any] = []
    if query.contact is not None:
        conditions.append(m.contact == query.contact)
    if query.direction is not None:
        conditions.append(m.direction == query.direction.value)
    if query.status is not None:
        conditions.append(t.statuses.c.status == query.status.value)
    if query.channel is not None:
        conditions.append(m.channel == query.channel.value)
    if query.since is not None:
        conditions.append(m.date_created >= query.since)
    if query.until is not None:
        conditions.append(m.date_created < query.until)
    if query.text is not None:
        conditions.append(m.body.icontains(query.text, autoescape=True))
    return (
        _messages()
        .where(*conditions)
        .order_by(m.date_created.desc(), m.sid.desc())
        .limit(query.limit)
    )


def _history(sids: list[str]) -> Select[Any]:
    e = t.status_events.c
    return (
        select(t.status_events)
        .where(e.sid.in_(sids))
        .order_by(e.sid, e.status_rank, e.at, e.status)
    )


# --------------------------------------------------------------------------- row mapping


def _now() -> datetime:
    return datetime.now(UTC)


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def _message_row(m: MessageRecord) -> dict[str, Any]:
    assert m.channel is not None  # set by MessageRecord.__post_init__
    return {
        "sid": m.sid,
        "account_sid": m.account_sid,
        "direction": m.direction.value,
        "from_addr": m.from_,
        "to_addr": m.to,
        "contact": m.contact,
        "body": m.body,
        "num_segments": m.num_segments,
        "num_media": m.num_media,
        "media_urls": list(m.media_urls) or None,
        "messaging_service_sid": m.messaging_service_sid,
        "channel": m.channel.value,
        "price": None if m.price is None else str(m.price),
        "price_unit": m.price_unit,
        "date_created": m.date_created,
        "date_updated": m.date_updated,
        "date_sent": m.date_sent,
    }


def _message(r: Row[Any]) -> MessageRecord:
    return MessageRecord(
        sid=r.sid,
        account_sid=r.account_sid,
        direction=Direction(r.direction),
        from_=r.from_addr,
        to=r.to_addr,
        status=MessageStatus(r.status),
        date_created=r.date_created,
        body=r.body,
        num_segments=r.num_segments,
        num_media=r.num_media,
        media_urls=tuple(r.media_urls or ()),
        messaging_service_sid=r.messaging_service_sid,
        error_code=r.error_code,
        error_message=r.error_message,
        channel=Channel(r.channel),
        price=None if r.price is None else Decimal(r.price),
        price_unit=r.price_unit,
        date_updated=_latest(r.date_updated, r.status_at),
        date_sent=r.date_sent,
    )


def _call_row(c: CallRecord) -> dict[str, Any]:
    return {
        "sid": c.sid,
        "account_sid": c.account_sid,
        "direction": c.direction.value,
        "from_addr": c.from_,
        "to_addr": c.to,
        "contact": c.contact,
        "date_created": c.date_created,
        "date_updated": c.date_updated,
        "start_time": c.start_time,
        "end_time": c.end_time,
        "duration": c.duration,
        "price": None if c.price is None else str(c.price),
        "price_unit": c.price_unit,
        "parent_call_sid": c.parent_call_sid,
        "answered_by": c.answered_by,
    }


def _call(r: Row[Any]) -> CallRecord:
    return CallRecord(
        sid=r.sid,
        account_sid=r.account_sid,
        direction=CallDirection(r.direction),
        from_=r.from_addr,
        to=r.to_addr,
        status=CallStatus(r.status),
        date_created=r.date_created,
        date_updated=_latest(r.date_updated, r.status_at),
        start_time=r.start_time,
        end_time=r.end_time,
        duration=r.duration,
        price=None if r.price is None else Decimal(r.price),
        price_unit=r.price_unit,
        parent_call_sid=r.parent_call_sid,
        answered_by=r.answered_by,
        error_code=r.error_code,
        error_message=r.error_message,
    )


def _event_row(e: StatusEvent | CallStatusEvent) -> dict[str, Any]:
    return {
        "sid": e.sid,
        "status": e.status.value,
        "status_rank": e.status.rank,
        "at": e.at,
        "source": e.source.value,
        "error_code": e.error_code,
        "error_message": e.error_message,
    }


def _message_event_row(m: MessageRecord) -> dict[str, Any]:
    # The record is validated and normalised already: no StatusEvent needs building.
    return {
        "sid": m.sid,
        "status": m.status.value,
        "status_rank": m.status.rank,
        "at": m.date_updated or m.date_created,
        "source": (StatusSource.CALLBACK if m.is_inbound else StatusSource.API).value,
        "error_code": m.error_code,
        "error_message": m.error_message,
    }


def _call_event_row(c: CallRecord) -> dict[str, Any]:
    return {
        "sid": c.sid,
        "status": c.status.value,
        "status_rank": c.status.rank,
        "at": c.date_updated or c.date_created,
        "source": StatusSource.API.value,
        "error_code": c.error_code,
        "error_message": c.error_message,
    }


def _status_row(event_row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event_row.items() if k != "source"}


def _status_event(r: Row[Any]) -> StatusEvent:
    return StatusEvent(
        sid=r.sid,
        status=MessageStatus(r.status),
        at=r.at,
        source=StatusSource(r.source),
        error_code=r.error_code,
        error_message=r.error_message,
    )


def _call_status_event(r: Row[Any]) -> CallStatusEvent:
    return CallStatusEvent(
        sid=r.sid,
        status=CallStatus(r.status),
        at=r.at,
        source=StatusSource(r.source),
        error_code=r.error_code,
        error_message=r.error_message,
    )


def _webhook_row(w: WebhookDelivery) -> dict[str, Any]:
    return {
        "kind": w.kind.value,
        "idempotency_key": w.key,
        "sid": w.sid,
        "received_at": w.received_at,
        "url": w.url,
        "signature_valid": w.signature_valid,
        "duplicate": w.duplicate,
        "status_code": w.status_code,
        "params": w.params or None,  # pairs: JSON arrays of two strings
    }


def _webhook(r: Row[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        kind=WebhookKind(r.kind),
        received_at=r.received_at,
        url=r.url,
        signature_valid=r.signature_valid,
        key=r.idempotency_key,
        sid=r.sid,
        duplicate=r.duplicate,
        status_code=r.status_code,
        params=tuple((k, v) for k, v in r.params or ()),
    )


def _consent_row(e: OptOutEvent) -> dict[str, Any]:
    return {
        "sender_key": e.sender_key,
        "recipient": e.recipient,
        "action": e.action.value,
        "at": e.at,
        "source": e.source.value,
        "keyword": e.keyword,
        "message_sid": e.message_sid,
    }


def _opt_out_row(consent: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in consent.items() if k != "message_sid"}


@contextmanager
def _translated(operation: str, errors: tuple[type[Exception], ...]) -> Iterator[None]:
    """Database errors become StorageError, without SQL or parameters (they hold numbers)."""
    try:
        yield
    except errors as exc:
        cause = type(getattr(exc, "orig", None) or exc).__name__
        raise StorageError(
            f"ledger {operation} failed ({cause})",
            hint="check that the ledger database is reachable and migrated "
            "(twiliokit.ledger.upgrade), and that the disk is not full",
        ) from exc
