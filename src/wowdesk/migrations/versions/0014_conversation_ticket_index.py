"""An index on conversations' ticket: the chat a ticket came from, found without a scan

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

Telling a ticket's requester something (a satisfaction survey, a problem fixed) also sends it in
the chat the ticket was made from (tickets.outreach): without this index that look-up read every
conversation of the workspace.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_ws_ticket", "conversations", ["workspace_id", "ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_ws_ticket", table_name="conversations")
