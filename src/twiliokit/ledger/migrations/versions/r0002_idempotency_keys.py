"""Idempotency keys of sends.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

A frozen snapshot, as r0001: types are spelled out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "twiliokit_idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("output", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_twiliokit_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("twiliokit_idempotency_keys")
