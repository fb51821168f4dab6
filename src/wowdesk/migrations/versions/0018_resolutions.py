"""Resolutions: resolution policies and every version of their documents, the suggestions they
leave on tickets, claims against sellers, and proactive lost-parcel contacts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resolution_policies",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("trigger_kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("archived_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_resolution_policies_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_policies")),
    )
    with op.batch_alter_table("resolution_policies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resolution_policies_ws_trigger", ["workspace_id", "trigger_kind", "enabled"], unique=False
        )

    op.create_table(
        "seller_claims",
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("shipment_id", _ID, nullable=True),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("ledger_entry_id", _ID, nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_links", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("status_changed_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_changed_by", sa.String(length=40), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_seller_claims_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_claims")),
        sa.UniqueConstraint(
            "workspace_id", "ledger_entry_id", name=op.f("uq_seller_claims_workspace_id_ledger_entry_id")
        ),
    )
    with op.batch_alter_table("seller_claims", schema=None) as batch_op:
        batch_op.create_index("ix_seller_claims_ws_order", ["workspace_id", "order_id"], unique=False)
        batch_op.create_index("ix_seller_claims_ws_seller", ["workspace_id", "seller_id", "id"], unique=False)
        batch_op.create_index("ix_seller_claims_ws_status", ["workspace_id", "status", "id"], unique=False)

    op.create_table(
        "resolution_policy_versions",
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("saved_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["resolution_policies.id"],
            name=op.f("fk_resolution_policy_versions_policy_id_resolution_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_resolution_policy_versions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_policy_versions")),
        sa.UniqueConstraint(
            "workspace_id",
            "policy_id",
            "version",
            name=op.f("uq_resolution_policy_versions_workspace_id_policy_id_version"),
        ),
    )
    op.create_table(
        "proactive_contacts",
        sa.Column("shipment_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("policy_id", _ID, nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("outcome", _JSON, nullable=False),
        sa.Column("told_via", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("contacted_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_proactive_contacts_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_proactive_contacts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_contacts")),
        sa.UniqueConstraint(
            "workspace_id", "shipment_id", name=op.f("uq_proactive_contacts_workspace_id_shipment_id")
        ),
    )
    op.create_table(
        "resolution_suggestions",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("open_ticket_id", _ID, nullable=True),
        sa.Column("policy_id", _ID, nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("shipment_id", _ID, nullable=True),
        sa.Column("proposal", _JSON, nullable=False),
        sa.Column("outcome", _JSON, nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", wowdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["resolution_policies.id"],
            name=op.f("fk_resolution_suggestions_policy_id_resolution_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_resolution_suggestions_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_resolution_suggestions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_suggestions")),
        sa.UniqueConstraint(
            "workspace_id", "open_ticket_id", "policy_id", "kind", name="uq_resolution_suggestions_open"
        ),
    )
    with op.batch_alter_table("resolution_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resolution_suggestions_ws_ticket", ["workspace_id", "ticket_id", "id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("resolution_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_resolution_suggestions_ws_ticket")

    op.drop_table("resolution_suggestions")
    op.drop_table("proactive_contacts")
    op.drop_table("resolution_policy_versions")
    with op.batch_alter_table("seller_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_seller_claims_ws_status")
        batch_op.drop_index("ix_seller_claims_ws_seller")
        batch_op.drop_index("ix_seller_claims_ws_order")

    op.drop_table("seller_claims")
    with op.batch_alter_table("resolution_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_resolution_policies_ws_trigger")

    op.drop_table("resolution_policies")
