"""The ledger: every message and call sent or received, status timelines, error codes,
webhook deliveries, opt-outs and consent events.

``open_ledger(url)`` gives a :class:`LedgerStore`: SQLite (WAL) in the user data directory by
default, PostgreSQL by URL, or the in-memory fake with ``memory://``; every store is also the
outbox (:class:`OutboxStore`: what is waiting to leave, claims, pacing). See ``docs/ledger.md``.
"""

from __future__ import annotations

from twiliokit.ledger import outbox_records, records
from twiliokit.ledger.connect import open_ledger
from twiliokit.ledger.memory import MemoryLedger
from twiliokit.ledger.migrate import current_revision, downgrade, head_revision, upgrade
from twiliokit.ledger.outbox_records import *  # noqa: F403
from twiliokit.ledger.outbox_store import OutboxStore
from twiliokit.ledger.records import *  # noqa: F403
from twiliokit.ledger.rules import keyword_action, sender_key
from twiliokit.ledger.sql import SqlLedger
from twiliokit.ledger.store import LedgerStore
from twiliokit.ledger.urls import default_ledger_path, default_ledger_url

__all__ = [
    "LedgerStore",
    "MemoryLedger",
    "OutboxStore",
    "SqlLedger",
    "current_revision",
    "default_ledger_path",
    "default_ledger_url",
    "downgrade",
    "head_revision",
    "keyword_action",
    "open_ledger",
    "sender_key",
    "upgrade",
]
# The records' public names are listed once, in their modules' __all__, re-exported whole.
__all__ += records.__all__
__all__ += outbox_records.__all__
__all__.sort()
