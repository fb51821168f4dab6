"""Events of the commerce room. They carry ids (and the few facts listeners test without a query:
the order's customer, seller and fulfilment), never documents."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from wowdesk.core.events import Event


class SellerCreated(Event):
    name = "seller.created"
    seller_id: int
    external_id: str
    kind: str


class SellerUpdated(Event):
    name = "seller.updated"
    seller_id: int
    external_id: str
    kind: str
    changes: list[str]  # the fields that changed


class SellerStatusChanged(Event):
    """A seller's standing moved (seller metrics: at risk, suspended, back to active)."""

    name = "seller.status_changed"
    logged: ClassVar[bool] = True  # admins' consoles show it
    seller_id: int
    external_id: str
    old: str
    new: str
    reason: str  # what crossed its threshold, e.g. "order_defect_rate"
    metrics: dict[str, Any]  # the figures it was judged on


class OrderCreated(Event):
    name = "order.created"
    order_id: int
    external_id: str
    customer_id: int
    seller_id: int
    fulfilment: str
    status: str
    currency: str
    total_minor: int


class OrderUpdated(Event):
    name = "order.updated"
    order_id: int
    external_id: str
    customer_id: int
    seller_id: int
    fulfilment: str
    status: str
    previous_status: str
    currency: str
    total_minor: int
    changes: list[str]  # the fields that changed ("items" for any change of the lines)


class ShipmentCreated(Event):
    name = "shipment.created"
    shipment_id: int
    external_id: str
    order_id: int
    customer_id: int
    status: str


class ShipmentUpdated(Event):
    name = "shipment.updated"
    shipment_id: int
    external_id: str
    order_id: int
    customer_id: int
    status: str
    previous_status: str
    changes: list[str]


class ShipmentTrackingAdded(Event):
    name = "shipment.tracking_added"
    shipment_id: int
    order_id: int
    customer_id: int
    added: int  # new tracking events (repeats are not counted)
    status: str  # the parcel's status after them
    last_event_at: dt.datetime | None


class ShipmentStalled(Event):
    name = "shipment.stalled"
    shipment_id: int
    order_id: int
    customer_id: int
    seller_id: int
    fulfilment: str  # platform | seller
    reason: str
