"""Generous to the many, firm with the few. A loyal customer with twenty orders and two refunds
for lost parcels never meets friction; a customer whose three of four orders were refunded as
"never arrived" within a month is under review: the next grant for them, within the agent's limit
or made by a policy on its own, waits for a supervisor — and the customer panel explains why,
factor by factor."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cast, assert_problem, build_cast
from tests.policies.ledger_support import grant, make_order, refund
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce.schemas import ShipmentIn
from wowdesk.core.actor import Actor
from wowdesk.policies.ledger import actions as ledger_actions
from wowdesk.policies.ledger.schemas import GrantRequest


def _score(cast: Cast, customer: str, **headers: str) -> dict[str, Any]:
    r = cast.api("alice").get(f"/api/v1/customers/{cast.customers[customer].id}/abuse-score", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_loyal_customer_never_meets_friction(live_cast: Cast) -> None:
    c = live_cast
    orders = [
        await make_order(c.rt, c, customer="lisa", unit_minor=1000, quantity=1, shipping_minor=0)
        for _ in range(20)
    ]
    for order in orders[:2]:
        r = grant(c.api("alice"), refund(order, 500, cast=c))
        assert r.status_code == 201, r.text
        assert r.json()["approval"] is None and r.json()["entry"]["status"] != "awaiting_approval"
    score = _score(c, "lisa")
    assert (score["score"], score["review"]) == (10, False)  # two lost parcels: noted, no friction
    assert [f["code"] for f in score["factors"]] == ["non_receipt"]
    assert (score["orders"], score["compensated_orders"]) == (20, 2)


async def test_a_pattern_of_non_receipt_puts_the_customer_under_review(live_cast: Cast) -> None:
    c = live_cast
    alice = c.api("alice")
    orders = [
        await make_order(c.rt, c, customer="john", unit_minor=1000, quantity=1, shipping_minor=0)
        for _ in range(4)
    ]
    for order in orders[:3]:  # each within Alice's limit, each granted at once
        r = grant(alice, refund(order, 1000, cast=c, customer="john", reason_code="not_received"))
        assert r.status_code == 201 and r.json()["approval"] is None, r.text

    score = _score(c, "john")
    assert (score["score"], score["review"], score["threshold"]) == (80, True, 60)
    assert [(f["code"], f["points"]) for f in score["factors"]] == [
        ("refund_rate", 40),
        ("non_receipt", 30),
        ("velocity", 10),
    ]
    assert score["factors"][0]["explanation"] == "3 of 4 orders in the last year were refunded or replaced."
    hant = _score(c, "john", **{"Accept-Language": "zh-TW"})
    assert "4" in hant["factors"][0]["explanation"] and "orders" not in hant["factors"][0]["explanation"]

    # The fourth, small and within her limit: a supervisor looks first.
    held = grant(alice, refund(orders[3], 100, cast=c, customer="john", reason_code="not_received"))
    assert held.status_code == 201, held.text
    assert held.json()["entry"]["status"] == "awaiting_approval"
    assert held.json()["approval"]["request_reason"] == "customer_review"
    # So does a policy acting on its own.
    async with c.rt.uow() as s:
        outcome = await ledger_actions.do_grant_compensation(
            s,
            Actor.system(c.workspace_id),
            GrantRequest(
                kind="goodwill_credit",
                customer_id=c.customers["john"].id,
                amount_minor=100,
                currency="USD",
                reason_code="goodwill",
                idempotency_key="policy:abuse-test",
            ),
        )
    assert outcome.entry.status == "awaiting_approval"
    assert outcome.approval is not None and outcome.approval.request_reason == "customer_review"
    # Lisa, in the same workspace, is untouched.
    lisa_order = await make_order(c.rt, c, customer="lisa", unit_minor=1000, quantity=1, shipping_minor=0)
    assert grant(alice, refund(lisa_order, 100, cast=c)).json()["approval"] is None


async def test_the_score_is_only_for_the_workspaces_own_customers(live_cast: Cast) -> None:
    other = await build_cast(live_cast.rt)
    r = live_cast.api("alice").get(f"/api/v1/customers/{other.customers['lisa'].id}/abuse-score")
    assert_problem(r, 404)
    assert_problem(
        live_cast.api(None).get(f"/api/v1/customers/{live_cast.customers['lisa'].id}/abuse-score"), 401
    )


async def test_what_the_platform_paid_on_its_own_for_lost_parcels_never_counts(live_cast: Cast) -> None:
    """Three of Wang's four parcels were found lost by the sweep and refunded by the policy: he
    asked for nothing, and is not under review."""
    c = live_cast
    system = Actor.system(c.workspace_id)
    for n in range(4):
        order = await make_order(c.rt, c, customer="wang", unit_minor=1000, quantity=1, shipping_minor=0)
        if n == 3:
            break
        async with c.rt.uow() as s:
            parcel, _result, _events = await commerce_actions.do_upsert_shipment(
                s,
                system,
                f"SH-{order['id']}",
                ShipmentIn(order_external_id=order["external_id"], carrier="中華郵政"),
            )
            await ledger_actions.do_grant_compensation(
                s,
                system,
                GrantRequest(
                    kind="refund",
                    customer_id=c.customers["wang"].id,
                    order_id=order["id"],
                    shipment_id=parcel.id,
                    amount_minor=1000,
                    currency="USD",
                    reason_code="lost_parcel",
                    idempotency_key=f"lost-parcel:{parcel.id}:refund",
                ),
            )
    score = _score(c, "wang")
    assert (score["score"], score["review"], score["compensated_orders"]) == (0, False, 0)
