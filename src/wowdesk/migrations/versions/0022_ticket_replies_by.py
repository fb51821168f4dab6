"""Tickets answered by e-mail: how a ticket's public replies reach its requester

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02

A message left in the chat widget while nobody takes chats becomes a ticket whose public replies
are e-mailed to the requester (``tickets.email``): ``replies_by`` = "email"; null for every other
ticket (its replies are read where the ticket is, and in its chat).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies_by", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("replies_by")
