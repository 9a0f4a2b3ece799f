"""The outbox's SQL: its statements built once per dialect, and its queries.

Pure builders (no I/O); :mod:`twiliokit.ledger.outbox_sql` runs them. Enqueueing is the hot
write (see :class:`OutboxStatements`).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Update

from twiliokit.ledger import schema as t
from twiliokit.ledger.compiled import CompiledWrite
from twiliokit.ledger.outbox_records import OutboxKind, OutboxQuery, OutboxState
from twiliokit.ledger.outbox_rules import DELIVERED_STATUSES, FAILED_STATUSES

__all__ = [
    "OutboxStatements",
    "batch_counts",
    "batch_delivery",
    "batch_first_finished",
    "batch_rates",
    "depth",
    "due_items",
    "due_items_of",
    "due_params",
    "expired",
    "finish",
    "held_by",
    "in_flight",
    "item_select",
    "list_query",
    "locked_paces",
    "queued_senders",
    "requests_in_flight",
    "start",
    "state_condition",
    "unstart",
]

items = t.outbox_items
i = items.c
st = t.statuses.c
b = t.outbox_batches.c
p = t.outbox_paces.c

QUEUED = OutboxState.QUEUED.value
SENDING = OutboxState.SENDING.value


class OutboxStatements:
    """The outbox's writes, compiled for one dialect.

    Enqueueing is ``executemany`` of a compiled insert on SQLite, and ``COPY`` on PostgreSQL
    (:attr:`copy`, its columns :attr:`copy_columns`): measured on the 2-core dev machine, COPY
    took 100,000 items in about half the time of inserting sets of rows from JSON, most of the
    difference on the server.
    """

    def __init__(self, dialect: Dialect) -> None:
        insert: Any = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        self.copy_columns = tuple(c.name for c in items.columns)
        self.copy = f"COPY {items.name} ({', '.join(self.copy_columns)}) FROM STDIN"
        self.enqueue = CompiledWrite(insert(items), dialect, self.copy_columns, shared_times=True)
        self.batch = insert(t.outbox_batches)
        paces = insert(t.outbox_paces)
        self.new_pace = paces.on_conflict_do_nothing(index_elements=["sender"])
        self.set_pace = paces.on_conflict_do_update(
            index_elements=["sender"], set_={"rate": paces.excluded.rate}
        )
        new, cur = paces.excluded, t.outbox_paces.c
        self.slow_pace = paces.on_conflict_do_update(
            index_elements=["sender"],
            set_={  # neither moves back
                "next_at": case((new.next_at > cur.next_at, new.next_at), else_=cur.next_at),
                "slowed_until": case(
                    (
                        or_(cur.slowed_until.is_(None), new.slowed_until > cur.slowed_until),
                        new.slowed_until,
                    ),
                    else_=cur.slowed_until,
                ),
            },
        )
        # One statement for a whole claim (ids expanded): every item gets the lease of the
        # claim's last slot, a little longer than its own slot needs, never shorter.
        self.claim: Update = (
            update(items)
            .where(i.outbox_id.in_(bindparam("b_ids", expanding=True)), i.state == QUEUED)
            .values(
                state=SENDING,
                lease_owner=bindparam("b_owner"),
                lease_until=bindparam("b_until"),
                updated_at=bindparam("b_now"),
                request_started_at=None,
            )
        )
        self.pace_next: Update = (
            update(t.outbox_paces)
            .where(p.sender == bindparam("b_sender"))
            .values(next_at=bindparam("b_next"))
        )


def item_select() -> Select[Any]:
    """Items with their SID's current status from the ledger (``current_status``,
    ``current_error``), which :func:`~twiliokit.ledger.outbox_rows.item_from_row` reads."""
    return select(
        items, st.status.label("current_status"), st.error_code.label("current_error")
    ).outerjoin(t.statuses, st.sid == i.sid)


def state_condition(state: OutboxState) -> ColumnElement[bool]:
    """Rows that read as ``state`` (``delivered`` and ``failed`` partly from statuses)."""
    delivered = and_(i.state == OutboxState.SENT.value, st.status.in_(DELIVERED_STATUSES))
    failed_later = and_(i.state == OutboxState.SENT.value, st.status.in_(FAILED_STATUSES))
    if state is OutboxState.DELIVERED:
        return delivered
    if state is OutboxState.FAILED:
        return or_(i.state == OutboxState.FAILED.value, failed_later)
    if state is OutboxState.SENT:
        return and_(
            i.state == OutboxState.SENT.value,
            or_(st.status.is_(None), not_(st.status.in_(DELIVERED_STATUSES | FAILED_STATUSES))),
        )
    return i.state == state.value


def list_query(query: OutboxQuery) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if query.state is not None:
        conditions.append(state_condition(query.state))
    if query.sender is not None:
        conditions.append(i.sender == query.sender)
    if query.batch_id is not None:
        conditions.append(i.batch_id == query.batch_id)
    if query.due_after is not None:
        conditions.append(i.not_before >= query.due_after)
    if query.due_before is not None:
        conditions.append(i.not_before < query.due_before)
    if query.after is not None:  # the next page: what sorts after the previous page's last
        created, last = query.after.created_at, query.after.id
        conditions.append(
            or_(i.created_at < created, and_(i.created_at == created, i.outbox_id < last))
        )
    return (
        item_select()
        .where(*conditions)
        .order_by(i.created_at.desc(), i.outbox_id.desc())
        .limit(query.limit)
    )


def queued_senders(
    now: datetime, cap: int, kinds: Collection[OutboxKind] | None
) -> tuple[Select[Any], dict[str, Any]]:
    """Every sender with a queued item, in order, and how many of its items are due
    (``due``, counted up to ``cap``): the statement and its parameters.

    Written as a recursive query that jumps from one sender to the next in the
    ``(state, sender, not_before)`` index (a "loose index scan", which neither database does
    by itself), then counts at most ``cap`` entries of each: a few index probes per sender
    instead of reading every queued row, which keeps a claim fast beside a backlog of
    100,000 items. Built once per set of kinds (see :func:`due_items_of`).
    """
    return _queued_senders(_kinds_key(kinds)), {"q_now": now, "q_cap": cap}


@functools.cache
def _queued_senders(kinds: frozenset[OutboxKind] | None) -> Select[Any]:
    first = select(func.min(i.sender)).where(i.state == QUEUED).scalar_subquery()
    senders = select(first.label("sender")).cte("queued_senders", recursive=True)
    after = (
        select(func.min(i.sender))
        .where(i.state == QUEUED, i.sender > senders.c.sender)
        .scalar_subquery()
    )
    senders = senders.union_all(select(after).where(senders.c.sender.is_not(None)))
    due = select(literal(1)).where(
        i.state == QUEUED, i.sender == senders.c.sender, i.not_before <= _at("q_now")
    )
    if kinds is not None:
        due = due.where(_kind_in(kinds))
    # The row's sender comes from the outer query, two levels up (SQL allows it there).
    limited = due.limit(bindparam("q_cap", type_=Integer())).correlate_except(items).subquery()
    counted = select(func.count()).select_from(limited).scalar_subquery()
    return select(senders.c.sender, counted.label("due")).where(senders.c.sender.is_not(None))


def _kinds_key(kinds: Collection[OutboxKind] | None) -> frozenset[OutboxKind] | None:
    return None if kinds is None else frozenset(OutboxKind(k) for k in kinds)


def _at(name: str) -> Any:
    """A bound time parameter (kept in UTC, like the columns)."""
    return bindparam(name, type_=t.UTCDateTime())


def _kind_in(kinds: Collection[OutboxKind]) -> ColumnElement[bool]:
    return i.kind.in_([OutboxKind(k).value for k in kinds])


def _due(
    of_sender: ColumnElement[bool], now: Any, kinds: Collection[OutboxKind] | None
) -> Select[Any]:
    """The queued items ``of_sender`` selects that are due at ``now``; none of a canceled
    batch."""
    query = (
        item_select()
        .outerjoin(t.outbox_batches, b.batch_id == i.batch_id)
        .where(i.state == QUEUED, of_sender, i.not_before <= now, b.canceled_at.is_(None))
    )
    if kinds is not None:
        query = query.where(_kind_in(kinds))
    return query


def due_items(
    sender: str, now: datetime, limit: int, kinds: Collection[OutboxKind] | None
) -> Select[Any]:
    """Up to ``limit`` of the sender's due queued items, oldest first; none of a canceled
    batch. Locked on PostgreSQL, skipping rows another transaction holds."""
    query = _due(i.sender == sender, now, kinds)
    return query.order_by(i.not_before).limit(limit).with_for_update(of=items, skip_locked=True)


def due_items_of(kinds: Collection[OutboxKind] | None) -> Select[Any]:
    """:func:`due_items` of several senders in one statement, for PostgreSQL: each sender's
    rows come from a ``LATERAL`` subquery with its own limit and row locks, so a claim costs
    one round trip however many senders it serves. Its parameters are :func:`due_params`
    (never in the SQL text): one statement object per set of kinds, built once, so that each
    claim reuses its compiled form and its result columns (building them again per claim was
    a fifth of a worker's CPU)."""
    return _due_items_of(_kinds_key(kinds))


@functools.cache
def _due_items_of(kinds: frozenset[OutboxKind] | None) -> Select[Any]:
    senders = func.unnest(
        bindparam("w_senders", type_=ARRAY(String())), bindparam("w_rooms", type_=ARRAY(Integer()))
    ).table_valued(column("w_sender", String()), column("w_room", Integer()), name="wanted")
    senders = senders.render_derived()  # AS wanted(w_sender, w_room)
    query = _due(i.sender == senders.c.w_sender, _at("w_now"), kinds)
    due = (
        query.order_by(i.not_before)
        .limit(senders.c.w_room)
        .with_for_update(of=items, skip_locked=True)
        .lateral("due")
    )
    return select(due).select_from(senders).join(due, true())


def due_params(wanted: Mapping[str, int], now: datetime) -> dict[str, Any]:
    """The parameters of :func:`due_items_of`: how many due items of each sender, at ``now``."""
    ordered = sorted(wanted.items())
    return {
        "w_senders": [s for s, _ in ordered],
        "w_rooms": [n for _, n in ordered],
        "w_now": now,
    }


def locked_paces(
    senders: Collection[str], *, wait: bool = False
) -> tuple[Select[Any], dict[str, Any]]:
    """The senders' pace rows, locked on PostgreSQL (in order of sender, so that two
    transactions never wait for each other). Without ``wait``, rows another transaction holds
    are skipped: a claim leaves a sender another claim is serving right now to it."""
    return _locked_paces(wait), {"p_senders": sorted(senders)}


@functools.cache
def _locked_paces(wait: bool) -> Select[Any]:
    return (
        select(t.outbox_paces)
        .where(p.sender.in_(bindparam("p_senders", expanding=True)))
        .order_by(p.sender)
        .with_for_update(skip_locked=not wait)
    )


_IN_FLIGHT = select(func.count()).where(i.state == SENDING, i.lease_until > _at("f_now"))
_REQUESTS_IN_FLIGHT = _IN_FLIGHT.where(i.request_started_at.is_not(None))


def in_flight(now: datetime) -> tuple[Select[Any], dict[str, Any]]:
    """How many items are held under an unexpired lease (every owner)."""
    return _IN_FLIGHT, {"f_now": now}


def requests_in_flight(now: datetime) -> tuple[Select[Any], dict[str, Any]]:
    """How many items have their request out: marked started, under an unexpired lease."""
    return _REQUESTS_IN_FLIGHT, {"f_now": now}


_START = (
    update(items)
    .where(
        i.outbox_id == bindparam("s_id"),
        i.state == SENDING,
        i.lease_owner == bindparam("s_owner"),
        i.lease_until > _at("s_at"),
    )
    .values(request_started_at=_at("s_at"), attempts=i.attempts + 1, updated_at=_at("s_at"))
)


def start(item_id: str, owner: str, at: datetime) -> tuple[Update, dict[str, Any]]:
    """Mark the item's request started (and count an attempt), while ``owner`` holds it."""
    return _START, {"s_id": item_id, "s_owner": owner, "s_at": at}


def unstart(item_id: str, owner: str, at: datetime) -> Update:
    """Take back the item's start mark (its request had not left) while ``owner`` holds it:
    rare (an item reached late), so built when needed."""
    return (
        update(items)
        .where(held_by(item_id, owner), i.request_started_at.is_not(None))
        .values(request_started_at=None, attempts=i.attempts - 1, updated_at=at)
    )


def finish(
    item_id: str, changes: Mapping[str, Any], owner: str | None
) -> tuple[Update, dict[str, Any]]:
    """Set ``changes`` (column values) on the item while ``owner`` holds it; ``None``: while
    it is ``unknown``, what reconciliation (or a person) may decide. Not any unfinished item:
    a reconciler that decided late must not requeue an item another worker already requeued
    and is sending (it would leave twice)."""
    params = {f"v_{name}": value for name, value in changes.items()}
    return _finish(tuple(changes), owner is None), params | {"f_id": item_id, "f_owner": owner}


@functools.cache
def _finish(columns: tuple[str, ...], undecided: bool) -> Update:
    where = i.outbox_id == bindparam("f_id")
    held = (
        i.state == OutboxState.UNKNOWN.value
        if undecided
        else and_(i.state == SENDING, i.lease_owner == bindparam("f_owner"))
    )
    values = {name: bindparam(f"v_{name}", type_=i[name].type) for name in columns}
    return update(items).where(where, held).values(values)


def held_by(item_id: str, owner: str) -> ColumnElement[bool]:
    """The item, while ``owner`` holds its lease."""
    return and_(i.outbox_id == item_id, i.state == SENDING, i.lease_owner == owner)


def expired(now: datetime, *, started: bool) -> ColumnElement[bool]:
    """Items whose lease ran out, with or without a request started."""
    started_at = i.request_started_at.is_not(None) if started else i.request_started_at.is_(None)
    return and_(i.state == SENDING, i.lease_until <= now, started_at)


def batch_counts(batch_id: str) -> Select[Any]:
    """A batch's items by stored state (from the ``(batch_id, state, finished_at)`` index)."""
    return select(i.state, func.count()).where(i.batch_id == batch_id).group_by(i.state)


def batch_delivery(batch_id: str) -> Select[Any]:
    """A batch's sent items by their SID's current ledger status (NULL: none yet)."""
    return (
        select(st.status, func.count())
        .select_from(items)
        .outerjoin(t.statuses, st.sid == i.sid)
        .where(i.batch_id == batch_id, i.state == OutboxState.SENT.value)
        .group_by(st.status)
    )


LEFT = (OutboxState.SENT.value, OutboxState.FAILED.value)
"""Stored states of items whose request left (what a sender's rate counts)."""


def batch_first_finished(batch_id: str) -> Select[Any]:
    """When the batch's first request finished."""
    return select(func.min(i.finished_at)).where(i.batch_id == batch_id, i.state.in_(LEFT))


def batch_rates(batch_id: str, since: datetime, now: datetime) -> Select[Any]:
    """Per sender, how many of the batch's requests finished in ``(since, now]``."""
    return (
        select(i.sender, func.count())
        .where(
            i.batch_id == batch_id,
            i.state.in_(LEFT),
            i.finished_at > since,
            i.finished_at <= now,
        )
        .group_by(i.sender)
    )


def depth() -> Select[Any]:
    return (
        select(i.sender, func.count())
        .where(i.state.in_([QUEUED, SENDING]))
        .group_by(i.sender)
        .order_by(i.sender)
    )
