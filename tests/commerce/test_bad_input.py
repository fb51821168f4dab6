"""Bad documents are 422 problems naming what is wrong, never a 500 and never half written: amounts
that are negative, floats, strings, booleans or too large; unknown currencies; items that do not add
up; times without an offset; unknown sellers and orders; external ids that are not ids."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commerce.support import commerce_counts, order_doc, seller_doc, shipment_doc, store
from tests.conftest import Cast, assert_problem
from wowdesk.core.money import MAX_MINOR


def _item(**over: Any) -> dict[str, Any]:
    return {"sku": "X", "name": "X", "quantity": 1, "unit_price_minor": 100} | over


BAD_ORDERS: list[tuple[str, dict[str, Any]]] = [
    ("a negative price", {"items": [_item(unit_price_minor=-1)]}),
    ("a float price", {"items": [_item(unit_price_minor=12.5)]}),
    ("a whole float price", {"items": [_item(unit_price_minor=100.0)]}),
    ("a price as a string", {"items": [_item(unit_price_minor="100")]}),
    ("a price as a boolean", {"items": [_item(unit_price_minor=True)]}),
    ("a price too large", {"items": [_item(unit_price_minor=MAX_MINOR + 1)]}),
    ("items adding up past the largest amount", {"items": [_item(unit_price_minor=MAX_MINOR, quantity=2)]}),
    ("a negative shipping", {"shipping_minor": -6000}),
    ("a float total", {"total_minor": 1.5}),
    ("an unknown currency", {"currency": "TWX"}),
    ("a precious metal for a currency", {"currency": "XAU"}),
    ("a currency that is a number", {"currency": 901}),
    ("items that do not add up", {"items_total_minor": 1}),
    ("a zero quantity", {"items": [_item(quantity=0)]}),
    ("no items", {"items": []}),
    ("a time without an offset", {"placed_at": "2026-11-02T03:00:00"}),
    ("a time that is not a time", {"placed_at": "yesterday"}),
    ("an unknown status", {"status": "lost"}),
    ("a cancel reason on a paid order", {"cancel_reason": "out_of_stock"}),
    ("no customer data", {"customer": {"name": "Nobody"}}),
    ("a customer e-mail that is not one", {"customer": {"email": "not-an-address"}}),
    ("an unknown field", {"coupon": "FREE"}),
    ("a NUL in the number", {"number": "TW\x00-1"}),
]


@pytest.mark.parametrize(("what", "change"), BAD_ORDERS, ids=[w for w, _ in BAD_ORDERS])
async def test_a_bad_order_is_refused_and_writes_nothing(
    module_cast: Cast, what: str, change: dict[str, Any]
) -> None:
    c = module_cast
    ada = c.api("ada")
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    before = await commerce_counts(c.rt, c.workspace_id)
    body = assert_problem(ada.put("/api/v1/commerce/orders/O-bad", json=order_doc() | change), 422)
    assert body.get("errors") or body.get("detail"), body
    assert await commerce_counts(c.rt, c.workspace_id) == before, what


def test_the_messages_say_what_is_wrong(live_cast: Cast) -> None:
    ada = live_cast.api("ada")
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    body = assert_problem(ada.put("/api/v1/commerce/orders/O-1", json=order_doc(items_total_minor=1)), 422)
    assert "add up to 203000, not items_total_minor 1" in str(body["errors"])
    body = assert_problem(ada.put("/api/v1/commerce/orders/O-1", json=order_doc(currency="TWX")), 422)
    assert "Unknown currency" in str(body["errors"])
    body = assert_problem(ada.put("/api/v1/commerce/orders/O-1", json=order_doc("S-404")), 422)
    assert body["detail"] == "Seller S-404 does not exist: send the seller first."
    body = assert_problem(ada.put("/api/v1/commerce/shipments/P-1", json=shipment_doc("O-404")), 422)
    assert body["detail"] == "Order O-404 does not exist: send the order first."
    # In the caller's language.
    zh = ada.put(
        "/api/v1/commerce/orders/O-1", json=order_doc(currency="TWX"), headers={"Accept-Language": "zh-Hant"}
    )
    assert_problem(zh, 422)


def test_bad_shipments_tracking_ids_and_connections(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    store(ada)
    ada.put("/api/v1/commerce/shipments/P-1", json=shipment_doc())
    for bad in (
        shipment_doc(status="vanished"),
        shipment_doc(service_level="teleport"),
        shipment_doc(promised_at="2026-11-05"),
        shipment_doc(carrier=""),
        shipment_doc(events=[{"occurred_at": "2026-11-02T03:00:00Z", "status": "sideways"}]),
    ):
        assert_problem(ada.put("/api/v1/commerce/shipments/P-2", json=bad), 422)
    assert_problem(ada.get("/api/v1/commerce/shipments/P-2"), 404)
    for bad_events in ({"events": []}, {"events": [{"status": "in_transit"}]}, {}):
        assert_problem(ada.post("/api/v1/commerce/shipments/P-1/events", json=bad_events), 422)
    ev = {"events": [{"occurred_at": "2026-11-02T03:00:00Z", "status": "in_transit"}]}
    assert_problem(ada.post("/api/v1/commerce/shipments/P-404/events", json=ev), 404)
    # External ids: a space, a leading dash, 201 characters.
    for ext in ("O%201", "-O1", "O" * 201):
        assert_problem(ada.put(f"/api/v1/commerce/orders/{ext}", json=order_doc()), 422)
    assert_problem(ada.put("/api/v1/commerce/connection", json={"outbound_url": "ftp://store.example"}), 422)
    assert_problem(ada.put("/api/v1/commerce/connection", json={"rotate_inbound_secret": "yes"}), 422)
    assert_problem(ada.post("/api/v1/commerce/orders:batch", json={"orders": []}), 422)
    assert_problem(ada.put("/api/v1/commerce/sellers/S-3", json=seller_doc(kind="reseller")), 422)
