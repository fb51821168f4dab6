"""Contacts per order on known data: two sellers with ten orders each this month (and one old
order outside the 60 days), tickets and chats about some of those orders with their reasons. The
report counts each contact once (a chat made a ticket is its ticket), per reason against all orders,
per seller against that seller's orders, and per product against the orders containing it — so the
mug whose every order brings two contacts stands out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.commerce.support import iso, order_doc, seller_doc
from tests.conftest import Cast, assert_problem
from tests.conversations.support import cid, make_channel
from wowdesk.policies.reasons import actions as reason_actions

BOOK = {"sku": "BOOK-1", "name": "二手書 Used book", "quantity": 1, "unit_price_minor": 30000}
MUG = {"sku": "MUG-1", "name": "馬克杯 Mug", "quantity": 1, "unit_price_minor": 25000}
LAMP = {"sku": "LAMP-1", "name": "檯燈 Desk lamp", "quantity": 1, "unit_price_minor": 99000}


def _put(api: Any, path: str, doc: dict[str, Any]) -> dict[str, Any]:
    r = api.put(path, json=doc)
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
async def shop(live_cast: Cast) -> dict[str, Any]:
    c = live_cast
    async with c.rt.uow() as s:
        await reason_actions.do_seed_default_reasons(s, c.workspace_id)
    ada = c.api("ada")
    recent = iso(dt.datetime.now(dt.UTC) - dt.timedelta(days=5))
    for seller in ("S-A", "S-B"):
        _put(ada, f"/api/v1/commerce/sellers/{seller}", seller_doc(name=f"Seller {seller}"))
    orders: dict[str, int] = {}
    for n in range(10):
        items = [BOOK, MUG] if n == 0 else [BOOK]
        doc = order_doc("S-A", number=f"A-{n}", items=items, shipping_minor=0, placed_at=recent)
        orders[f"A-{n}"] = _put(ada, f"/api/v1/commerce/orders/A-{n}", doc)["id"]
        doc = order_doc("S-B", number=f"B-{n}", items=[LAMP], shipping_minor=0, placed_at=recent)
        orders[f"B-{n}"] = _put(ada, f"/api/v1/commerce/orders/B-{n}", doc)["id"]
    old = iso(dt.datetime.now(dt.UTC) - dt.timedelta(days=70))
    _put(
        ada,
        "/api/v1/commerce/orders/A-old",
        order_doc("S-A", number="A-old", items=[MUG], shipping_minor=0, placed_at=old),
    )

    alice = c.api("alice")
    lisa = c.customers["lisa"].id
    for order, reason in (("A-0", "lost_parcel"), ("A-0", "lost_parcel"), ("A-1", "item_not_as_described"),
                          ("B-0", "wrong_item"), (None, None)):  # fmt: skip
        body: dict[str, Any] = {"subject": "Help", "requester": {"id": lisa}}
        if order:
            body |= {"order_id": orders[order], "contact_reason": reason}
        assert alice.post("/api/v1/tickets", json=body).status_code == 201
    channel = await make_channel(c)
    for _ in range(2):
        anon = c.api(None)
        welcome = anon.post("/api/v1/widget/session", json={"workspace": c.slug, "channel": channel}).json()
        auth = {"Authorization": f"Visitor {welcome['visitor']}"}
        sent = anon.post("/api/v1/widget/messages", json={"client_id": cid(), "body": "在嗎？"}, headers=auth)
        assert sent.status_code == 201
    chats = [x["id"] for x in alice.get("/api/v1/conversations", params={"channel": channel}).json()["items"]]
    about = {"order_id": orders["B-1"], "contact_reason": "where_is_my_order"}
    assert alice.patch(f"/api/v1/conversations/{chats[0]}", json=about).status_code == 200
    assert alice.post(f"/api/v1/conversations/{chats[1]}/ticket").status_code in (200, 201)  # counts once
    return {"cast": c, "orders": orders}


def _report(c: Cast, **params: Any) -> dict[str, Any]:
    r = c.api("sam").get("/api/v1/reports/contacts-per-order", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _rows(report: dict[str, Any]) -> list[tuple[str, int, int, float | None]]:
    return [(r["label"], r["contacts"], r["orders"], r["contacts_per_order"]) for r in report["rows"]]


def test_the_headline_counts_every_contact_once_against_the_orders_of_the_period(
    shop: dict[str, Any],
) -> None:
    report = _report(shop["cast"])
    assert (report["orders"], report["contacts"], report["contacts_about_an_order"]) == (20, 7, 5)
    assert report["contacts_per_order"] == 0.35


def test_per_reason_against_all_orders_largest_first(shop: dict[str, Any]) -> None:
    assert _rows(_report(shop["cast"], by="reason")) == [
        ("No reason given", 2, 20, 0.1),
        ("Parcel lost in transit", 2, 20, 0.1),
        ("Item not as described", 1, 20, 0.05),
        ("Where is my order", 1, 20, 0.05),
        ("Wrong item received", 1, 20, 0.05),
    ]


def test_per_seller_against_the_sellers_own_orders(shop: dict[str, Any]) -> None:
    c = shop["cast"]
    assert _rows(_report(c, by="seller")) == [("Seller S-A", 3, 10, 0.3), ("Seller S-B", 2, 10, 0.2)]
    assert _rows(_report(c, by="seller", reason="lost_parcel")) == [("Seller S-A", 2, 10, 0.2)]


def test_per_product_the_mug_stands_out(shop: dict[str, Any]) -> None:
    rows = _rows(_report(shop["cast"], by="product"))
    assert rows == [
        ("二手書 Used book", 3, 10, 0.3),
        ("檯燈 Desk lamp", 2, 10, 0.2),
        ("馬克杯 Mug", 2, 1, 2.0),  # one order this period, two contacts about it
    ]


def test_the_report_is_for_supervisors_and_its_parameters_are_checked(shop: dict[str, Any]) -> None:
    c = shop["cast"]
    assert_problem(c.api("alice").get("/api/v1/reports/contacts-per-order"), 403)
    sam = c.api("sam")
    for params in ({"by": "customer"}, {"days": 0}, {"days": 1000}, {"reason": "Not A Code"}, {"days": "x"}):
        assert_problem(sam.get("/api/v1/reports/contacts-per-order", params=params), 422)
