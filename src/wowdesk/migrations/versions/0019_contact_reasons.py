"""Contact reasons: the taxonomy, and the reason and order a ticket or a chat is about

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Every contact is a signal: tickets carry why the customer got in touch and the order it is about,
so that contacts per order can be counted per reason, seller and product.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "contact_reasons",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("names", _json(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_reasons_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_reasons")),
        sa.UniqueConstraint("workspace_id", "code", name=op.f("uq_contact_reasons_workspace_id_code")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("order_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_order_id_orders"), "orders", ["order_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_tickets_ws_order", ["workspace_id", "order_id"], unique=False)
        batch_op.create_index("ix_tickets_ws_created", ["workspace_id", "created_at"], unique=False)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("order_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_order_id_orders"),
            "orders",
            ["order_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_conversations_ws_order", ["workspace_id", "order_id"], unique=False)
        batch_op.create_index("ix_conversations_ws_created", ["workspace_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_ws_created")
        batch_op.drop_index("ix_conversations_ws_order")
        batch_op.drop_constraint(batch_op.f("fk_conversations_order_id_orders"), type_="foreignkey")
        batch_op.drop_column("order_id")
        batch_op.drop_column("contact_reason")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_ws_created")
        batch_op.drop_index("ix_tickets_ws_order")
        batch_op.drop_constraint(batch_op.f("fk_tickets_order_id_orders"), type_="foreignkey")
        batch_op.drop_column("order_id")
        batch_op.drop_column("contact_reason")
    op.drop_table("contact_reasons")
