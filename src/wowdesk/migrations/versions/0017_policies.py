"""Policies: authority limits, the compensation ledger (entries, their audit trail, approvals),
customers' credit balances and spends

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wowdesk.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, wowdesk.core.db.UTCDateTime(timezone=True), nullable=nullable)


def _tenant(table: str) -> list[sa.SchemaItem]:
    """The id and workspace columns every table has, with their keys."""
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
        "authority_limits",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("per_grant_minor", sa.BigInteger(), nullable=True),
        sa.Column("per_day_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        *_tenant("authority_limits"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_authority_limits_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "workspace_id", "subject", "kind", name=op.f("uq_authority_limits_workspace_id_subject_kind")
        ),
    )
    op.create_table(
        "compensation_entries",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=True),
        sa.Column("shipment_id", _ID, nullable=True),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("seller_id", _ID, nullable=True),
        sa.Column("fulfilment", sa.String(length=16), nullable=True),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("policy_id", _ID, nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("authorised_by", _ID, nullable=True),
        _at("authorised_at", nullable=True),
        sa.Column("external_reference", sa.String(length=200), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        _at("delivered_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        *_tenant("compensation_entries"),
        sa.UniqueConstraint(
            "workspace_id",
            "idempotency_key",
            name=op.f("uq_compensation_entries_workspace_id_idempotency_key"),
        ),
    )
    for name, columns in (
        ("ix_compensation_entries_ws_id", ["workspace_id", "id"]),
        ("ix_compensation_entries_ws_order", ["workspace_id", "order_id"]),
        ("ix_compensation_entries_ws_customer", ["workspace_id", "customer_id", "id"]),
        ("ix_compensation_entries_ws_ticket", ["workspace_id", "ticket_id", "id"]),
        ("ix_compensation_entries_ws_agent", ["workspace_id", "agent_id", "id"]),
        ("ix_compensation_entries_ws_authorised", ["workspace_id", "authorised_by", "authorised_at"]),
    ):
        op.create_index(name, "compensation_entries", columns, unique=False)
    op.create_table(
        "compensation_log",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("created_at"),
        *_tenant("compensation_log"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["compensation_entries.id"],
            name=op.f("fk_compensation_log_entry_id_compensation_entries"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_compensation_log_ws_entry", "compensation_log", ["workspace_id", "entry_id", "id"], unique=False
    )
    op.create_table(
        "compensation_approvals",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", _ID, nullable=True),
        sa.Column("request_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", _ID, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        _at("decided_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        *_tenant("compensation_approvals"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["compensation_entries.id"],
            name=op.f("fk_compensation_approvals_entry_id_compensation_entries"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "workspace_id", "entry_id", name=op.f("uq_compensation_approvals_workspace_id_entry_id")
        ),
    )
    op.create_index(
        "ix_compensation_approvals_ws_status",
        "compensation_approvals",
        ["workspace_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "credit_balances",
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        _at("updated_at"),
        *_tenant("credit_balances"),
        sa.UniqueConstraint(
            "workspace_id",
            "customer_id",
            "currency",
            name=op.f("uq_credit_balances_workspace_id_customer_id_currency"),
        ),
    )
    op.create_table(
        "credit_spends",
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_reference", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        _at("created_at"),
        *_tenant("credit_spends"),
        sa.UniqueConstraint(
            "workspace_id", "idempotency_key", name=op.f("uq_credit_spends_workspace_id_idempotency_key")
        ),
    )
    op.create_index(
        "ix_credit_spends_ws_customer", "credit_spends", ["workspace_id", "customer_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_credit_spends_ws_customer", table_name="credit_spends")
    op.drop_table("credit_spends")
    op.drop_table("credit_balances")
    op.drop_index("ix_compensation_approvals_ws_status", table_name="compensation_approvals")
    op.drop_table("compensation_approvals")
    op.drop_index("ix_compensation_log_ws_entry", table_name="compensation_log")
    op.drop_table("compensation_log")
    for name in (
        "ix_compensation_entries_ws_authorised",
        "ix_compensation_entries_ws_agent",
        "ix_compensation_entries_ws_ticket",
        "ix_compensation_entries_ws_customer",
        "ix_compensation_entries_ws_order",
        "ix_compensation_entries_ws_id",
    ):
        op.drop_index(name, table_name="compensation_entries")
    op.drop_table("compensation_entries")
    op.drop_table("authority_limits")
