"""Indexes for the inbox's view counts: (workspace, status, assignee, team) on tickets and
conversations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Every built-in view of the inbox filters on status, most also on the assignee or the team; the inbox
counts each of them (up to 10,000) for the agent. With only (workspace, status, id) and
(workspace, assignee, id) to go by, each count read every candidate ticket's row to test the
other column: at 100k tickets and 50k conversations the counts of /inbox/counts took
330-440 ms on SQLite. These indexes hold every column the counts test, so the counts read the
index alone (SQLite's covering index, PostgreSQL's index-only scan): 15 ms for all of them
(bench/console_pages.py, docs/benchmarks.md).
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_tickets_ws_status_assignee_team", "tickets"),
    ("ix_conversations_ws_status_assignee_team", "conversations"),
)


def upgrade() -> None:
    for name, table in INDEXES:
        op.create_index(name, table, ["workspace_id", "status", "assignee_id", "team_id"], unique=False)


def downgrade() -> None:
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
