"""Initial ledger schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

A frozen snapshot: later schema changes go in new revisions, never here. Types are spelled
out (``DateTime(timezone=True)`` rather than ``schema.UTCDateTime``) so this file does not
change when ``schema.py`` does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

SID = sa.String(length=64)
ADDRESS = sa.String(length=255)
ENUM = sa.String(length=32)
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "twiliokit_messages",
        sa.Column("sid", SID, nullable=False),
        sa.Column("account_sid", SID, nullable=False),
        sa.Column("direction", ENUM, nullable=False),
        sa.Column("from_addr", ADDRESS, nullable=True),
        sa.Column("to_addr", ADDRESS, nullable=False),
        sa.Column("contact", ADDRESS, nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("num_segments", sa.Integer(), nullable=True),
        sa.Column("num_media", sa.Integer(), nullable=True),
        sa.Column("media_urls", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("messaging_service_sid", SID, nullable=True),
        sa.Column("channel", ENUM, nullable=False),
        sa.Column("price", sa.String(length=32), nullable=True),
        sa.Column("price_unit", sa.String(length=8), nullable=True),
        _time("date_created", nullable=False),
        _time("date_updated"),
        _time("date_sent"),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_twiliokit_messages")),
    )
    op.create_index(
        op.f("ix_twiliokit_messages_contact_date_created"),
        "twiliokit_messages",
        ["contact", "date_created"],
    )
    op.create_index(
        op.f("ix_twiliokit_messages_date_created"), "twiliokit_messages", ["date_created"]
    )

    op.create_table(
        "twiliokit_calls",
        sa.Column("sid", SID, nullable=False),
        sa.Column("account_sid", SID, nullable=False),
        sa.Column("direction", ENUM, nullable=False),
        sa.Column("from_addr", ADDRESS, nullable=False),
        sa.Column("to_addr", ADDRESS, nullable=False),
        sa.Column("contact", ADDRESS, nullable=False),
        _time("date_created", nullable=False),
        _time("date_updated"),
        _time("start_time"),
        _time("end_time"),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("price", sa.String(length=32), nullable=True),
        sa.Column("price_unit", sa.String(length=8), nullable=True),
        sa.Column("parent_call_sid", SID, nullable=True),
        sa.Column("answered_by", ENUM, nullable=True),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_twiliokit_calls")),
    )
    op.create_index(
        op.f("ix_twiliokit_calls_contact_date_created"),
        "twiliokit_calls",
        ["contact", "date_created"],
    )

    op.create_table(
        "twiliokit_statuses",
        sa.Column("sid", SID, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("status_rank", sa.SmallInteger(), nullable=False),
        _time("at", nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_twiliokit_statuses")),
    )
    op.create_table(
        "twiliokit_status_events",
        sa.Column("sid", SID, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("status_rank", sa.SmallInteger(), nullable=False),
        _time("at", nullable=False),
        sa.Column("source", ENUM, nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sid", "status", name=op.f("pk_twiliokit_status_events")),
    )
    op.create_table(
        "twiliokit_claims",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("claim_key", sa.String(length=255), nullable=False),
        _time("claimed_at", nullable=False),
        sa.PrimaryKeyConstraint("kind", "claim_key", name=op.f("pk_twiliokit_claims")),
    )

    op.create_table(
        "twiliokit_webhook_deliveries",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("sid", SID, nullable=True),
        _time("received_at", nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("signature_valid", sa.Boolean(), nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twiliokit_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_twiliokit_webhook_deliveries_received_at"),
        "twiliokit_webhook_deliveries",
        ["received_at"],
    )
    op.create_index(
        op.f("ix_twiliokit_webhook_deliveries_sid"), "twiliokit_webhook_deliveries", ["sid"]
    )

    op.create_table(
        "twiliokit_consent_events",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("sender_key", ADDRESS, nullable=False),
        sa.Column("recipient", ADDRESS, nullable=False),
        sa.Column("action", ENUM, nullable=False),
        _time("at", nullable=False),
        sa.Column("source", ENUM, nullable=False),
        sa.Column("keyword", sa.Text(), nullable=True),
        sa.Column("message_sid", SID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twiliokit_consent_events")),
    )
    op.create_index(
        op.f("ix_twiliokit_consent_events_recipient_at"),
        "twiliokit_consent_events",
        ["recipient", "at"],
    )
    op.create_table(
        "twiliokit_opt_outs",
        sa.Column("sender_key", ADDRESS, nullable=False),
        sa.Column("recipient", ADDRESS, nullable=False),
        sa.Column("action", ENUM, nullable=False),
        _time("at", nullable=False),
        sa.Column("source", ENUM, nullable=False),
        sa.Column("keyword", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sender_key", "recipient", name=op.f("pk_twiliokit_opt_outs")),
    )


def downgrade() -> None:
    for table in (
        "twiliokit_opt_outs",
        "twiliokit_consent_events",
        "twiliokit_webhook_deliveries",
        "twiliokit_claims",
        "twiliokit_status_events",
        "twiliokit_statuses",
        "twiliokit_calls",
        "twiliokit_messages",
    ):
        op.drop_table(table)  # drops the table's indexes with it
