"""Agents' chat presence: availability, capacity, last seen, last assigned (round robin)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wowdesk.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("availability", sa.String(length=10), server_default="offline", nullable=False)
        )
        batch_op.add_column(sa.Column("chat_capacity", sa.Integer(), server_default="5", nullable=False))
        batch_op.add_column(
            sa.Column("last_seen_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_assigned_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("last_assigned_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("chat_capacity")
        batch_op.drop_column("availability")
