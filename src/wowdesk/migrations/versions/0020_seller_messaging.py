"""Buyer-seller messaging: seller API keys, threads (a conversation about an order, with its seller
and the buyer's masked alias), flags on messages that try to leave the platform, sellers' response
times, and the workspace's own domains

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _at(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, wowdesk.core.db.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _base(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
    ]


def upgrade() -> None:
    t = "seller_api_keys"
    op.create_table(
        t,
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        _at("created_at"),
        _at("last_used_at", True),
        _at("revoked_at", True),
        *_base(t),
        _fk(t, "seller_id", "sellers"),
        _fk(t, "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("key_hash", name=op.f(f"uq_{t}_key_hash")),
    )
    op.create_index("ix_seller_api_keys_ws_seller", t, ["workspace_id", "seller_id", "id"], unique=False)

    t = "seller_threads"
    op.create_table(
        t,
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("order_external_id", sa.String(length=200), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=False),
        sa.Column("alias", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=16), nullable=False),
        _at("awaiting_since", True),
        _at("last_message_at"),
        _at("created_at"),
        *_base(t),
        _fk(t, "conversation_id", "conversations"),
        _fk(t, "customer_id", "customers"),
        _fk(t, "order_id", "orders"),
        _fk(t, "seller_id", "sellers"),
        _fk(t, "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("conversation_id", name=op.f(f"uq_{t}_conversation_id")),
        sa.UniqueConstraint("workspace_id", "order_id", name=op.f(f"uq_{t}_workspace_id_order_id")),
    )
    op.create_index(
        "ix_seller_threads_ws_seller_activity",
        t,
        ["workspace_id", "seller_id", "last_message_at", "id"],
        unique=False,
    )
    op.create_index("ix_seller_threads_ws_alias", t, ["workspace_id", "alias"], unique=False)

    t = "message_flags"
    op.create_table(
        t,
        sa.Column("message_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("findings", _json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        _at("decided_at", True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("released_message_id", _ID, nullable=True),
        _at("created_at"),
        *_base(t),
        _fk(t, "conversation_id", "conversations"),
        _fk(t, "message_id", "messages"),
        sa.ForeignKeyConstraint(
            ["released_message_id"],
            ["messages.id"],
            name=op.f("fk_message_flags_released_message_id_messages"),
            ondelete="SET NULL",
        ),
        _fk(t, "seller_id", "sellers"),
        _fk(t, "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("message_id", name=op.f(f"uq_{t}_message_id")),
    )
    op.create_index("ix_message_flags_ws_status_id", t, ["workspace_id", "status", "id"], unique=False)
    op.create_index(
        "ix_message_flags_ws_conversation", t, ["workspace_id", "conversation_id", "id"], unique=False
    )

    t = "seller_responses"
    op.create_table(
        t,
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        _at("asked_at"),
        _at("answered_at"),
        sa.Column("milliseconds", sa.BigInteger(), nullable=False),
        *_base(t),
        _fk(t, "conversation_id", "conversations"),
        _fk(t, "seller_id", "sellers"),
        _fk(t, "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index(
        "ix_seller_responses_ws_seller_asked", t, ["workspace_id", "seller_id", "asked_at"], unique=False
    )

    t = "seller_messaging_settings"
    op.create_table(
        t,
        sa.Column("mail_domain", sa.String(length=253), nullable=False),
        sa.Column("allowed_domains", _json(), nullable=False),
        _at("updated_at"),
        *_base(t),
        _fk(t, "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("workspace_id", name=op.f(f"uq_{t}_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("seller_messaging_settings")
    op.drop_index("ix_seller_responses_ws_seller_asked", table_name="seller_responses")
    op.drop_table("seller_responses")
    op.drop_index("ix_message_flags_ws_conversation", table_name="message_flags")
    op.drop_index("ix_message_flags_ws_status_id", table_name="message_flags")
    op.drop_table("message_flags")
    op.drop_index("ix_seller_threads_ws_alias", table_name="seller_threads")
    op.drop_index("ix_seller_threads_ws_seller_activity", table_name="seller_threads")
    op.drop_table("seller_threads")
    op.drop_index("ix_seller_api_keys_ws_seller", table_name="seller_api_keys")
    op.drop_table("seller_api_keys")
