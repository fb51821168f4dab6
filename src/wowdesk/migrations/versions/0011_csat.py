"""Satisfaction surveys (CSAT): workspaces' survey settings and one survey per solved ticket

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wowdesk.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "csat_settings",
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("link_base_url", sa.String(length=300), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_csat_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_csat_settings_workspace_id")),
    )
    op.create_table(
        "satisfaction_surveys",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("solved_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_via", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", _ID, nullable=True),
        sa.Column("team_id", _ID, nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["agents.id"],
            name=op.f("fk_satisfaction_surveys_assignee_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_satisfaction_surveys_team_id_teams"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_satisfaction_surveys_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_satisfaction_surveys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_surveys")),
        sa.UniqueConstraint(
            "workspace_id", "ticket_id", name=op.f("uq_satisfaction_surveys_workspace_id_ticket_id")
        ),
    )
    with op.batch_alter_table("satisfaction_surveys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_satisfaction_surveys_ws_rated", ["workspace_id", "rated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_satisfaction_surveys_ws_sent", ["workspace_id", "sent_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_satisfaction_surveys_ws_sent")
        batch_op.drop_index("ix_satisfaction_surveys_ws_rated")
    op.drop_table("satisfaction_surveys")
    op.drop_table("csat_settings")
