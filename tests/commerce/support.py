"""Documents a store sends, and helpers shared by the commerce tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from tests.conftest import Api, Cast
from wowdesk.core.actor import Actor
from wowdesk.core.runtime import Runtime
from wowdesk.models import metadata

T0 = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
COMMERCE_TABLES = ("sellers", "orders", "order_items", "shipments", "tracking_events", "commerce_connections")


def iso(t: dt.datetime) -> str:
    return t.isoformat()


def seller_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "好物選品 Goodies",
        "kind": "marketplace",
        "contact_email": "shop@goodies.tw",
    }
    doc.update(over)
    return doc


def order_doc(seller: str = "S-1", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "number": "TW-10001",
        "customer": {"email": "lisa@example.com"},
        "seller_external_id": seller,
        "fulfilment": "platform",
        "status": "paid",
        "currency": "TWD",
        "items": [
            {
                "sku": "KETTLE-1",
                "name": "電熱水壺 Electric kettle",
                "names": {"en": "Electric kettle", "zh-Hant": "電熱水壺"},
                "quantity": 2,
                "unit_price_minor": 89000,
            },
            {"sku": "MUG-1", "name": "馬克杯 Mug", "quantity": 1, "unit_price_minor": 25000},
        ],
        "shipping_minor": 6000,
        "placed_at": iso(T0),
    }
    doc.update(over)
    return doc


def shipment_doc(order: str = "O-1", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "order_external_id": order,
        "carrier": "黑貓宅急便",
        "service_level": "standard",
        "tracking_number": "9012-3456-7890",
        "promised_at": iso(T0 + dt.timedelta(days=3)),
    }
    doc.update(over)
    return doc


def event(at: dt.datetime, status: str, description: str = "", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"occurred_at": iso(at), "status": status, "description": description}
    doc.update(over)
    return doc


def store(api: Api, *, seller: str = "S-1", order: str = "O-1", **order_over: Any) -> dict[str, Any]:
    """A seller and an order of it; the order's answer."""
    r = api.put(f"/api/v1/commerce/sellers/{seller}", json=seller_doc())
    assert r.status_code in (200, 201), r.text
    r = api.put(f"/api/v1/commerce/orders/{order}", json=order_doc(seller, **order_over))
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def writer(cast: Cast) -> Actor:
    """An admin (commerce.write) acting in the cast's workspace."""
    return cast.actor("ada")


async def commerce_counts(rt: Runtime, workspace_id: int) -> dict[str, int]:
    out = {}
    async with rt.uow(write=False) as s:
        for name in COMMERCE_TABLES:
            table = metadata.tables[name]
            q = select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
            out[name] = int((await s.execute(q)).scalar_one())
    return out
