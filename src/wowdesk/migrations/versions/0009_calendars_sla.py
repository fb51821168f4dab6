"""Business-hour calendars, SLA policies and tickets' SLA timers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, wowdesk.core.db.UTCDateTime(timezone=True), nullable=nullable)


def _workspace(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "business_calendars",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("weekly", _json(), nullable=False),
        sa.Column("holidays", _json(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        *_workspace("business_calendars"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_business_calendars_workspace_id_name")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("channels", _json(), nullable=False),
        sa.Column("customer_tags", _json(), nullable=False),
        sa.Column("ticket_tags", _json(), nullable=False),
        sa.Column("calendar_id", _ID, nullable=True),
        sa.Column("targets", _json(), nullable=False),
        sa.Column("near_breach_minutes", sa.Integer(), nullable=False),
        *_workspace("sla_policies"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_sla_policies_calendar_id_business_calendars"),
        ),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_sla_policies_workspace_id_name")),
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.create_index("ix_sla_policies_ws_position", ["workspace_id", "position", "id"], unique=False)

    op.create_table(
        "ticket_sla_timers",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("used_us", sa.BigInteger(), nullable=False),
        sa.Column("run", sa.Integer(), nullable=False),
        _time("running_since", nullable=True),
        _time("due_at", nullable=True),
        _time("near_at", nullable=True),
        _time("fulfilled_at", nullable=True),
        _time("breached_at", nullable=True),
        _time("near_breach_at", nullable=True),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        *_workspace("ticket_sla_timers"),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_ticket_sla_timers_policy_id_sla_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_sla_timers_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("ticket_id", "metric", name=op.f("uq_ticket_sla_timers_ticket_id_metric")),
    )
    with op.batch_alter_table("ticket_sla_timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_sla_timers_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(
            "ix_ticket_sla_timers_ws_status_due", ["workspace_id", "status", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_sla_timers", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_sla_timers_ws_status_due")
        batch_op.drop_index(batch_op.f("ix_ticket_sla_timers_policy_id"))
    op.drop_table("ticket_sla_timers")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_policies_ws_position")
    op.drop_table("sla_policies")
    op.drop_table("business_calendars")
