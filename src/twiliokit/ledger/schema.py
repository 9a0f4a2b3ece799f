"""Ledger tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

The migrations in ``migrations/versions`` must produce exactly this schema; a test compares a
migrated database with ``metadata.create_all``. Change both together, in a new revision.

Current statuses live in their own table (``twiliokit_statuses``, one row per message or call
SID) rather than on the message row, so that a status callback arriving before its message is
recorded still has a row to upsert: both writers then meet on one primary key, which the
database serialises.

The outbox (``twiliokit_outbox_*``) keeps what is waiting to leave, what left, each bulk send
(batch) and each sender's pace; see :mod:`twiliokit.ledger.outbox_store` and docs/ledger.md.
An item's delivery is not copied onto it: it is read from ``twiliokit_statuses`` by SID, so the
webhook write path stays as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Double,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "calls",
    "claims",
    "consent_events",
    "idempotency_keys",
    "messages",
    "metadata",
    "opt_outs",
    "outbox_batches",
    "outbox_items",
    "outbox_paces",
    "status_events",
    "statuses",
    "webhook_deliveries",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SID = String(64)
ADDRESS = String(255)
ENUM = String(32)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no time zones: values are stored as naive UTC text (which sorts correctly) and
    read back with UTC attached. PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the ledger stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT keys; SQLite only auto-increments a column declared INTEGER PRIMARY KEY.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")

messages = Table(
    "twiliokit_messages",
    metadata,
    Column("sid", SID, primary_key=True),
    Column("account_sid", SID, nullable=False),
    Column("direction", ENUM, nullable=False),
    Column("from_addr", ADDRESS),
    Column("to_addr", ADDRESS, nullable=False),
    Column("contact", ADDRESS, nullable=False),
    Column("body", Text),
    Column("num_segments", Integer),
    Column("num_media", Integer),
    Column("media_urls", JSON(none_as_null=True)),
    Column("messaging_service_sid", SID),
    Column("channel", ENUM, nullable=False),
    Column("price", String(32)),
    Column("price_unit", String(8)),
    Column("date_created", UTCDateTime, nullable=False),
    Column("date_updated", UTCDateTime),
    Column("date_sent", UTCDateTime),
    Index(None, "contact", "date_created"),
    Index(None, "date_created"),
)

calls = Table(
    "twiliokit_calls",
    metadata,
    Column("sid", SID, primary_key=True),
    Column("account_sid", SID, nullable=False),
    Column("direction", ENUM, nullable=False),
    Column("from_addr", ADDRESS, nullable=False),
    Column("to_addr", ADDRESS, nullable=False),
    Column("contact", ADDRESS, nullable=False),
    Column("date_created", UTCDateTime, nullable=False),
    Column("date_updated", UTCDateTime),
    Column("start_time", UTCDateTime),
    Column("end_time", UTCDateTime),
    Column("duration", Integer),
    Column("price", String(32)),
    Column("price_unit", String(8)),
    Column("parent_call_sid", SID),
    Column("answered_by", ENUM),
    Index(None, "contact", "date_created"),
)

statuses = Table(
    "twiliokit_statuses",
    metadata,
    Column("sid", SID, primary_key=True),
    Column("status", ENUM, nullable=False),
    Column("status_rank", SmallInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("error_code", Integer),
    Column("error_message", Text),
)

status_events = Table(
    "twiliokit_status_events",
    metadata,
    Column("sid", SID, primary_key=True),
    Column("status", ENUM, primary_key=True),
    Column("status_rank", SmallInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", ENUM, nullable=False),
    Column("error_code", Integer),
    Column("error_message", Text),
)

claims = Table(
    "twiliokit_claims",
    metadata,
    Column("kind", String(64), primary_key=True),
    Column("claim_key", String(255), primary_key=True),
    Column("claimed_at", UTCDateTime, nullable=False),
)

webhook_deliveries = Table(
    "twiliokit_webhook_deliveries",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("kind", ENUM, nullable=False),
    Column("idempotency_key", String(255)),
    Column("sid", SID),
    Column("received_at", UTCDateTime, nullable=False),
    Column("url", Text, nullable=False),
    Column("signature_valid", Boolean, nullable=False),
    Column("duplicate", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("params", JSON(none_as_null=True)),
    Index(None, "sid"),
    Index(None, "received_at"),
)

consent_events = Table(
    "twiliokit_consent_events",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("sender_key", ADDRESS, nullable=False),
    Column("recipient", ADDRESS, nullable=False),
    Column("action", ENUM, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", ENUM, nullable=False),
    Column("keyword", Text),
    Column("message_sid", SID),
    Index(None, "recipient", "at"),
)

opt_outs = Table(
    "twiliokit_opt_outs",
    metadata,
    Column("sender_key", ADDRESS, primary_key=True),
    Column("recipient", ADDRESS, primary_key=True),
    Column("action", ENUM, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", ENUM, nullable=False),
    Column("keyword", Text),
)

idempotency_keys = Table(
    "twiliokit_idempotency_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("state", ENUM, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("output", JSON(none_as_null=True)),
)

OUTBOX_ID = String(34)  # OB/BT + 32 hex digits

outbox_items = Table(
    "twiliokit_outbox_items",
    metadata,
    Column("outbox_id", OUTBOX_ID, primary_key=True),
    Column("kind", ENUM, nullable=False),
    Column("action", String(64), nullable=False),
    Column("sender", ADDRESS, nullable=False),
    Column("to_addr", ADDRESS, nullable=False),
    Column("request", JSON, nullable=False),
    Column("state", ENUM, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("not_before", UTCDateTime, nullable=False),
    Column("batch_id", OUTBOX_ID),
    Column("idempotency_key", String(255)),
    Column("attempts", Integer, nullable=False),
    Column("lease_owner", String(255)),
    Column("lease_until", UTCDateTime),
    Column("request_started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("sid", SID),
    Column("twilio_status", ENUM),
    Column("error_code", Integer),
    Column("reason", Text),
    # Due items and leases by state; a sender's due items oldest first (claims, pacing);
    # a batch's counts and recent rate (read from the index alone); callbacks and idempotent
    # retries finding their item.
    Index(None, "state", "not_before"),
    Index(None, "state", "sender", "not_before"),
    Index(None, "batch_id", "state", "finished_at"),
    Index(None, "sid"),
    Index(None, "idempotency_key"),
)

outbox_batches = Table(
    "twiliokit_outbox_batches",
    metadata,
    Column("batch_id", OUTBOX_ID, primary_key=True),
    Column("action", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("total", Integer, nullable=False),
    Column("rate", Double),
    Column("canceled_at", UTCDateTime),
    Column("details", JSON(none_as_null=True)),
)

outbox_paces = Table(
    "twiliokit_outbox_paces",
    metadata,
    Column("sender", ADDRESS, primary_key=True),
    Column("rate", Double, nullable=False),
    Column("next_at", UTCDateTime, nullable=False),
    Column("slowed_until", UTCDateTime),
)
