"""The demo shop's store: the platform's own shop and three marketplace sellers, about twenty orders
of the demo customers in TWD (product names in Traditional Chinese and English), and their parcels
with Taiwanese carriers' tracking — delivered, on the way, not yet shipped, one cancelled out of
stock, and three stuck in transit (no scan for six days or more, past the promised date; one of
them sent by its seller). Every time is relative to now, and everything goes through the commerce
actions, as a store's connector would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import actions
from wowdesk.commerce.schemas import OrderIn, SellerIn, ShipmentIn
from wowdesk.core.actor import Actor
from wowdesk.core.uow import now

SELLERS = [
    ("wowdesk-direct", "WowDesk 自營 WowDesk Direct", "first_party", "store@demo.wowdesk.test"),
    ("mkt-mountain-tea", "山嵐茶行 Mountain Mist Tea", "marketplace", "hello@mountainmist.example.tw"),
    ("mkt-speedy-3c", "極速3C館 Speedy Gadgets", "marketplace", "service@speedy3c.example.tw"),
    ("mkt-woodland", "木趣生活 Woodland Living", "marketplace", "woodland@example.tw"),
]

# sku → (Traditional Chinese, English, price in NT$)
PRODUCTS: dict[str, tuple[str, str, int]] = {
    "SELF-KETTLE": ("不鏽鋼快煮壺 1.7L", "Stainless steel electric kettle 1.7 L", 1590),
    "SELF-TUMBLER": ("保溫隨行杯 500ml", "Insulated tumbler 500 ml", 790),
    "SELF-BOOK": ("《原子習慣》繁體中文版", "Atomic Habits (Traditional Chinese edition)", 330),
    "TEA-OOLONG": ("阿里山高山烏龍茶 150g", "Alishan high-mountain oolong tea 150 g", 680),
    "TEA-RUBY": ("日月潭紅玉紅茶 100g", "Sun Moon Lake Ruby black tea 100 g", 450),
    "3C-EARBUDS": ("真無線藍牙耳機", "True wireless Bluetooth earbuds", 1990),
    "3C-POWERBANK": ("10000mAh 行動電源", "10,000 mAh power bank", 890),
    "3C-CABLE": ("USB-C 快充線 1m", "USB-C fast-charging cable 1 m", 290),
    "HOME-BOARD": ("台灣檜木砧板", "Taiwan hinoki cutting board", 1280),
    "HOME-LAMP": ("原木桌燈", "Solid wood desk lamp", 2450),
}

CARRIERS = {
    "tcat": ("黑貓宅急便", "TC"),
    "post": ("中華郵政", "CP"),
    "hct": ("新竹物流", "HC"),
}

# (number, customer index, seller, fulfilment, [(sku, qty)], days since placed, carrier, journey)
# Journeys: delivered · in_transit · out_for_delivery · stuck · unshipped · cancelled
ORDERS: list[tuple[str, int, str, str, list[tuple[str, int]], float, str, str]] = [
    ("TW-10231", 0, "mkt-speedy-3c", "platform", [("3C-EARBUDS", 1)], 10, "tcat", "stuck"),
    (
        "TW-10218",
        0,
        "wowdesk-direct",
        "platform",
        [("SELF-KETTLE", 1), ("SELF-TUMBLER", 2)],
        21,
        "tcat",
        "delivered",
    ),
    ("TW-10240", 0, "mkt-mountain-tea", "platform", [("TEA-OOLONG", 2)], 2, "post", "in_transit"),
    ("TW-10245", 0, "wowdesk-direct", "platform", [("SELF-BOOK", 1)], 0.2, "tcat", "unshipped"),
    ("TW-10201", 1, "wowdesk-direct", "platform", [("SELF-TUMBLER", 1)], 30, "post", "delivered"),
    ("TW-10226", 1, "mkt-woodland", "seller", [("HOME-LAMP", 1)], 12, "hct", "stuck"),
    ("TW-10238", 1, "mkt-speedy-3c", "platform", [("3C-CABLE", 3)], 3, "tcat", "out_for_delivery"),
    (
        "TW-10207",
        2,
        "mkt-mountain-tea",
        "platform",
        [("TEA-RUBY", 2), ("TEA-OOLONG", 1)],
        25,
        "post",
        "delivered",
    ),
    ("TW-10229", 2, "wowdesk-direct", "platform", [("SELF-KETTLE", 1)], 9, "post", "stuck"),
    ("TW-10236", 2, "mkt-speedy-3c", "platform", [("3C-POWERBANK", 1)], 4, "tcat", "cancelled"),
    ("TW-10242", 2, "mkt-woodland", "seller", [("HOME-BOARD", 1)], 1.5, "hct", "in_transit"),
    (
        "TW-10212",
        3,
        "mkt-speedy-3c",
        "platform",
        [("3C-EARBUDS", 1), ("3C-CABLE", 1)],
        18,
        "tcat",
        "delivered",
    ),
    ("TW-10220", 3, "mkt-woodland", "seller", [("HOME-BOARD", 2)], 15, "hct", "delivered"),
    ("TW-10233", 3, "wowdesk-direct", "platform", [("SELF-BOOK", 3)], 6, "post", "delivered"),
    ("TW-10241", 3, "mkt-mountain-tea", "platform", [("TEA-RUBY", 4)], 1, "tcat", "in_transit"),
    ("TW-10244", 3, "mkt-speedy-3c", "platform", [("3C-POWERBANK", 2)], 0.5, "tcat", "unshipped"),
    ("TW-10215", 0, "mkt-woodland", "seller", [("HOME-LAMP", 1)], 16, "hct", "delivered"),
    ("TW-10222", 1, "mkt-mountain-tea", "platform", [("TEA-OOLONG", 1)], 14, "post", "delivered"),
    (
        "TW-10235",
        2,
        "wowdesk-direct",
        "platform",
        [("SELF-TUMBLER", 1), ("SELF-BOOK", 1)],
        5,
        "tcat",
        "delivered",
    ),
    ("TW-10239", 3, "mkt-speedy-3c", "platform", [("3C-CABLE", 2)], 2.5, "post", "out_for_delivery"),
]

# A parcel's scans: (hours after it was handed over, status, words, place)
_PICKUP = (0.0, "in_transit", "已取件 Picked up", "台北市內湖區 集貨站")
_HUB = (10.0, "in_transit", "已到達轉運中心 Arrived at the sorting hub", "桃園轉運中心")
_LEFT_HUB = (20.0, "in_transit", "已離開轉運中心 Left the sorting hub", "桃園轉運中心")
_LOCAL = (30.0, "in_transit", "已到達配送站 Arrived at the delivery station", "台中市西屯營業所")
_OUT = (34.0, "out_for_delivery", "配送中 Out for delivery", "台中市西屯營業所")
_DONE = (38.0, "delivered", "已送達，由本人簽收 Delivered, signed by the recipient", "台中市西屯區")
JOURNEYS: dict[str, list[tuple[float, str, str, str]]] = {
    "delivered": [_PICKUP, _HUB, _LEFT_HUB, _LOCAL, _OUT, _DONE],
    "in_transit": [_PICKUP, _HUB],
    "out_for_delivery": [_PICKUP, _HUB, _LEFT_HUB, _LOCAL, _OUT],
    "stuck": [_PICKUP, _HUB],  # and nothing since
}


def _ago(t: dt.datetime, days: float) -> dt.datetime:
    return (t - dt.timedelta(days=days)).replace(microsecond=0)


def _handed(n: int, row: tuple[Any, ...], t: dt.datetime) -> dt.datetime:
    """When the parcel was handed to the carrier: parcels on their way now got their last scan an
    hour or few ago; the others count from their order's day."""
    journey = row[-1]
    if journey in ("in_transit", "out_for_delivery"):
        return (t - dt.timedelta(hours=JOURNEYS[journey][-1][0] + 1 + n % 3)).replace(microsecond=0)
    return _ago(t, row[5]) + dt.timedelta(hours=18)


def _placed(n: int, row: tuple[Any, ...], t: dt.datetime) -> dt.datetime:
    if row[-1] in JOURNEYS:
        return _handed(n, row, t) - dt.timedelta(hours=18)
    return _ago(t, row[5])


def _order_doc(customer_id: int, n: int, row: tuple[Any, ...], t: dt.datetime) -> dict[str, Any]:
    number, _who, seller, fulfilment, lines, _days, _carrier, journey = row
    placed = _placed(n, row, t)
    items = [
        {
            "sku": sku,
            "name": f"{PRODUCTS[sku][0]} {PRODUCTS[sku][1]}",
            "names": {"zh-Hant": PRODUCTS[sku][0], "en": PRODUCTS[sku][1]},
            "quantity": qty,
            "unit_price_minor": PRODUCTS[sku][2] * 100,
        }
        for sku, qty in lines
    ]
    subtotal = sum(i["quantity"] * i["unit_price_minor"] for i in items)
    status = {
        "delivered": "delivered",
        "unshipped": "paid",
        "cancelled": "cancelled",
    }.get(journey, "shipped")
    doc: dict[str, Any] = {
        "number": number,
        "customer": {"id": customer_id},
        "seller_external_id": seller,
        "fulfilment": fulfilment,
        "status": status,
        "currency": "TWD",
        "items": items,
        "shipping_minor": 0 if subtotal >= 99_900 else 6_000,  # free shipping from NT$999
        "placed_at": placed.isoformat(),
        "ship_by": (placed + dt.timedelta(days=2)).isoformat(),
    }
    if journey == "cancelled":
        doc["cancel_reason"] = "out_of_stock"
        doc["cancelled_at"] = (placed + dt.timedelta(hours=20)).isoformat()
    elif journey in JOURNEYS:
        doc["shipped_at"] = (placed + dt.timedelta(hours=18)).isoformat()
    return doc


def _shipment_doc(n: int, row: tuple[Any, ...], t: dt.datetime) -> dict[str, Any]:
    number, _who, _seller, fulfilment, _lines, _days, carrier, journey = row
    name, prefix = CARRIERS[carrier]
    handed = _handed(n, row, t)
    express = fulfilment == "platform" and n % 3 == 0
    events: list[dict[str, Any]] = [
        {
            "external_id": f"{prefix}{n:03d}-{i}",
            "occurred_at": (handed + dt.timedelta(hours=h)).isoformat(),
            "status": status,
            "description": words,
            "location": place,
        }
        for i, (h, status, words, place) in enumerate(JOURNEYS[journey])
    ]
    events.insert(
        0,
        {
            "external_id": f"{prefix}{n:03d}-label",
            "occurred_at": (handed - dt.timedelta(hours=3)).isoformat(),
            "status": "label_created",
            "description": "已建立託運單 Label created",
            "location": None,
        },
    )
    return {
        "order_external_id": f"demo-{number}",
        "carrier": name,
        "service_level": "express" if express else "standard",
        "tracking_number": f"{prefix}{7_302_000_000 + n * 7919}",
        "promised_at": (handed + dt.timedelta(days=2 if express else 3)).isoformat(),
        "shipped_at": handed.isoformat(),
        "events": events,
    }


async def seed_commerce(session: AsyncSession, system: Actor, customer_ids: list[int]) -> None:
    t = now(session)
    for external_id, name, kind, email in SELLERS:
        await actions.do_upsert_seller(
            session,
            system,
            external_id,
            SellerIn(name=name, kind=kind, contact_email=email, language="zh-Hant"),
        )
    for n, row in enumerate(ORDERS):
        number, who, *_rest = row
        journey = row[-1]
        doc = _order_doc(customer_ids[who], n, row, t)
        await actions.do_upsert_order(session, system, f"demo-{number}", OrderIn.model_validate(doc))
        if journey in JOURNEYS:
            shipment = ShipmentIn.model_validate(_shipment_doc(n, row, t))
            await actions.do_upsert_shipment(session, system, f"demo-P{number[3:]}", shipment)
