"""Above an agent's limit a grant becomes an approval request in the supervisors' queue; a
supervisor approves or declines it with a reason, within their own limit and never for their own
request; approving checks again what the order has left to refund."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cast, assert_problem
from tests.policies.ledger_support import entries, grant, make_order, refund
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce.schemas import OrderIn
from wowdesk.core.actor import Actor

# USD defaults: an agent refunds up to 100.00 per grant, a supervisor up to 1,000.00.
AGENT_MAX = 10000
SUPERVISOR_MAX = 100000


def queue(api: Any, status: str = "pending") -> list[dict[str, Any]]:
    r = api.get("/api/v1/approvals", params={"status": status})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def test_above_the_limit_a_request_waits_in_the_queue_and_is_approved_with_a_reason(
    live_cast: Cast,
) -> None:
    order = await make_order(live_cast.rt, live_cast)  # 850.00
    alice, sam = live_cast.api("alice"), live_cast.api("sam")
    out = grant(alice, refund(order, AGENT_MAX + 1, cast=live_cast)).json()
    entry, approval = out["entry"], out["approval"]
    assert entry["status"] == "awaiting_approval" and entry["authorised_by"] is None
    assert approval["status"] == "pending" and approval["request_reason"] == "above_per_grant"
    assert approval["requested_by"] == live_cast.agents["alice"].id
    assert [a["id"] for a in queue(sam)] == [approval["id"]]
    assert queue(sam)[0]["entry"]["amount_minor"] == AGENT_MAX + 1
    assert_problem(alice.get("/api/v1/approvals"), 403)  # agents have no queue
    assert_problem(alice.post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "ok"}), 403)
    assert_problem(sam.post(f"/api/v1/approvals/{approval['id']}/approve", json={}), 422)  # no reason
    r = sam.post(
        f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "Loyal customer, parcel lost"}
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (
        done["entry"]["status"] == "recorded" and done["entry"]["authorised_by"] == live_cast.agents["sam"].id
    )
    assert done["approval"]["status"] == "approved" and done["approval"]["decision_reason"].startswith(
        "Loyal"
    )
    assert queue(sam) == [] and [a["id"] for a in queue(sam, "approved")] == [approval["id"]]
    # Decided once: a second decision is a conflict.
    assert_problem(sam.post(f"/api/v1/approvals/{approval['id']}/decline", json={"reason": "no"}), 409)
    audit = alice.get(f"/api/v1/compensations/{entry['id']}").json()["audit"]
    assert [(a["action"], a["to_status"], a["actor"]) for a in audit] == [
        ("requested", "awaiting_approval", f"agent:{live_cast.agents['alice'].id}"),
        ("approved", "recorded", f"agent:{live_cast.agents['sam'].id}"),
    ]
    assert audit[1]["reason"] == "Loyal customer, parcel lost"


async def test_a_declined_request_says_why_and_frees_the_refundable_amount(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=20000, quantity=1, shipping_minor=0)
    alice, sam = live_cast.api("alice"), live_cast.api("sam")
    approval = grant(alice, refund(order, 20000, cast=live_cast)).json()["approval"]
    # The request holds the order's whole amount while it waits.
    assert_problem(grant(live_cast.api("ada"), refund(order, 1, cast=live_cast)), 409)
    r = sam.post(
        f"/api/v1/approvals/{approval['id']}/decline", json={"reason": "Parcel was delivered (signed)"}
    )
    assert r.status_code == 200
    assert r.json()["entry"]["status"] == "declined" and r.json()["approval"]["status"] == "declined"
    detail = alice.get(f"/api/v1/compensations/{approval['entry_id']}").json()
    assert detail["approval"]["decision_reason"] == "Parcel was delivered (signed)"
    assert detail["audit"][-1]["action"] == "declined"
    assert grant(live_cast.api("ada"), refund(order, 20000, cast=live_cast)).status_code == 201


async def test_a_supervisor_cannot_approve_their_own_request(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=80000, quantity=2)
    sam = live_cast.api("sam")
    approval = grant(sam, refund(order, SUPERVISOR_MAX + 1, cast=live_cast)).json()["approval"]
    assert approval["requested_by"] == live_cast.agents["sam"].id
    assert_problem(sam.post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "me"}), 403)
    r = live_cast.api("ada").post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "Confirmed"})
    assert r.status_code == 200 and r.json()["entry"]["authorised_by"] == live_cast.agents["ada"].id


async def test_approving_is_within_the_approvers_own_limit(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=80000, quantity=2)  # 1,650.00
    approval = grant(live_cast.api("alice"), refund(order, SUPERVISOR_MAX + 1, cast=live_cast)).json()[
        "approval"
    ]
    assert_problem(
        live_cast.api("sam").post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "ok"}), 403
    )
    assert queue(live_cast.api("sam"))[0]["id"] == approval["id"]  # still waiting
    r = live_cast.api("ada").post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "ok"})
    assert r.status_code == 200, r.text


async def test_approving_checks_again_what_the_order_has_left(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=20000, quantity=1, shipping_minor=0)
    approval = grant(live_cast.api("alice"), refund(order, 15000, cast=live_cast)).json()["approval"]
    # The store corrects the order: the customer paid less than first sent.
    async with live_cast.rt.uow() as s:
        await commerce_actions.do_upsert_order(
            s,
            Actor.system(live_cast.workspace_id),
            order["external_id"],
            OrderIn.model_validate(
                {
                    "number": "TW-FIX",
                    "customer": {"id": live_cast.customers["lisa"].id},
                    "seller_external_id": "S-1",
                    "fulfilment": "platform",
                    "status": "paid",
                    "currency": "USD",
                    "items": [{"sku": "K", "name": "Kettle", "quantity": 1, "unit_price_minor": 20000}],
                    "total_minor": 12000,
                    "placed_at": "2026-11-02T03:00:00+00:00",
                }
            ),
        )
    body = assert_problem(
        live_cast.api("sam").post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "ok"}), 409
    )
    assert body["refundable_minor"] == 12000
    assert [e["status"] for e in entries(live_cast.api("sam"), order=order["id"])] == ["awaiting_approval"]


async def test_a_policy_acting_on_its_own_is_not_bound_by_agent_limits(live_cast: Cast) -> None:
    from wowdesk.policies.ledger import actions
    from wowdesk.policies.ledger.schemas import GrantRequest

    order = await make_order(live_cast.rt, live_cast)
    async with live_cast.rt.uow() as s:
        out = await actions.do_grant_compensation(
            s,
            Actor.system(live_cast.workspace_id),
            GrantRequest.model_validate(
                refund(order, order["total_minor"], cast=live_cast)
                | {"idempotency_key": f"policy:order:{order['id']}"}
            ),
        )
    assert out.entry.status == "recorded" and out.approval is None and out.entry.agent_id is None
    assert out.entry.actor == "system"
