"""Commerce: sellers, orders and their items, shipments and their tracking events, the store
connection (webhook and delivery secrets); the lost-parcel sweep's partial index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import wowdesk.core.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_OPEN = "closed_at IS NULL AND stalled_at IS NULL"


def _at(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, wowdesk.core.db.UTCDateTime(timezone=True), nullable=nullable)


def _common(table: str, *, timestamps: bool = True) -> list[sa.SchemaItem]:
    """id, workspace_id (with its foreign key), created_at/updated_at and the primary key."""
    items: list[sa.SchemaItem] = [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
    ]
    if timestamps:
        items += [_at("created_at", False), _at("updated_at", False)]
    items += [
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]
    return items


def upgrade() -> None:
    op.create_table(
        "sellers",
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_common("sellers"),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_sellers_workspace_id_external_id")),
    )
    op.create_table(
        "orders",
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("fulfilment", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("items_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        _at("placed_at", False),
        _at("ship_by"),
        _at("shipped_at"),
        _at("cancelled_at"),
        _at("chargeback_at"),
        *_common("orders"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_orders_seller_id_sellers")),
        sa.UniqueConstraint("workspace_id", "external_id", name=op.f("uq_orders_workspace_id_external_id")),
    )
    op.create_index("ix_orders_ws_placed", "orders", ["workspace_id", "placed_at", "id"])
    op.create_index(
        "ix_orders_ws_customer_placed", "orders", ["workspace_id", "customer_id", "placed_at", "id"]
    )
    op.create_index("ix_orders_ws_seller_placed", "orders", ["workspace_id", "seller_id", "placed_at", "id"])
    op.create_table(
        "order_items",
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("names", _JSON, nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=True),
        *_common("order_items", timestamps=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_order_items_ws_order", "order_items", ["workspace_id", "order_id", "position"])
    op.create_table(
        "shipments",
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("order_id", _ID, nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("service_level", sa.String(length=32), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _at("promised_at"),
        _at("shipped_at"),
        _at("last_event_at"),
        _at("delivered_at"),
        _at("closed_at"),
        _at("stalled_at"),
        sa.Column("stall_reason", sa.String(length=64), nullable=True),
        *_common("shipments"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_shipments_workspace_id_external_id")
        ),
    )
    op.create_index("ix_shipments_ws_order", "shipments", ["workspace_id", "order_id"])
    op.create_index(
        "ix_shipments_ws_open",
        "shipments",
        ["workspace_id", "id", "last_event_at", "shipped_at", "promised_at", "closed_at", "stalled_at"],
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )
    op.create_table(
        "tracking_events",
        sa.Column("shipment_id", _ID, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        _at("occurred_at", False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        _at("created_at", False),
        *_common("tracking_events", timestamps=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_tracking_events_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "shipment_id",
            "dedupe_key",
            name=op.f("uq_tracking_events_workspace_id_shipment_id_dedupe_key"),
        ),
    )
    op.create_index(
        "ix_tracking_events_ws_shipment_at",
        "tracking_events",
        ["workspace_id", "shipment_id", "occurred_at", "id"],
    )
    op.create_table(
        "commerce_connections",
        sa.Column("inbound_secret", sa.String(length=100), nullable=False),
        sa.Column("outbound_url", sa.String(length=500), nullable=True),
        sa.Column("outbound_secret", sa.String(length=100), nullable=False),
        *_common("commerce_connections"),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_commerce_connections_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("commerce_connections")
    op.drop_index("ix_tracking_events_ws_shipment_at", table_name="tracking_events")
    op.drop_table("tracking_events")
    op.drop_index("ix_shipments_ws_open", table_name="shipments")
    op.drop_index("ix_shipments_ws_order", table_name="shipments")
    op.drop_table("shipments")
    op.drop_index("ix_order_items_ws_order", table_name="order_items")
    op.drop_table("order_items")
    op.drop_index("ix_orders_ws_seller_placed", table_name="orders")
    op.drop_index("ix_orders_ws_customer_placed", table_name="orders")
    op.drop_index("ix_orders_ws_placed", table_name="orders")
    op.drop_table("orders")
    op.drop_table("sellers")
