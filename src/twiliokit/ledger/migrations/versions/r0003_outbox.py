"""The outbox: items waiting to leave or gone, bulk-send batches, and each sender's pace.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A frozen snapshot, as r0001: types are spelled out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

OUTBOX_ID = sa.String(length=34)
ADDRESS = sa.String(length=255)
ENUM = sa.String(length=32)
ITEMS = "twiliokit_outbox_items"


def _time(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        ITEMS,
        sa.Column("outbox_id", OUTBOX_ID, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("sender", ADDRESS, nullable=False),
        sa.Column("to_addr", ADDRESS, nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        _time("not_before", nullable=False),
        sa.Column("batch_id", OUTBOX_ID, nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=255), nullable=True),
        _time("lease_until"),
        _time("request_started_at"),
        _time("finished_at"),
        sa.Column("sid", sa.String(length=64), nullable=True),
        sa.Column("twilio_status", ENUM, nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_twiliokit_outbox_items")),
    )
    for columns in (
        ["state", "not_before"],
        ["state", "sender", "not_before"],
        ["batch_id", "state", "finished_at"],
        ["sid"],
        ["idempotency_key"],
    ):
        op.create_index(op.f(f"ix_{ITEMS}_{'_'.join(columns)}"), ITEMS, columns)
    op.create_table(
        "twiliokit_outbox_batches",
        sa.Column("batch_id", OUTBOX_ID, nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        _time("created_at", nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Double(), nullable=True),
        _time("canceled_at"),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_twiliokit_outbox_batches")),
    )
    op.create_table(
        "twiliokit_outbox_paces",
        sa.Column("sender", ADDRESS, nullable=False),
        sa.Column("rate", sa.Double(), nullable=False),
        _time("next_at", nullable=False),
        _time("slowed_until"),
        sa.PrimaryKeyConstraint("sender", name=op.f("pk_twiliokit_outbox_paces")),
    )


def downgrade() -> None:
    op.drop_table("twiliokit_outbox_paces")
    op.drop_table("twiliokit_outbox_batches")
    op.drop_table(ITEMS)  # its indexes go with it
