"""Commerce and resolution on the ticket page, as an agent uses them over real HTTP with the console's
session cookie and CSRF token: the requester's orders with their parcels and tracking (the demo
store's, in a TWD workspace), a grant within the limit recorded once however often the form is
sent, above the limit an approval request a supervisor approves or declines in the queue, bad
amounts in plain words, and a policy's suggestion taken in one click."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Cast, LiveServer
from tests.policies.ledger_support import build_local_cast, entries
from tests.tickets.conftest import create_ticket
from tests.web.support import Console, console_for, text_of
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce import queries as commerce_queries
from wowdesk.core.actor import Actor
from wowdesk.core.runtime import Runtime
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.schemas import CustomerCreate
from wowdesk.demo.commerce import seed_commerce
from wowdesk.policies.reasons import actions as reason_actions

HTML = {"Accept": "text/html"}


@pytest.fixture
async def shop(runtime: Runtime, live: LiveServer) -> AsyncIterator[Cast]:
    """A TWD workspace (Taipei) with the demo store: Lisa has five orders, Wang the others."""
    cast = await build_local_cast(runtime, currency="TWD", time_zone="Asia/Taipei")
    cast.base_url = live.url
    system = Actor.system(cast.workspace_id)
    async with runtime.uow() as s:
        wang = await customer_actions.do_create_customer(
            s, system, CustomerCreate.model_validate({"name": "王伟", "emails": ["wang@example.cn"]})
        )
        lisa = cast.customers["lisa"].id
        await seed_commerce(s, system, [lisa, wang.id, wang.id, wang.id])
    cast.customers["wang"] = wang
    yield cast
    for client in cast._clients:
        client.close()


async def order(cast: Cast, number: str) -> Any:
    async with cast.rt.uow(write=False) as s:
        return await commerce_queries.get_order_by_external_id(s, cast.actor("ada"), f"demo-{number}")


async def order_number(cast: Cast, order_id: int) -> str:
    async with cast.rt.uow(write=False) as s:
        number: str = (await commerce_queries.get_order(s, cast.actor("ada"), order_id)).number
        return number


def lisa_ticket(cast: Cast, who: str = "alice") -> dict[str, Any]:
    api = cast.api(who)
    return create_ticket(
        api,
        subject="我的包裹已經五天沒有更新了",
        requester={"id": cast.customers["lisa"].id},
        assignee_id=cast.agents[who].id,
    )


def page(c: Console, url: str) -> httpx.Response:
    r = c.get(url, headers=HTML)
    assert r.status_code == 200, r.text[:500]
    return r


def order_block(html: str, order_id: int) -> str:
    """The visible words of one order on the panel (with its parcels and tracking)."""
    start = html.index(f'data-order="{order_id}"')
    ends = [e for e in (html.find('<details class="order"', start), html.find("<h3>", start)) if e != -1]
    return text_of(html[start : min(ends)])


def key_of(html: str) -> str:
    m = re.search(r'name="key" value="([^"]+)"', html)
    assert m, "no idempotency key in the grant form"
    return m.group(1)


def grant_form(html: str, order: int | str, amount: str, **over: str) -> dict[str, str]:
    form = {
        "kind": "refund",
        "order_id": str(order),
        "amount": amount,
        "reason_code": "lost_parcel",
        "note": "",
        "key": key_of(html),
    }
    form.update(over)
    return form


async def test_the_panel_shows_the_requesters_orders_parcels_and_tracking(shop: Cast) -> None:
    ticket = lisa_ticket(shop)
    stuck = await order(shop, "TW-10231")
    async with shop.rt.uow() as s:
        marked = await commerce_actions.do_mark_shipment_stalled(
            s, Actor.system(shop.workspace_id), stuck.shipments[0].id, reason="no_progress"
        )
    assert marked
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    shown = text_of(html)
    # Lisa's orders, newest first; none of Wang's.
    orders = re.findall(r'data-order="(\d+)"', html)
    numbers = [(await order_number(shop, int(i))) for i in orders]
    assert numbers == ["TW-10245", "TW-10240", "TW-10231", "TW-10215", "TW-10218"], numbers
    assert "TW-10201" not in shown and "TW-10226" not in shown
    # The stuck parcel: seller, amounts in NT$, carrier, service level, its tracking timeline, stalled.
    parcel = order_block(html, stuck.id)
    assert "極速3C館 Speedy Gadgets" in shown and "Marketplace seller" in shown
    assert "NT$1,990.00" in parcel and "shipping NT$0.00" in parcel
    assert "黑貓宅急便" in parcel and "Express" in parcel and "In transit" in parcel
    assert "已到達轉運中心 Arrived at the sorting hub" in parcel and "已取件 Picked up" in parcel
    assert "Stalled" in parcel and "no scan for" in parcel
    # What Alice may still grant today (the agent defaults in TWD) and no credit yet.
    assert "Refund: up to NT$3,000.00 now" in shown and "Goodwill credit: up to NT$600.00 now" in shown
    assert "No credit." in shown and "No compensations yet." in shown


async def test_a_grant_within_the_limit_is_recorded_once_even_when_sent_twice(shop: Cast) -> None:
    ticket = lisa_ticket(shop)
    stuck = await order(shop, "TW-10231")
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    form = grant_form(html, stuck.id, "1990.00", note="包裹遺失")
    # A double click without the page's script: two plain posts of the same form.
    first = alice.post(f"/tickets/{ticket['id']}/resolution/grant", form, fetch=False)
    second = alice.post(f"/tickets/{ticket['id']}/resolution/grant", form, fetch=False)
    assert first.status_code == 303 and second.status_code == 303, (first.text[:300], second.text[:300])
    again = alice.post(f"/tickets/{ticket['id']}/resolution/grant", form)  # and the script's retry
    assert again.status_code == 200 and "nothing granted twice" in again.json()["message"]
    [entry] = entries(shop.api("ada"), order=stuck.id)
    assert (entry["kind"], entry["amount_minor"], entry["currency"], entry["status"]) == (
        "refund",
        199_000,
        "TWD",
        "recorded",
    )
    assert entry["ticket_id"] == ticket["id"] and entry["agent_id"] == shop.agents["alice"].id
    shown = text_of(page(alice, f"/tickets/{ticket['id']}").text)
    assert "Refund NT$1,990.00 · TW-10231 · Parcel lost" in shown and "Recorded" in shown
    assert "Refund: up to NT$3,000.00 now" in shown  # per grant NT$3,000; NT$7,010 left of the day
    assert new_key_differs(html, page(alice, f"/tickets/{ticket['id']}").text)

    # A goodwill credit needs no order, and shows as the customer's balance.
    credit = alice.post(
        f"/tickets/{ticket['id']}/resolution/grant",
        grant_form(
            html, stuck.id, "100", kind="goodwill_credit", order_id="", reason_code="goodwill", key="c-1"
        ),
    )
    assert credit.status_code == 200 and credit.json()["message"] == "Goodwill credit of NT$100.00 granted."
    assert "Credit balance: NT$100.00" in text_of(page(alice, f"/tickets/{ticket['id']}").text)


def new_key_differs(before: str, after: str) -> bool:
    return key_of(before) != key_of(after)


async def test_bad_amounts_and_over_refunds_are_refused_in_plain_words(shop: Cast) -> None:
    """Tried: no amount, words, a negative, too many decimals, zero, more than the order has left,
    "other" without a note. Each is refused with a sentence; nothing is recorded."""
    ticket = lisa_ticket(shop)
    stuck = await order(shop, "TW-10231")
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    url = f"/tickets/{ticket['id']}/resolution/grant"
    for amount, words in (
        ("", "Give the amount, like 12.50."),
        ("twelve", "This is not an amount (write it like 12.50)."),
        ("-5", "The amount must be zero or more."),
        ("12.505", "TWD has 2 decimal places; this amount has more."),
        ("0", "Give an amount above zero."),
    ):
        r = alice.post(url, grant_form(html, stuck.id, amount))
        assert r.status_code == 422 and r.json()["error"] == words, (amount, r.text)
    other = alice.post(url, grant_form(html, stuck.id, "10", reason_code="other"))
    assert (
        other.status_code == 422
        and 'With the reason code "other", say why in the note.' in other.json()["error"]
    )
    # Without the script: the ticket page again, the reason above the form, what was typed kept.
    over = alice.post(url, grant_form(html, stuck.id, "1,990.01"), fetch=False, headers=HTML)
    assert over.status_code == 409, over.text[:300]
    assert (
        "Order TW-10231 was paid NT$1,990.00; NT$0.00 is refunded or asked for, NT$1,990.00 is left."
        in text_of(over.text)
    )
    assert 'value="1,990.01"' in over.text and key_of(over.text) == key_of(html)
    assert entries(shop.api("ada"), order=stuck.id) == []
    # After a full refund, even a small one more is over what is left.
    assert alice.post(url, grant_form(html, stuck.id, "1990")).status_code == 200
    fresh = page(alice, f"/tickets/{ticket['id']}").text
    more = alice.post(url, grant_form(fresh, stuck.id, "1"))
    assert more.status_code == 409 and "NT$0.00 is left" in more.json()["error"]
    assert len(entries(shop.api("ada"), order=stuck.id)) == 1


async def test_above_the_limit_it_asks_a_supervisor_who_approves_or_declines(shop: Cast) -> None:
    ticket = lisa_ticket(shop)
    big = await order(shop, "TW-10218")  # NT$3,170: above an agent's NT$3,000 per refund
    small = await order(shop, "TW-10240")
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    r = alice.post(
        f"/tickets/{ticket['id']}/resolution/grant",
        grant_form(html, big.id, "3170", reason_code="damaged_item"),
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["message"]
        == "Refund of NT$3,170.00 is above your limit: it was sent to a supervisor for approval."
    )
    shown = text_of(page(alice, f"/tickets/{ticket['id']}").text)
    assert "Awaiting approval" in shown and "Refund NT$3,170.00 · TW-10218" in shown
    r = alice.post(
        f"/tickets/{ticket['id']}/resolution/grant",
        grant_form(
            html, small.id, "3100", kind="shipping_reimbursement", reason_code="late_delivery", key="s-2"
        ),
    )
    assert r.status_code == 409, r.text  # more than the order's NT$1,420 left
    r = alice.post(
        f"/tickets/{ticket['id']}/resolution/grant",
        grant_form(
            html, small.id, "1000", kind="shipping_reimbursement", reason_code="late_delivery", key="s-3"
        ),
    )
    assert "above your limit" in r.json()["message"]  # NT$900 per reimbursement

    sam = await console_for(shop, "sam")
    queue = page(sam, "/approvals").text
    rows = text_of(queue)
    assert 'href="/approvals"' in queue  # in Sam's nav
    assert "Alice" in rows and "張雅婷 Lisa" in rows and "TW-10218" in rows and "NT$3,170.00" in rows
    assert "above the agent's limit per grant" in rows and "Damaged item" in rows
    assert f'href="/tickets/{ticket["id"]}"' in queue
    ids = [int(i) for i in re.findall(r'data-approval="(\d+)"', queue)]
    assert len(ids) == 2
    refund_id, reimbursement_id = ids[1], ids[0]  # newest first

    # Declining needs a reason; without one nothing changes.
    refused = sam.post(f"/approvals/{reimbursement_id}/decline", {"reason": ""}, fetch=False, headers=HTML)
    assert refused.status_code == 422 and "Say why you decline it" in text_of(refused.text)
    declined = sam.post(f"/approvals/{reimbursement_id}/decline", {"reason": "運費已退過"})
    assert (
        declined.status_code == 200
        and declined.json()["message"] == "Declined: Shipping reimbursement of NT$1,000.00."
    )
    approved = sam.post(f"/approvals/{refund_id}/approve", {"reason": ""})
    assert approved.status_code == 200 and approved.json()["message"] == "Approved: Refund of NT$3,170.00."
    twice = sam.post(f"/approvals/{refund_id}/approve", {"reason": ""})
    assert twice.status_code == 409 and "approved already" in twice.json()["error"]
    assert "Nothing waits for approval." in text_of(page(sam, "/approvals").text)
    done = text_of(page(sam, "/approvals?status=declined").text)
    assert "運費已退過" in done and "Sam" in done
    statuses = {e["order_id"]: e["status"] for e in entries(shop.api("ada"))}
    assert statuses == {big.id: "recorded", small.id: "declined"}
    # Alice's panel says so.
    shown = text_of(page(alice, f"/tickets/{ticket['id']}").text)
    assert "Declined" in shown and "Recorded" in shown

    # An agent may not open the queue, nor decide (403, nothing done).
    assert alice.get("/approvals", headers=HTML).status_code == 403
    assert 'href="/approvals"' not in page(alice, "/inbox").text


async def test_a_policys_suggestion_is_taken_in_one_click(shop: Cast) -> None:
    policy = {
        "name": "商品與描述不符 Not as described",
        "mode": "suggest",
        "document": {
            "trigger": {
                "kind": "contact_reason",
                "reason": "item_not_as_described",
                "order_total_max": 300_000,
            },
            "then": [{"refund": {"scope": "items"}}, {"no_return_required": True}],
        },
    }
    assert shop.api("ada").post("/api/v1/resolution-policies", json=policy).status_code == 201
    ticket = lisa_ticket(shop)
    tea = await order(shop, "TW-10240")  # 2 × NT$680 oolong + NT$60 shipping
    r = shop.api("alice").post(
        f"/api/v1/tickets/{ticket['id']}/resolution-suggestions:evaluate",
        json={"order_id": tea.id, "reason": "item_not_as_described"},
    )
    suggestion = r.json()["suggestion"]
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    shown = text_of(html)
    # The suggestion comes first in the panel, before the orders.
    panel = shown[shown.index("Orders and resolution") :]
    assert panel.index("Suggested") < panel.index("TW-10245")
    assert "Refund NT$1,360.00" in shown and "No return required." in shown
    accept = f"/tickets/{ticket['id']}/resolution/suggestions/{suggestion['id']}/accept"
    assert accept in html
    r = alice.post(accept, {}, fetch=False)
    assert r.status_code == 303
    assert (
        alice.post(accept, {}).json()["message"] == "Granted: Refund NT$1,360.00."
    )  # a second click: the same
    [entry] = entries(shop.api("ada"), order=tea.id)
    assert (entry["amount_minor"], entry["policy_id"], entry["status"]) == (
        136_000,
        suggestion["policy_id"],
        "recorded",
    )
    shown = text_of(page(alice, f"/tickets/{ticket['id']}").text)
    assert "Suggestion accepted (商品與描述不符 Not as described). Granted: Refund NT$1,360.00." in shown
    # A decided suggestion cannot be dismissed.
    r = alice.post(f"/tickets/{ticket['id']}/resolution/suggestions/{suggestion['id']}/dismiss", {})
    assert r.status_code == 409 and "accepted already" in r.json()["error"]


async def test_the_properties_say_why_the_customer_wrote_and_which_order(shop: Cast) -> None:
    """The ticket's properties offer the workspace's contact reasons (grouped) and the requester's
    orders; saving them keeps them; a reason that is not the workspace's is refused in words."""
    async with shop.rt.uow() as s:
        await reason_actions.do_seed_default_reasons(s, shop.workspace_id)
    ticket = lisa_ticket(shop)
    alice = await console_for(shop, "alice")
    shown = page(alice, f"/tickets/{ticket['id']}").text
    assert 'name="contact_reason"' in shown and '<optgroup label="Orders and delivery">' in shown
    stuck = await order(shop, "TW-10231")
    assert f'<option value="{stuck.id}">TW-10231 · ' in shown
    saved = alice.post(
        f"/tickets/{ticket['id']}",
        {"version": str(ticket["version"]), "contact_reason": "lost_parcel", "order_id": str(stuck.id)},
    )
    assert saved.status_code == 200, saved.text
    after = shop.api("alice").get(f"/api/v1/tickets/{ticket['id']}").json()
    assert (after["contact_reason"], after["order_id"]) == ("lost_parcel", stuck.id)
    shown = page(alice, f"/tickets/{ticket['id']}").text
    assert '<option value="lost_parcel" selected>' in shown
    refused = alice.post(
        f"/tickets/{ticket['id']}", {"version": str(after["version"]), "contact_reason": "orders_delivery"}
    )
    assert refused.status_code == 422 and "group" in refused.text
    assert shop.api("alice").get(f"/api/v1/tickets/{ticket['id']}").json()["contact_reason"] == "lost_parcel"


async def test_the_customer_panel_explains_a_compensation_pattern_and_stays_quiet_otherwise(
    shop: Cast,
) -> None:
    ticket = lisa_ticket(shop)
    alice = await console_for(shop, "alice")
    assert "data-abuse-score" not in page(alice, f"/tickets/{ticket['id']}").text  # Lisa: nothing to say
    for number in ("TW-10231", "TW-10240", "TW-10245"):
        o = await order(shop, number)
        r = shop.api("ada").post(
            "/api/v1/compensations",
            json={"kind": "refund", "customer_id": shop.customers["lisa"].id, "order_id": o.id,
                  "amount_minor": 100, "currency": "TWD", "reason_code": "not_received"},
            headers={"Idempotency-Key": f"panel-{number}"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
    shown = page(alice, f"/tickets/{ticket['id']}").text
    assert 'data-abuse-score="' in shown
    words = text_of(shown)
    assert "compensations were for parcels reported as never arriving" in words
