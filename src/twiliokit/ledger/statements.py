"""The ledger's SQL: every write statement compiled once per dialect, and the reads.

Writes are ``INSERT ... ON CONFLICT`` statements (claims and status events insert nothing on a
duplicate; current statuses only move forward; recorded messages and calls merge); see
:mod:`twiliokit.ledger.sql` for how they keep writes atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Select, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import CompiledWrite, SetWrite, Write, set_source
from twiliokit.ledger.records import (
    LedgerQuery,
)

# Message and call columns that keep their stored value when a re-recorded row leaves them NULL
# (the SQL form of rules.merge_record).
MESSAGE_KEEP = (
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
CALL_KEEP = (
    "date_updated",
    "start_time",
    "end_time",
    "duration",
    "price",
    "price_unit",
    "parent_call_sid",
    "answered_by",
)


class Statements:
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
        message = upsert(source(t.messages), t.messages, keep=MESSAGE_KEEP)
        self.message = compiled(message, t.messages, ["sid"])
        stub = source(t.messages).on_conflict_do_nothing(index_elements=["sid"])
        self.message_stub = compiled(stub, t.messages, ["sid"])
        self.call = compiled(upsert(source(t.calls), t.calls, keep=CALL_KEEP), t.calls, ["sid"])
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


def upsert(stmt: Any, table: Table, *, keep: Sequence[str]) -> Insert:
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


STATUS_COLUMNS = (
    t.statuses.c.status,
    t.statuses.c.at.label("status_at"),
    t.statuses.c.error_code,
    t.statuses.c.error_message,
)


def messages_query() -> Select[Any]:
    return select(t.messages, *STATUS_COLUMNS).join(
        t.statuses, t.statuses.c.sid == t.messages.c.sid
    )


def search_query(query: LedgerQuery) -> Select[Any]:
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
        messages_query()
        .where(*conditions)
        .order_by(m.date_created.desc(), m.sid.desc())
        .limit(query.limit)
    )


def history_query(sids: list[str]) -> Select[Any]:
    e = t.status_events.c
    return (
        select(t.status_events)
        .where(e.sid.in_(sids))
        .order_by(e.sid, e.status_rank, e.at, e.status)
    )
