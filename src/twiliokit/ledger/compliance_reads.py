"""Reads the compliance rules make for many recipients at once (a bulk send), in one query per
chunk of recipients rather than one per recipient.

::

    last = await last_inbound_many(ledger, ["whatsapp:+1415..."], our_address=None)
    sent = await count_outbound_since_many(ledger, ["+1415...", "whatsapp:+1415..."], since)

On :class:`~twiliokit.ledger.SqlLedger` each chunk is one ``GROUP BY contact`` over the
``(contact, date_created)`` index. Any other store (the in-memory fake) is asked one
recipient at a time through :class:`~twiliokit.ledger.LedgerStore`'s own methods, which also
say what the SQL computes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from twiliokit.ledger import schema as t
from twiliokit.ledger.outbox_records import OutboxQuery, OutboxState
from twiliokit.ledger.records import Direction, require_utc
from twiliokit.ledger.sql import SqlLedger

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from twiliokit.ledger.store import LedgerStore

__all__ = ["count_claimed_many", "count_outbound_since_many", "last_inbound_many"]

#: Recipients per query: well under SQLite's 32,766 bound parameters (and PostgreSQL's 65,535).
CHUNK: Final = 5000


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


async def last_inbound_many(
    ledger: LedgerStore, contacts: Collection[str], *, our_address: str | None = None
) -> dict[str, datetime]:
    """When each contact last wrote to us (to ``our_address`` if given); contacts who never
    did are absent. :meth:`LedgerStore.last_inbound_at` for many."""
    wanted = sorted(set(contacts))
    if not isinstance(ledger, SqlLedger):
        found = {c: await ledger.last_inbound_at(c, our_address) for c in wanted}
        return {c: at for c, at in found.items() if at is not None}
    m = t.messages.c

    def run(conn: Connection) -> dict[str, datetime]:
        out: dict[str, datetime] = {}
        for chunk in _chunks(wanted):
            query = select(m.contact, func.max(m.date_created)).where(
                m.contact.in_(chunk), m.direction == Direction.INBOUND.value
            )
            if our_address is not None:
                query = query.where(m.to_addr == our_address)
            out.update({row[0]: row[1] for row in conn.execute(query.group_by(m.contact))})
        return out

    return await ledger.read(run)


async def count_outbound_since_many(
    ledger: LedgerStore, recipients: Collection[str], since: datetime
) -> dict[str, int]:
    """How many messages we sent to each recipient created at or after ``since``; those with
    none are absent. :meth:`LedgerStore.count_outbound_since` for many."""
    since = require_utc("count_outbound_since_many", "since", since)
    wanted = sorted(set(recipients))
    if not isinstance(ledger, SqlLedger):
        counts = {r: await ledger.count_outbound_since(r, since) for r in wanted}
        return {r: n for r, n in counts.items() if n}
    m = t.messages.c

    def run(conn: Connection) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(wanted):
            query = (
                select(m.contact, func.count())
                .where(
                    m.contact.in_(chunk),
                    m.direction != Direction.INBOUND.value,
                    m.date_created >= since,
                )
                .group_by(m.contact)
            )
            out.update({row[0]: int(row[1]) for row in conn.execute(query)})
        return out

    return await ledger.read(run)


async def count_claimed_many(
    ledger: LedgerStore, recipients: Collection[str], *, excluding: Collection[str] = ()
) -> dict[str, int]:
    """How many outbox items to each recipient a worker holds to send (``sending``: claimed,
    their message not recorded as sent yet), leaving out the items ``excluding`` names; those
    with none are absent. The daily cap counts them with the messages sent, so that items
    claimed a moment apart (by two claims or two workers) cannot both pass it."""
    wanted = sorted(set(recipients))
    left_out = set(excluding)
    if not wanted:
        return {}
    if not isinstance(ledger, SqlLedger):
        held = await ledger.list_items(OutboxQuery(state=OutboxState.SENDING, limit=1000))
        counts: dict[str, int] = {}
        people = set(wanted)
        for item in held:
            if item.to in people and item.id not in left_out:
                counts[item.to] = counts.get(item.to, 0) + 1
        return counts
    o = t.outbox_items.c

    def run(conn: Connection) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(wanted):
            query = select(o.to_addr, o.outbox_id).where(
                o.state == OutboxState.SENDING.value, o.to_addr.in_(chunk)
            )
            for to, outbox_id in conn.execute(query):
                if outbox_id not in left_out:
                    out[to] = out.get(to, 0) + 1
        return out

    return await ledger.read(run)
