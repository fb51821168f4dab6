"""The platform stands behind its sellers: a refund of a seller-fulfilled order opens a claim
against the seller (once per ledger entry), which supervisors move through its lifecycle. A refund
of an order the platform fulfilled claims nothing from anyone."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Api, Cast, assert_problem
from tests.policies.ledger_support import grant, make_order, refund


def wait_for_claims(api: Api, want: int, **params: Any) -> list[dict[str, Any]]:
    """The claims, once the live server's job runner has opened `want` of them (it runs the
    listener of compensation.granted after the grant's commit)."""
    items: list[dict[str, Any]] = []
    for _ in range(100):
        r = api.get("/api/v1/claims", params=params)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        if len(items) >= want:
            return items
        time.sleep(0.05)
    return items


async def test_a_refund_of_a_seller_fulfilled_order_opens_one_claim_with_evidence(live_cast: Cast) -> None:
    seller_order = await make_order(live_cast.rt, live_cast, fulfilment="seller")
    platform_order = await make_order(live_cast.rt, live_cast, fulfilment="platform")
    ada, sam = live_cast.api("ada"), live_cast.api("sam")
    for order in (platform_order, seller_order):
        r = grant(ada, refund(order, order["total_minor"], cast=live_cast), idem=f"claim-{order['id']}")
        assert r.status_code == 201, r.text
    entry_id = r.json()["entry"]["id"]
    r = grant(
        ada,
        refund(seller_order, seller_order["total_minor"], cast=live_cast),
        idem=f"claim-{seller_order['id']}",
    )  # a retry
    assert r.status_code == 200 and r.json()["replayed"]

    [claim] = wait_for_claims(sam, 1)
    time.sleep(0.3)  # the platform order's listener would have run by now, too
    assert len(wait_for_claims(sam, 2)) == 1
    assert (claim["order_id"], claim["ledger_entry_id"], claim["amount_minor"], claim["currency"]) == (
        seller_order["id"],
        entry_id,
        seller_order["total_minor"],
        "USD",
    )
    assert claim["status"] == "open" and claim["reason"] == "lost_parcel"
    assert "TW-" in claim["evidence"] and "$850.00" in claim["evidence"]
    assert f"/api/v1/commerce/orders/{seller_order['id']}" in claim["evidence_links"]
    assert sam.get(f"/api/v1/claims/{claim['id']}").json() == claim
    assert wait_for_claims(sam, 1, order_id=platform_order["id"]) == []
    assert [c["id"] for c in wait_for_claims(sam, 1, seller_id=claim["seller_id"], status="open")] == [
        claim["id"]
    ]


async def test_a_claims_lifecycle_follows_its_table(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, fulfilment="seller")
    ada, sam = live_cast.api("ada"), live_cast.api("sam")
    assert grant(ada, refund(order, 10_000, cast=live_cast)).status_code == 201
    [claim] = wait_for_claims(sam, 1)
    path = f"/api/v1/claims/{claim['id']}/transitions"
    assert_problem(sam.post(path, json={"to": "paid"}), 409)  # the seller has not accepted it
    r = sam.post(path, json={"to": "disputed", "note": "Seller says the parcel was delivered"})
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    assert r.json()["status_note"] == "Seller says the parcel was delivered"
    assert sam.post(path, json={"to": "disputed"}).json()["status"] == "disputed"  # the same move again
    assert sam.post(path, json={"to": "accepted"}).json()["status"] == "accepted"
    paid = sam.post(path, json={"to": "paid"}).json()
    assert paid["status"] == "paid" and paid["status_changed_by"] == f"agent:{live_cast.agents['sam'].id}"
    assert_problem(sam.post(path, json={"to": "withdrawn"}), 409)  # paid is an end
    assert_problem(sam.post(path, json={"to": "lost"}), 422)
    assert sam.get(f"/api/v1/claims/{claim['id']}").json()["status"] == "paid"


async def test_only_supervisors_and_admins_see_claims(live_cast: Cast, other_cast_factory: Any) -> None:
    order = await make_order(live_cast.rt, live_cast, fulfilment="seller")
    assert grant(live_cast.api("ada"), refund(order, 10_000, cast=live_cast)).status_code == 201
    [claim] = wait_for_claims(live_cast.api("sam"), 1)
    alice = live_cast.api("alice")
    assert_problem(alice.get("/api/v1/claims"), 403)
    assert_problem(alice.post(f"/api/v1/claims/{claim['id']}/transitions", json={"to": "withdrawn"}), 403)
    other = await other_cast_factory()
    from tests.tickets.conftest import api_of

    stranger = api_of(other, "sam", closed_with=live_cast)
    assert_problem(stranger.get(f"/api/v1/claims/{claim['id']}"), 404)
    assert stranger.get("/api/v1/claims").json()["items"] == []
    assert live_cast.api("sam").get(f"/api/v1/claims/{claim['id']}").json()["status"] == "open"
