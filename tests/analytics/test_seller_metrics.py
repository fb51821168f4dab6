"""Seller metrics on known data, over the last 60 days, with the default thresholds (order defect
rate above 0.7% puts a seller at risk and above 1% suspends them; cancellations for being out of
stock above 2.5% and late shipments above 4% put them at risk; sellers with fewer than 50 orders
are not judged):

* Ada's Books: 111 orders, one with a complaint about the item — 0.90%: at risk;
* Bo's Lamps: 91 orders, one charged back — 1.10%: suspended, and it stays suspended until an
  admin reinstates it;
* Chen's Mugs: 200 orders the platform shipped, two lost in transit — the platform's defect, not
  the seller's: 0%, active;
* Dai's Pens: 40 orders, five complaints — too few orders to judge: left active;
* Eve's Tea: 100 orders, 3 cancelled out of stock and 5 shipped late: at risk on both counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.conftest import Cast, assert_problem
from tests.policies.ledger_support import connect_store
from wowdesk.analytics.sellers import actions as seller_actions
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce.schemas import OrderIn, SellerIn
from wowdesk.core.events import Event
from wowdesk.policies.reasons import actions as reason_actions
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets.schemas import TicketCreate

ITEM = {"sku": "SKU-1", "name": "商品 Item", "quantity": 1, "unit_price_minor": 50000}


def _order(seller: str, n: int, placed: dt.datetime, **over: Any) -> OrderIn:
    doc: dict[str, Any] = {
        "number": f"{seller}-{n}",
        "customer": {"email": "buyer@example.com"},
        "seller_external_id": seller,
        "fulfilment": "seller",
        "status": "shipped",
        "currency": "TWD",
        "items": [ITEM],
        "shipping_minor": 0,
        "placed_at": placed.isoformat(),
        "ship_by": (placed + dt.timedelta(days=2)).isoformat(),
        "shipped_at": (placed + dt.timedelta(days=1)).isoformat(),
    }
    doc.update(over)
    return OrderIn.model_validate(doc)


@pytest.fixture
async def marketplace(live_cast: Cast) -> Cast:
    c = live_cast
    ada = c.actor("ada")
    placed = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    orders: dict[str, list[int]] = {}
    async with c.rt.uow() as s:
        await reason_actions.do_seed_default_reasons(s, c.workspace_id)
        for key, name, count in (
            ("ADA", "Ada's Books", 111),
            ("BO", "Bo's Lamps", 91),
            ("CHEN", "Chen's Mugs", 200),
            ("DAI", "Dai's Pens", 40),
            ("EVE", "Eve's Tea", 100),
        ):
            await commerce_actions.do_upsert_seller(s, ada, key, SellerIn(name=name, kind="marketplace"))
            for n in range(count):
                over: dict[str, Any] = {}
                if key == "BO" and n == 0:
                    over["chargeback_at"] = (placed + dt.timedelta(days=5)).isoformat()
                if key == "CHEN":
                    over["fulfilment"] = "platform"
                if key == "EVE" and n < 3:
                    over |= {"status": "cancelled", "cancel_reason": "out_of_stock", "shipped_at": None}
                if key == "EVE" and 3 <= n < 8:
                    over["shipped_at"] = (placed + dt.timedelta(days=4)).isoformat()
                row, _ = await commerce_actions.do_upsert_order(
                    s, ada, f"{key}-{n}", _order(key, n, placed, **over)
                )
                orders.setdefault(key, []).append(row.id)
        # An old order, outside the 60 days, with a complaint: it does not count.
        old = await commerce_actions.do_upsert_order(
            s, ada, "ADA-old", _order("ADA", 999, placed - dt.timedelta(days=80))
        )
        lisa = {"id": c.customers["lisa"].id}
        for key, index, reason in (
            ("ADA", 0, "item_not_as_described"),
            ("ADA", 0, "defective_item"),  # a second complaint about the same order: one defect
            ("CHEN", 0, "lost_parcel"),
            ("CHEN", 1, "lost_parcel"),
            *(("DAI", i, "wrong_item") for i in range(5)),
            ("EVE", 50, "product_question"),  # not a complaint
        ):
            await ticket_actions.do_create_ticket(
                s,
                ada,
                TicketCreate(
                    subject="About my order",
                    requester=lisa,  # type: ignore[arg-type]
                    order_id=orders[key][index],
                    contact_reason=reason,
                ),
            )
        await ticket_actions.do_create_ticket(
            s,
            ada,
            TicketCreate(
                subject="Old",
                requester=lisa,
                order_id=old[0].id,
                contact_reason="wrong_item",  # type: ignore[arg-type]
            ),
        )
    return c


def _cards(c: Cast) -> dict[str, dict[str, Any]]:
    r = c.api("sam").get("/api/v1/seller-metrics")
    assert r.status_code == 200, r.text
    return {card["seller"]["external_id"]: card for card in r.json()}


async def test_sellers_are_judged_on_their_own_defects_against_the_thresholds(
    marketplace: Cast, captured_events: list[Event]
) -> None:
    c = marketplace
    async with c.rt.uow() as s:  # what the hourly job does, in this process: its events are seen here
        await seller_actions.do_evaluate_sellers(s, c.workspace_id)
    cards = _cards(c)
    ada, bo, chen, dai, eve = (cards[k] for k in ("ADA", "BO", "CHEN", "DAI", "EVE"))
    assert (ada["orders"], ada["defective_orders"], ada["order_defect_rate"]) == (111, 1, 0.9)
    assert (ada["judged"], ada["seller"]["status"]) == ("at_risk", "at_risk")
    assert (bo["orders"], bo["chargeback_orders"], bo["order_defect_rate"]) == (91, 1, 1.1)
    assert (bo["judged"], bo["seller"]["status"]) == ("suspended", "suspended")
    assert (chen["defective_orders"], chen["judged"], chen["seller"]["status"]) == (0, "active", "active")
    assert (dai["defective_orders"], dai["judged"], dai["seller"]["status"]) == (
        5,
        "too_few_orders",
        "active",
    )
    assert (eve["cancellation_rate"], eve["late_shipment_rate"], eve["judged"]) == (3.0, 5.15, "at_risk")
    assert {x["metric"] for x in eve["crossed"]} == {"cancellation_rate", "late_shipment_rate"}
    assert [x["metric"] for x in bo["crossed"]] == ["order_defect_rate"]
    # Worst order defect rate first.
    listed = c.api("sam").get("/api/v1/seller-metrics").json()
    assert [card["seller"]["external_id"] for card in listed][:2] == ["DAI", "BO"]  # worst first

    changed = {(e.seller_id, e.new) for e in captured_events if e.name == "seller.status_changed"}  # type: ignore[attr-defined]
    assert changed == {
        (ada["seller"]["id"], "at_risk"),
        (bo["seller"]["id"], "suspended"),
        (eve["seller"]["id"], "at_risk"),
    }


async def test_a_suspension_lasts_until_an_admin_reinstates_the_seller(marketplace: Cast) -> None:
    c = marketplace
    admin = c.api("ada")
    assert admin.post("/api/v1/seller-metrics/evaluate").status_code == 200
    bo = _cards(c)["BO"]
    # Stricter thresholds would let nobody off; looser ones do not lift a suspension by themselves.
    loose = admin.put(
        "/api/v1/seller-metrics/settings", json={"odr_suspend_percent": 5, "odr_at_risk_percent": 2}
    )
    assert loose.status_code == 200, loose.text
    assert admin.post("/api/v1/seller-metrics/evaluate").status_code == 200
    assert _cards(c)["BO"]["seller"]["status"] == "suspended"
    assert _cards(c)["ADA"]["seller"]["status"] == "active"  # at risk comes and goes with the figures

    assert_problem(
        c.api("sam").post(
            f"/api/v1/seller-metrics/{bo['seller']['id']}/reinstate", json={"reason": "Plan accepted"}
        ),
        403,
    )
    assert_problem(
        admin.post(f"/api/v1/seller-metrics/{bo['seller']['id']}/reinstate", json={"reason": ""}), 422
    )
    back = admin.post(
        f"/api/v1/seller-metrics/{bo['seller']['id']}/reinstate", json={"reason": "Plan of action accepted"}
    )
    assert back.status_code == 200, back.text
    assert back.json()["seller"]["status"] == "active"
    assert_problem(
        admin.post(f"/api/v1/seller-metrics/{bo['seller']['id']}/reinstate", json={"reason": "again"}), 409
    )


async def test_admins_score_the_sellers_on_demand(marketplace: Cast) -> None:
    c = marketplace
    evaluated = c.api("ada").post("/api/v1/seller-metrics/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    assert len(evaluated.json()) == 5
    assert _cards(c)["BO"]["seller"]["status"] == "suspended"


@pytest.mark.parametrize(
    "body",
    [
        {"odr_suspend_percent": 0.5, "odr_at_risk_percent": 0.7},  # at risk above suspension
        {"odr_suspend_percent": 101},
        {"odr_suspend_percent": -1},
        {"odr_suspend_percent": 1.005},  # three decimals
        {"window_days": 3},
        {"min_orders": 0},
        {"complaint_reasons": ["Not A Code"]},
        {"odr_suspend_percent": "1%"},
        {"surprise": True},
    ],
)
def test_bad_thresholds_are_refused_and_change_nothing(live_cast: Cast, body: dict[str, Any]) -> None:
    admin = live_cast.api("ada")
    before = admin.get("/api/v1/seller-metrics/settings").json()
    assert_problem(admin.put("/api/v1/seller-metrics/settings", json=body), 422)
    assert admin.get("/api/v1/seller-metrics/settings").json() == before
    assert before["odr_suspend_percent"] == 1.0 and before["odr_at_risk_percent"] == 0.7


def test_scorecards_are_for_supervisors_and_thresholds_for_admins(live_cast: Cast) -> None:
    assert_problem(live_cast.api("alice").get("/api/v1/seller-metrics"), 403)
    assert_problem(live_cast.api("sam").put("/api/v1/seller-metrics/settings", json={}), 403)
    assert_problem(live_cast.api("sam").post("/api/v1/seller-metrics/evaluate"), 403)
    assert_problem(live_cast.api("sam").get("/api/v1/seller-metrics/987654"), 404)


async def test_the_store_is_told_when_a_standing_moves(marketplace: Cast) -> None:
    """With an outbound store connection, each change of standing is POSTed to the store, signed
    per Standard Webhooks (checked with its SDK), for its seller portal to show the seller."""
    c = marketplace
    got: list[tuple[dict[str, str], bytes]] = []

    async def take(request: web.Request) -> web.Response:
        got.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/wowdesk", take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        secret = await connect_store(c.rt, c, f"http://127.0.0.1:{port}/wowdesk")
        assert c.api("ada").post("/api/v1/seller-metrics/evaluate").status_code == 200
        for _ in range(200):  # the live server's job runner delivers them
            if len(got) >= 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    told = {}
    for headers, body in got:
        lowered = {k.lower(): v for k, v in headers.items()}
        payload = Webhook(secret).verify(body, lowered)
        assert payload["type"] == "seller.status_changed"
        told[payload["data"]["seller"]["external_id"]] = payload["data"]["new"]
    assert told == {"ADA": "at_risk", "BO": "suspended", "EVE": "at_risk"}
