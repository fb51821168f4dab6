"""The commerce tables (ORM models: the schema and its migration 0016) and the plain records the
repository reads and writes them as (``core.sql``, ADR 0009).

Every row names its workspace; sellers, orders and shipments are also known by the store's own id
(``external_id``, unique per workspace), which is what connectors upsert by."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Seller(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """Who sells: the platform itself (``first_party``) or a marketplace seller."""

    __workspace_index__ = False  # its unique constraint leads with workspace_id
    __tablename__ = "sellers"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # first_party | marketplace
    contact_email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16))  # active | at_risk | suspended (seller metrics)


class Order(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_orders_ws_placed", "workspace_id", "placed_at", "id"),
        Index("ix_orders_ws_customer_placed", "workspace_id", "customer_id", "placed_at", "id"),
        Index("ix_orders_ws_seller_placed", "workspace_id", "seller_id", "placed_at", "id"),
    )

    external_id: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id"))
    fulfilment: Mapped[str] = mapped_column(String(16))  # platform | seller
    status: Mapped[str] = mapped_column(String(16))  # placed | paid | shipped | delivered | cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(64))  # e.g. out_of_stock
    currency: Mapped[str] = mapped_column(String(3))
    items_total_minor: Mapped[int] = mapped_column(BigInteger)
    shipping_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)  # what the customer paid
    placed_at: Mapped[dt.datetime]
    ship_by: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    chargeback_at: Mapped[dt.datetime | None]


class OrderItem(IdMixin, WorkspaceMixin, Base):
    __workspace_index__ = False  # its index leads with workspace_id
    __tablename__ = "order_items"
    __table_args__ = (Index("ix_order_items_ws_order", "workspace_id", "order_id", "position"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    names: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # {"en": …, "zh-Hant": …}
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    condition: Mapped[str | None] = mapped_column(String(32))  # new | used | refurbished …


class Shipment(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A parcel of an order. ``closed_at`` is when it reached an end (delivered, returned,
    cancelled); ``stalled_at`` when it was presumed stuck (never cleared: one parcel is compensated
    once). The sweep (``stalled_candidates``) reads only the partial index of open, unstalled
    parcels, which carries every column it tests."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_shipments_ws_order", "workspace_id", "order_id"),
    )

    external_id: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(100))
    service_level: Mapped[str] = mapped_column(String(32))  # standard | express | next_day | …
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    promised_at: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]
    last_event_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    stalled_at: Mapped[dt.datetime | None]
    stall_reason: Mapped[str | None] = mapped_column(String(64))


class TrackingEvent(IdMixin, WorkspaceMixin, Base):
    """One scan of a parcel. ``dedupe_key`` is the carrier's event id, or a digest of what the
    event says (time, status, code, location, description): the same scan sent twice is one row."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "shipment_id", "dedupe_key"),
        Index("ix_tracking_events_ws_shipment_at", "workspace_id", "shipment_id", "occurred_at", "id"),
    )

    shipment_id: Mapped[int] = mapped_column(BigId, ForeignKey("shipments.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(64))  # the carrier's own code
    description: Mapped[str] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class CommerceConnection(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A workspace's store connection: the secret its inbound webhooks are signed with, and where
    (and with which secret) compensations are delivered back to the store. Secrets are Standard
    Webhooks secrets (``whsec_`` + base64); they are kept as such because signing needs them."""

    __workspace_index__ = False  # its unique constraint leads with workspace_id
    __tablename__ = "commerce_connections"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    inbound_secret: Mapped[str] = mapped_column(String(100))
    outbound_url: Mapped[str | None] = mapped_column(String(500))
    outbound_secret: Mapped[str] = mapped_column(String(100))


# The sweep's index: open, unstalled parcels only (a small part of all once most are delivered),
# in id order for its keyset pages, with the times it tests (an index-only scan on both databases).
_OPEN = Shipment.closed_at.is_(None) & Shipment.stalled_at.is_(None)
Index(
    "ix_shipments_ws_open",
    Shipment.workspace_id,
    Shipment.id,
    Shipment.last_event_at,
    Shipment.shipped_at,
    Shipment.promised_at,
    Shipment.closed_at,  # always NULL here: named so that the index alone answers the sweep
    Shipment.stalled_at,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class SellerRow:
    id: int
    workspace_id: int
    external_id: str
    name: str
    kind: str
    contact_email: str | None
    language: str | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class OrderRow:
    id: int
    workspace_id: int
    external_id: str
    number: str
    customer_id: int
    seller_id: int
    fulfilment: str
    status: str
    cancel_reason: str | None
    currency: str
    items_total_minor: int
    shipping_minor: int
    total_minor: int
    placed_at: dt.datetime
    ship_by: dt.datetime | None
    shipped_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    chargeback_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class ItemRow:
    id: int
    workspace_id: int
    order_id: int
    position: int
    sku: str
    name: str
    names: dict[str, Any] | None
    quantity: int
    unit_price_minor: int
    condition: str | None


@dataclass(slots=True)
class ShipmentRow:
    id: int
    workspace_id: int
    external_id: str
    order_id: int
    carrier: str
    service_level: str
    tracking_number: str | None
    status: str
    promised_at: dt.datetime | None
    shipped_at: dt.datetime | None
    last_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    closed_at: dt.datetime | None
    stalled_at: dt.datetime | None
    stall_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class TrackingRow:
    id: int
    workspace_id: int
    shipment_id: int
    dedupe_key: str
    external_id: str | None
    occurred_at: dt.datetime
    status: str
    code: str | None
    description: str
    location: str | None
    created_at: dt.datetime


@dataclass(slots=True)
class ConnectionRow:
    id: int
    workspace_id: int
    inbound_secret: str
    outbound_url: str | None
    outbound_secret: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class StallFacts:
    """What ``shipment.stalled`` says about a parcel: its order's customer, seller and fulfilment."""

    id: int
    order_id: int
    customer_id: int
    seller_id: int
    fulfilment: str
