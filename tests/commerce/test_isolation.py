"""Another workspace sees none of this one's commerce data: every route that names a record is a
404 there, every list is empty, a write that names this workspace's records is refused, and a
webhook signed with this workspace's secret is refused at the other's address."""

from __future__ import annotations

from typing import Any

from tests.commerce.support import T0, event, order_doc, seller_doc, shipment_doc, store
from tests.commerce.test_webhooks import connect, order_message, post, signed
from tests.conftest import Cast, assert_problem


async def test_another_workspace_gets_404_everywhere(live_cast: Cast, other_cast_factory: Any) -> None:
    c = live_cast
    ada = c.api("ada")
    order = store(ada)
    ada.put("/api/v1/commerce/shipments/P-1", json=shipment_doc(events=[event(T0, "in_transit")]))
    secret = connect(ada)
    other = await other_cast_factory()
    other.base_url = c.base_url
    eve = other.api("ada")  # the other workspace's admin: every commerce permission there
    for path in (
        "/api/v1/commerce/orders/O-1",
        "/api/v1/commerce/sellers/S-1",
        "/api/v1/commerce/shipments/P-1",
        f"/api/v1/customers/{c.customers['lisa'].id}/orders",
    ):
        assert_problem(eve.get(path), 404)
    ev = {"events": [{"occurred_at": T0.isoformat(), "status": "delivered"}]}
    assert_problem(eve.post("/api/v1/commerce/shipments/P-1/events", json=ev), 404)
    for path, params in (
        ("/api/v1/commerce/orders", {}),
        ("/api/v1/commerce/orders", {"customer_id": order["customer_id"]}),
        ("/api/v1/commerce/shipments", {"order_id": order["id"]}),
        ("/api/v1/commerce/sellers", {}),
    ):
        assert eve.get(path, params=params).json()["items"] == []
    # Writes naming this workspace's seller, order or customer are refused there.
    assert_problem(eve.put("/api/v1/commerce/orders/O-9", json=order_doc("S-1")), 422)
    assert_problem(eve.put("/api/v1/commerce/shipments/P-9", json=shipment_doc("O-1")), 422)
    eve.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    theirs = order_doc(customer={"id": c.customers["lisa"].id})
    assert_problem(eve.put("/api/v1/commerce/orders/O-9", json=theirs), 422)
    # The other's connection is its own; this workspace's secret does not sign for it.
    assert eve.get("/api/v1/commerce/connection").json()["configured"] is False
    other_secret = connect(eve)
    anon = c.api(None)
    assert_problem(post(anon, other.slug, *signed(secret, order_message())), 401)
    assert_problem(post(anon, c.slug, *signed(other_secret, order_message())), 401)
    # Their own records with the same external ids do not touch these.
    assert eve.put("/api/v1/commerce/orders/O-1", json=order_doc(status="cancelled")).status_code == 201
    assert ada.get("/api/v1/commerce/orders/O-1").json()["status"] == "paid"
