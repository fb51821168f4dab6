"""Files sent in chats (uploaded, then attached to a message)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wowdesk.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_files",
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("uploaded_by", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("access_key", sa.String(length=40), nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_chat_files_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_chat_files_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_files")),
    )
    with op.batch_alter_table("chat_files", schema=None) as batch_op:
        batch_op.create_index("ix_chat_files_orphans", ["message_id", "created_at"], unique=False)
        batch_op.create_index("ix_chat_files_ws_message", ["workspace_id", "message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_files", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_files_ws_message")
        batch_op.drop_index("ix_chat_files_orphans")

    op.drop_table("chat_files")
