"""Reads made for the web console: the inbox (the latest message per contact) and the chart
(messages per hour by status, top error codes), in one query each on SQL.

::

    page = await inbox_page(ledger, InboxFilters(text="order"), offset=0, limit=50)
    chart = await status_chart(ledger, since=..., until=...)

On :class:`~twiliokit.ledger.SqlLedger` the inbox walks messages newest first on the
``date_created`` index until it has the page's contacts (see :func:`_sql_inbox`), then counts
their unread messages on the ``(contact, date_created)`` index; the chart groups by hour in
the database. Any other store (the in-memory fake) is read through
:meth:`LedgerStore.search` (its newest 1,000 messages) and summarised by the pure functions
below, which also say what the SQL computes.

"Unread" is the inbound messages after our last outbound one to that contact: what nobody has
answered yet (the ledger keeps no per-reader state).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from twiliokit.ledger import schema as t
from twiliokit.ledger.records import (
    MAX_LIMIT,
    Channel,
    Direction,
    LedgerQuery,
    MessageRecord,
    MessageStatus,
)
from twiliokit.ledger.rows import message_from_row
from twiliokit.ledger.sql import SqlLedger
from twiliokit.ledger.statements import messages_query

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from twiliokit.ledger.store import LedgerStore

__all__ = [
    "ChartData",
    "InboxFilters",
    "InboxPage",
    "InboxRow",
    "chart_from_messages",
    "inbox_from_messages",
    "inbox_page",
    "status_chart",
]

#: How many error codes the chart lists.
TOP_ERRORS = 10
#: Rows the inbox reads from the database at a time.
_CHUNK = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxFilters:
    """Which conversations the inbox shows: those with a message matching every filter.

    ``text`` matches a substring of the contact's number or of a body (case-insensitive);
    ``since`` is inclusive and ``until`` exclusive, on the message's creation time.
    """

    text: str | None = None
    channel: Channel | None = None
    status: MessageStatus | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One conversation: the contact, its latest (matching) message, unanswered inbound."""

    contact: str
    last: MessageRecord
    unread: int


@dataclass(frozen=True, slots=True)
class InboxPage:
    """Conversations newest first; ``has_more`` when a next page exists."""

    rows: tuple[InboxRow, ...]
    has_more: bool


@dataclass(frozen=True, slots=True)
class ChartData:
    """Messages per hour (``YYYY-MM-DD HH``, UTC) by current status, and the most frequent
    error codes with their counts, most frequent first."""

    hours: dict[str, dict[str, int]] = field(default_factory=dict)
    top_errors: tuple[tuple[int, int], ...] = ()


# --------------------------------------------------------------------------- the entry points


async def inbox_page(
    store: LedgerStore, filters: InboxFilters, *, offset: int = 0, limit: int = 50
) -> InboxPage:
    """One page of the inbox (see the module docstring)."""
    sql = _sql_store(store)
    if sql is not None:
        return await sql.read(lambda conn: _sql_inbox(conn, filters, offset, limit))
    # Unfiltered: the unread counts take every message of a contact, as in SQL.
    messages = await store.search(LedgerQuery(limit=MAX_LIMIT))
    return inbox_from_messages(messages, filters, offset=offset, limit=limit)


async def status_chart(store: LedgerStore, *, since: datetime, until: datetime) -> ChartData:
    """The chart's figures for messages created in ``[since, until)``."""
    sql = _sql_store(store)
    if sql is not None:
        dialect = sql.dialect_name
        return await sql.read(lambda conn: _sql_chart(conn, dialect, since, until))
    messages = await store.search(LedgerQuery(since=since, until=until, limit=MAX_LIMIT))
    return chart_from_messages(messages)


def _sql_store(store: object) -> SqlLedger | None:
    """``store`` when it is the SQL ledger (typed ``object``: the protocol and the class are
    checked apart)."""
    return store if isinstance(store, SqlLedger) else None


# --------------------------------------------------------------------------- pure summaries


def _matches_text(message: MessageRecord, text: str | None) -> bool:
    if not text:
        return True
    folded = text.casefold()
    return folded in message.contact.casefold() or folded in (message.body or "").casefold()


def inbox_from_messages(
    messages: Iterable[MessageRecord], filters: InboxFilters, *, offset: int, limit: int
) -> InboxPage:
    """The inbox computed from messages in memory (what the SQL computes)."""
    everything = sorted(messages, key=lambda m: (m.date_created, m.sid), reverse=True)
    latest: dict[str, MessageRecord] = {}
    for message in everything:
        if message.contact not in latest and _matches(message, filters):
            latest[message.contact] = message
    answered: dict[str, datetime] = {}
    for message in everything:
        if not message.is_inbound:
            answered.setdefault(message.contact, message.date_created)
    unread = Counter(
        m.contact
        for m in everything
        if m.is_inbound and (m.contact not in answered or m.date_created > answered[m.contact])
    )
    chosen = list(latest.values())[offset : offset + limit + 1]
    rows = tuple(InboxRow(m.contact, m, unread[m.contact]) for m in chosen[:limit])
    return InboxPage(rows=rows, has_more=len(chosen) > limit)


def _matches(message: MessageRecord, filters: InboxFilters) -> bool:
    return (
        _matches_text(message, filters.text)
        and (filters.channel is None or message.channel is filters.channel)
        and (filters.status is None or message.status is filters.status)
        and (filters.since is None or message.date_created >= filters.since)
        and (filters.until is None or message.date_created < filters.until)
    )


def chart_from_messages(messages: Iterable[MessageRecord]) -> ChartData:
    """The chart computed from messages in memory (what the SQL computes)."""
    hours: dict[str, dict[str, int]] = {}
    errors: Counter[int] = Counter()
    for message in messages:
        hour = message.date_created.strftime("%Y-%m-%d %H")
        counts = hours.setdefault(hour, {})
        counts[message.status.value] = counts.get(message.status.value, 0) + 1
        if message.error_code is not None:
            errors[message.error_code] += 1
    return ChartData(hours=dict(sorted(hours.items())), top_errors=_top(errors.items()))


def _top(counts: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted(counts, key=lambda pair: (-pair[1], pair[0]))[:TOP_ERRORS])


# --------------------------------------------------------------------------- SQL


def _conditions(filters: InboxFilters) -> list[Any]:
    m = t.messages.c
    conditions: list[Any] = []
    if filters.text:
        conditions.append(
            or_(
                m.contact.contains(filters.text, autoescape=True),
                m.body.icontains(filters.text, autoescape=True),
            )
        )
    if filters.channel is not None:
        conditions.append(m.channel == filters.channel.value)
    if filters.status is not None:
        conditions.append(t.statuses.c.status == filters.status.value)
    if filters.since is not None:
        conditions.append(m.date_created >= filters.since)
    if filters.until is not None:
        conditions.append(m.date_created < filters.until)
    return conditions


def _sql_inbox(conn: Connection, filters: InboxFilters, offset: int, limit: int) -> InboxPage:
    """Messages newest first (the ``date_created`` index, no sort), read in chunks until the
    page's contacts are found: a contact's first message in that order is its latest one, so
    the first page reads about as many rows as it shows, whatever the ledger's size. (A
    ``GROUP BY contact`` would read every message for every page.)"""
    m = t.messages.c
    newest_first = (
        messages_query()
        .where(*_conditions(filters))
        .order_by(m.date_created.desc(), m.sid.desc())
        .execution_options(yield_per=_CHUNK)
    )
    seen: set[str] = set()
    chosen: list[MessageRecord] = []
    wanted = offset + limit + 1
    with conn.execute(newest_first) as result:
        for row in result:
            if row.contact in seen:
                continue
            seen.add(row.contact)
            if len(seen) > offset:
                chosen.append(message_from_row(row))
            if len(seen) >= wanted:
                break
    page = chosen[:limit]
    unread = _sql_unread(conn, [message.contact for message in page]) if page else {}
    return InboxPage(
        rows=tuple(InboxRow(m.contact, m, unread.get(m.contact, 0)) for m in page),
        has_more=len(chosen) > limit,
    )


def _sql_unread(conn: Connection, contacts: Sequence[str]) -> dict[str, int]:
    """Inbound messages after the last outbound one, per contact of the page."""
    m = t.messages.c
    out = t.messages.alias("answered")
    answered = (
        select(func.max(out.c.date_created))
        .where(out.c.contact == m.contact, out.c.direction != Direction.INBOUND.value)
        .scalar_subquery()
    )
    query = (
        select(m.contact, func.count())
        .where(
            m.contact.in_(contacts),
            m.direction == Direction.INBOUND.value,
            or_(answered.is_(None), m.date_created > answered),
        )
        .group_by(m.contact)
    )
    return {str(contact): int(count) for contact, count in conn.execute(query).all()}


def _hour(dialect: str) -> Any:
    """The hour of ``date_created`` as ``YYYY-MM-DD HH`` (UTC) in each database."""
    m = t.messages.c
    if dialect == "sqlite":  # stored as naive UTC text, 'YYYY-MM-DD HH:MM:SS...'
        return func.substr(m.date_created, 1, 13)
    return func.to_char(func.timezone("UTC", m.date_created), "YYYY-MM-DD HH24")


def _sql_chart(conn: Connection, dialect: str, since: datetime, until: datetime) -> ChartData:
    m = t.messages.c
    s = t.statuses.c
    joined = t.messages.join(t.statuses, s.sid == m.sid)
    window = (m.date_created >= since, m.date_created < until)
    hour = _hour(dialect).label("hour")
    hours: dict[str, dict[str, int]] = {}
    per_hour = (
        select(hour, s.status, func.count())
        .select_from(joined)
        .where(*window)
        .group_by(hour, s.status)
        .order_by(hour)
    )
    for when, status, count in conn.execute(per_hour).all():
        hours.setdefault(str(when), {})[str(status)] = int(count)
    errors = (
        select(s.error_code, func.count())
        .select_from(joined)
        .where(*window, s.error_code.is_not(None))
        .group_by(s.error_code)
    )
    top = _top((int(code), int(count)) for code, count in conn.execute(errors).all())
    return ChartData(hours=hours, top_errors=top)
