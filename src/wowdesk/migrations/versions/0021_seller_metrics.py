"""Seller metrics: each workspace's thresholds and each seller's latest scorecard

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _ws(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "seller_metric_settings",
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("min_orders", sa.Integer(), nullable=False),
        sa.Column("odr_at_risk_bp", sa.Integer(), nullable=False),
        sa.Column("odr_suspend_bp", sa.Integer(), nullable=False),
        sa.Column("cancel_at_risk_bp", sa.Integer(), nullable=False),
        sa.Column("late_at_risk_bp", sa.Integer(), nullable=False),
        sa.Column("complaint_reasons", _json(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        _ws("seller_metric_settings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_metric_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_seller_metric_settings_workspace_id")),
    )
    op.create_table(
        "seller_scorecards",
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("computed_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "orders",
                "defective_orders",
                "complaint_orders",
                "claim_orders",
                "chargeback_orders",
                "cancelled_out_of_stock",
                "due_to_ship",
                "shipped_late",
                "responses",
            )
        ),
        sa.Column("median_response_ms", sa.BigInteger(), nullable=True),
        sa.Column("judged", sa.String(length=16), nullable=False),
        sa.Column("crossed", _json(), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["sellers.id"],
            name=op.f("fk_seller_scorecards_seller_id_sellers"),
            ondelete="CASCADE",
        ),
        _ws("seller_scorecards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_scorecards")),
        sa.UniqueConstraint(
            "workspace_id", "seller_id", name=op.f("uq_seller_scorecards_workspace_id_seller_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("seller_scorecards")
    op.drop_table("seller_metric_settings")
