"""The ledger: every message and call sent or received, status timelines, error codes,
webhook deliveries, opt-outs and consent events.

``open_ledger(url)`` gives a :class:`LedgerStore`: SQLite (WAL) in the user data directory by
default, PostgreSQL by URL, or the in-memory fake with ``memory://``; every store is also the
outbox (:class:`OutboxStore`: what is waiting to leave, claims, pacing). See ``docs/ledger.md``.
"""

from __future__ import annotations

from twiliokit.ledger.connect import open_ledger
from twiliokit.ledger.memory import MemoryLedger
from twiliokit.ledger.migrate import current_revision, downgrade, head_revision, upgrade
from twiliokit.ledger.outbox_records import (
    BatchProgress,
    ClaimedItem,
    NewBatch,
    NewOutboxItem,
    OutboxBatch,
    OutboxItem,
    OutboxKind,
    OutboxOutcome,
    OutboxQuery,
    OutboxState,
    OutcomeKind,
    SenderPace,
)
from twiliokit.ledger.outbox_store import OutboxStore
from twiliokit.ledger.records import (
    BatchResult,
    CallDirection,
    CallRecord,
    CallStatus,
    CallStatusEvent,
    Channel,
    Claim,
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
    channel_for,
)
from twiliokit.ledger.rules import keyword_action, sender_key
from twiliokit.ledger.sql import SqlLedger
from twiliokit.ledger.store import LedgerStore
from twiliokit.ledger.urls import default_ledger_path, default_ledger_url

__all__ = [
    "BatchProgress",
    "BatchResult",
    "CallDirection",
    "CallRecord",
    "CallStatus",
    "CallStatusEvent",
    "Channel",
    "Claim",
    "ClaimedItem",
    "ConversationItem",
    "Direction",
    "IdempotencyState",
    "IdempotentRequest",
    "LedgerBatch",
    "LedgerQuery",
    "LedgerStore",
    "MemoryLedger",
    "MessageRecord",
    "MessageStatus",
    "NewBatch",
    "NewOutboxItem",
    "OptOut",
    "OptOutAction",
    "OptOutEvent",
    "OptOutSource",
    "OutboxBatch",
    "OutboxItem",
    "OutboxKind",
    "OutboxOutcome",
    "OutboxQuery",
    "OutboxState",
    "OutboxStore",
    "OutcomeKind",
    "SenderPace",
    "SqlLedger",
    "StatusEvent",
    "StatusOutcome",
    "StatusSource",
    "WebhookDelivery",
    "WebhookKind",
    "channel_for",
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
