"""The import API as an integration uses it: PUT by external id (201, then 200 and nothing changed
for the same document), changed documents, batches, the customer found or created from the order,
the lists and their filters, a customer's orders — and who may read and write."""

from __future__ import annotations

import datetime as dt

from tests.api.support import row_counts
from tests.commerce.support import T0, event, iso, order_doc, seller_doc, shipment_doc, store
from tests.conftest import Cast, assert_problem
from wowdesk.core.pagination import encode_cursor


def test_put_creates_then_the_same_document_changes_nothing(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    r = ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    assert r.status_code == 201, r.text
    seller = r.json()
    assert (seller["kind"], seller["status"], seller["external_id"]) == ("marketplace", "active", "S-1")
    again = ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    assert again.status_code == 200 and again.json() == seller  # updated_at unchanged too

    r = ada.put("/api/v1/commerce/orders/O-1", json=order_doc())
    assert r.status_code == 201, r.text
    order = r.json()
    # Lisa owns lisa@example.com: the order is hers, no new customer.
    assert order["customer_id"] == c.customers["lisa"].id
    assert (order["items_total_minor"], order["shipping_minor"], order["total_minor"]) == (
        203000,
        6000,
        209000,
    )
    assert order["seller"] == {
        "id": seller["id"],
        "external_id": "S-1",
        "name": seller["name"],
        "kind": "marketplace",
    }
    assert [i["sku"] for i in order["items"]] == ["KETTLE-1", "MUG-1"]
    assert order["items"][0]["names"] == {"en": "Electric kettle", "zh-Hant": "電熱水壺"}
    before = ada.get("/api/v1/commerce/orders/O-1").json()
    again = ada.put("/api/v1/commerce/orders/O-1", json=order_doc())
    assert again.status_code == 200 and again.json() == before

    r = ada.put("/api/v1/commerce/shipments/P-1", json=shipment_doc(events=[event(T0, "label_created")]))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "label_created" and len(r.json()["events"]) == 1
    again = ada.put("/api/v1/commerce/shipments/P-1", json=shipment_doc(events=[event(T0, "label_created")]))
    assert again.status_code == 200 and again.json() == r.json()


def test_a_changed_order_is_updated_with_its_items_and_keeps_what_it_left_out(live_cast: Cast) -> None:
    ada = live_cast.api("ada")
    store(ada, ship_by=iso(T0 + dt.timedelta(days=1)))
    changed = order_doc(
        status="shipped",
        items=[{"sku": "MUG-1", "name": "馬克杯 Mug", "quantity": 3, "unit_price_minor": 25000}],
    )
    r = ada.put("/api/v1/commerce/orders/O-1", json=changed)
    assert r.status_code == 200, r.text
    o = r.json()
    assert o["status"] == "shipped" and [i["quantity"] for i in o["items"]] == [3]
    assert (o["items_total_minor"], o["total_minor"]) == (75000, 81000)
    assert o["ship_by"] is not None  # left out of this document: kept
    assert o["shipped_at"] is not None  # shipped: stamped at the first document that says so
    stamped = o["shipped_at"]
    assert ada.put("/api/v1/commerce/orders/O-1", json=changed).json()["shipped_at"] == stamped


def test_customers_are_found_or_created_from_the_order(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    store(ada)
    by_ext = ada.put(
        "/api/v1/commerce/orders/O-2",
        json=order_doc(customer={"external_id": "cust-77", "email": "mei@example.tw", "name": "林美玲"}),
    ).json()
    new_id = by_ext["customer_id"]
    assert new_id not in {p.id for p in c.customers.values()}
    # The store's customer id finds that customer again, whatever e-mail the next order gives.
    again = ada.put("/api/v1/commerce/orders/O-3", json=order_doc(customer={"external_id": "cust-77"})).json()
    assert again["customer_id"] == new_id
    by_phone = ada.put(
        "/api/v1/commerce/orders/O-4", json=order_doc(customer={"phone": "+886 912-345-678"})
    ).json()
    assert by_phone["customer_id"] == c.customers["lisa"].id  # +886912345678, normalised
    by_id = ada.put(
        "/api/v1/commerce/orders/O-5", json=order_doc(customer={"id": c.customers["john"].id})
    ).json()
    assert by_id["customer_id"] == c.customers["john"].id
    person = ada.get(f"/api/v1/customers/{new_id}").json()
    assert person["name"] == "林美玲" and person["emails"] == ["mei@example.tw"]


def test_batches_apply_all_or_nothing(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    batch = {"orders": [dict(order_doc(), external_id=f"B-{n}", number=f"TW-2000{n}") for n in range(3)]}
    r = ada.post("/api/v1/commerce/orders:batch", json=batch)
    assert r.status_code == 200, r.text
    assert [x["result"] for x in r.json()["results"]] == ["created"] * 3
    assert [x["result"] for x in ada.post("/api/v1/commerce/orders:batch", json=batch).json()["results"]] == [
        "unchanged"
    ] * 3
    # One bad item (an unknown seller) refuses the batch: the good new one is not written either.
    bad = {"orders": [dict(order_doc(), external_id="B-9"), dict(order_doc("S-404"), external_id="B-10")]}
    assert_problem(ada.post("/api/v1/commerce/orders:batch", json=bad), 422)
    assert_problem(ada.get("/api/v1/commerce/orders/B-9"), 404)
    ships = {
        "shipments": [
            dict(shipment_doc("B-0"), external_id="P-B0"),
            dict(shipment_doc("B-1"), external_id="P-B1"),
        ]
    }
    r = ada.post("/api/v1/commerce/shipments:batch", json=ships)
    assert [x["result"] for x in r.json()["results"]] == ["created", "created"], r.text


def test_lists_filters_and_a_customers_orders(live_cast: Cast) -> None:
    c = live_cast
    ada, alice = c.api("ada"), c.api("alice")
    store(ada)
    ada.put("/api/v1/commerce/sellers/ME", json=seller_doc(name="WowDesk 自營", kind="first_party"))
    for n in range(5):
        ada.put(
            f"/api/v1/commerce/orders/L-{n}",
            json=order_doc(
                "ME" if n % 2 else "S-1",
                number=f"TW-3000{n}",
                placed_at=iso(T0 + dt.timedelta(hours=n)),
                customer={"email": "john@example.com"} if n == 4 else {"email": "lisa@example.com"},
                fulfilment="seller" if n == 0 else "platform",
            ),
        )
    first = alice.get("/api/v1/commerce/orders", params={"limit": 2}).json()
    assert [o["external_id"] for o in first["items"]] == ["L-4", "L-3"]
    second = alice.get("/api/v1/commerce/orders", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [o["external_id"] for o in second["items"]] == ["L-2", "L-1"]
    lisa = c.customers["lisa"].id
    mine = alice.get("/api/v1/commerce/orders", params={"customer_id": lisa, "fulfilment": "seller"}).json()
    assert [o["external_id"] for o in mine["items"]] == ["L-0"]
    sellers = alice.get("/api/v1/commerce/sellers", params={"kind": "first_party"}).json()["items"]
    assert [s["external_id"] for s in sellers] == ["ME"]
    theirs = alice.get(f"/api/v1/customers/{lisa}/orders").json()
    assert [o["external_id"] for o in theirs] == ["L-3", "L-2", "L-1", "L-0", "O-1"]
    ada.put(
        "/api/v1/commerce/shipments/P-9", json=shipment_doc("L-3", events=[event(T0, "in_transit", "已出貨")])
    )
    theirs = alice.get(f"/api/v1/customers/{lisa}/orders", params={"limit": 1}).json()
    assert theirs[0]["shipments"][0]["events"][0]["description"] == "已出貨"
    listed = alice.get("/api/v1/commerce/shipments", params={"status": "in_transit"}).json()["items"]
    assert [s["external_id"] for s in listed] == ["P-9"]
    assert alice.get("/api/v1/commerce/shipments", params={"stalled": True}).json()["items"] == []
    assert_problem(alice.get("/api/v1/commerce/orders", params={"cursor": "bm9wZQ"}), 422)
    # Well-formed cursors naming no possible position: a naive time, an id past the database's.
    for forged in ({"at": "2026-12-01T00:00:00", "id": 5}, {"at": "2026-12-01T00:00:00+00:00", "id": 2**70}):
        cursor = encode_cursor(forged)
        assert_problem(alice.get("/api/v1/commerce/orders", params={"cursor": cursor}), 422)
    for path in ("/api/v1/commerce/shipments", "/api/v1/commerce/sellers"):
        for forged_id in ({"id": 2**70}, {"id": "5"}, {"id": 0}, {}):
            assert_problem(alice.get(path, params={"cursor": encode_cursor(forged_id)}), 422)


def test_agents_read_only_admins_write_and_manage(live_cast: Cast) -> None:
    c = live_cast
    store(c.api("ada"))
    for who in ("alice", "sam"):
        api = c.api(who)
        assert api.get("/api/v1/commerce/orders/O-1").status_code == 200
        assert_problem(api.put("/api/v1/commerce/sellers/S-2", json=seller_doc()), 403)
        assert_problem(api.put("/api/v1/commerce/orders/O-1", json=order_doc(status="cancelled")), 403)
        assert_problem(api.get("/api/v1/commerce/connection"), 403)
        assert_problem(api.put("/api/v1/commerce/connection", json={}), 403)
    assert c.api("ada").get("/api/v1/commerce/orders/O-1").json()["status"] == "paid"
    assert_problem(c.api(None).get("/api/v1/commerce/orders"), 401)


async def test_a_refused_write_leaves_nothing_behind(live_cast: Cast) -> None:
    c = live_cast
    ada = c.api("ada")
    ada.put("/api/v1/commerce/sellers/S-1", json=seller_doc())
    before = await row_counts(c.rt, c.workspace_id)
    # A new customer's order whose items do not add up: neither the order nor the customer stays.
    bad = order_doc(customer={"email": "new@example.com"}, items_total_minor=1)
    assert_problem(ada.put("/api/v1/commerce/orders/O-1", json=bad), 422)
    assert await row_counts(c.rt, c.workspace_id) == before
