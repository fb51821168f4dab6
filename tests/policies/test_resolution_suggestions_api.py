"""Suggestions over HTTP: a suggesting policy leaves its resolution on the ticket; an agent takes it
in one click, granted under their own authority (above their limit: an approval request), or
dismisses it. An automatic contact-reason policy grants at once, once."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cast, assert_problem
from tests.policies.ledger_support import entries, make_order
from tests.tickets.conftest import create_ticket

POLICIES = "/api/v1/resolution-policies"


def contact_policy(mode: str = "suggest") -> dict[str, Any]:
    return {
        "name": "Not as described",
        "mode": mode,
        "document": {
            "trigger": {
                "kind": "contact_reason",
                "reason": "item_not_as_described",
                "order_total_max": 300_000,
            },
            "then": [{"refund": {"scope": "items"}}, {"no_return_required": True}],
        },
    }


def suggestions_of(api: Any, ticket_id: int) -> list[dict[str, Any]]:
    r = api.get(f"/api/v1/tickets/{ticket_id}/resolution-suggestions")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()
    return items


async def test_an_agent_accepts_a_suggestion_in_one_click_above_her_limit_it_asks_approval(
    live_cast: Cast,
) -> None:
    assert live_cast.api("ada").post(POLICIES, json=contact_policy()).status_code == 201
    order = await make_order(live_cast.rt, live_cast)  # 2 × US$400 + shipping: above Alice's US$100
    alice = live_cast.api("alice")
    ticket = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id})
    path = f"/api/v1/tickets/{ticket['id']}/resolution-suggestions"
    r = alice.post(path + ":evaluate", json={"order_id": order["id"], "reason": "item_not_as_described"})
    assert r.status_code == 200, r.text
    suggestion = r.json()["suggestion"]
    assert suggestion["status"] == "open" and suggestion["no_return_required"]
    assert [(g["kind"], g["amount_minor"]) for g in suggestion["grants"]] == [("refund", 80_000)]
    again = alice.post(path + ":evaluate", json={"order_id": order["id"], "reason": "item_not_as_described"})
    assert again.json()["suggestion"]["id"] == suggestion["id"]  # one open suggestion per ticket and policy
    assert [s["id"] for s in suggestions_of(alice, ticket["id"])] == [suggestion["id"]]
    assert entries(live_cast.api("ada"), order=order["id"]) == []  # nothing granted by suggesting

    r = alice.post(f"{path}/{suggestion['id']}/accept")
    assert r.status_code == 200, r.text
    [granted] = r.json()["outcome"]["grants"]
    assert granted["approval_id"] is not None and granted["status"] == "awaiting_approval"
    assert (
        r.json()["status"] == "accepted" and r.json()["decided_by"] == f"agent:{live_cast.agents['alice'].id}"
    )
    twice = alice.post(f"{path}/{suggestion['id']}/accept")  # a double click
    assert twice.status_code == 200 and twice.json()["outcome"] == r.json()["outcome"]
    [entry] = entries(live_cast.api("ada"), order=order["id"])
    assert (entry["amount_minor"], entry["status"], entry["policy_id"]) == (
        80_000,
        "awaiting_approval",
        suggestion["policy_id"],
    )
    assert_problem(alice.post(f"{path}/{suggestion['id']}/dismiss"), 409)


async def test_within_the_limit_it_is_granted_and_a_dismissed_one_cannot_be_accepted(live_cast: Cast) -> None:
    assert live_cast.api("ada").post(POLICIES, json=contact_policy()).status_code == 201
    alice = live_cast.api("alice")
    small = await make_order(live_cast.rt, live_cast, unit_minor=3_000, quantity=1, shipping_minor=500)
    other = await make_order(live_cast.rt, live_cast, unit_minor=2_000, quantity=1)
    ticket = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id})
    path = f"/api/v1/tickets/{ticket['id']}/resolution-suggestions"
    s1 = alice.post(
        path + ":evaluate", json={"order_id": small["id"], "reason": "item_not_as_described"}
    ).json()
    r = alice.post(f"{path}/{s1['suggestion']['id']}/accept")
    assert r.status_code == 200, r.text
    [granted] = r.json()["outcome"]["grants"]
    assert granted["approval_id"] is None and granted["amount_minor"] == 3_000  # the items, not shipping
    # A new evaluation may suggest again once the first was decided; this one is dismissed.
    s2 = alice.post(
        path + ":evaluate", json={"order_id": other["id"], "reason": "item_not_as_described"}
    ).json()
    assert s2["suggestion"]["id"] != s1["suggestion"]["id"]
    assert alice.post(f"{path}/{s2['suggestion']['id']}/dismiss").json()["status"] == "dismissed"
    assert_problem(alice.post(f"{path}/{s2['suggestion']['id']}/accept"), 409)
    assert entries(live_cast.api("ada"), order=other["id"]) == []


async def test_a_reason_no_policy_covers_or_an_order_of_someone_else_suggests_nothing(
    live_cast: Cast,
) -> None:
    assert live_cast.api("ada").post(POLICIES, json=contact_policy()).status_code == 201
    alice = live_cast.api("alice")
    order = await make_order(live_cast.rt, live_cast)
    ticket = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id})
    path = f"/api/v1/tickets/{ticket['id']}/resolution-suggestions"
    r = alice.post(path + ":evaluate", json={"order_id": order["id"], "reason": "wrong_item"})
    assert r.status_code == 200 and r.json() == {"suggestion": None, "granted": []}
    johns = create_ticket(alice, requester={"id": live_cast.customers["john"].id})
    r = alice.post(
        f"/api/v1/tickets/{johns['id']}/resolution-suggestions:evaluate",
        json={"order_id": order["id"], "reason": "item_not_as_described"},
    )
    assert_problem(r, 422)
    assert suggestions_of(alice, ticket["id"]) == [] and suggestions_of(alice, johns["id"]) == []


async def test_an_automatic_contact_reason_policy_grants_once(live_cast: Cast) -> None:
    assert live_cast.api("ada").post(POLICIES, json=contact_policy("automatic")).status_code == 201
    alice = live_cast.api("alice")
    order = await make_order(live_cast.rt, live_cast)
    ticket = create_ticket(alice, requester={"id": live_cast.customers["lisa"].id})
    path = f"/api/v1/tickets/{ticket['id']}/resolution-suggestions:evaluate"
    body = {"order_id": order["id"], "reason": "item_not_as_described"}
    first = alice.post(path, json=body).json()
    second = alice.post(path, json=body).json()
    assert [g["replayed"] for g in first["granted"]] == [False]
    assert [g["replayed"] for g in second.get("granted", [])] == [True], second
    [entry] = entries(live_cast.api("ada"), order=order["id"])
    assert entry["amount_minor"] == 80_000 and entry["agent_id"] is None  # the policy, not Alice


async def test_suggestions_of_another_workspace_are_not_found(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    assert live_cast.api("ada").post(POLICIES, json=contact_policy()).status_code == 201
    order = await make_order(live_cast.rt, live_cast)
    ticket = create_ticket(live_cast.api("alice"), requester={"id": live_cast.customers["lisa"].id})
    path = f"/api/v1/tickets/{ticket['id']}/resolution-suggestions"
    sid = (
        live_cast.api("alice")
        .post(path + ":evaluate", json={"order_id": order["id"], "reason": "item_not_as_described"})
        .json()["suggestion"]["id"]
    )
    other = await other_cast_factory()
    from tests.tickets.conftest import api_of

    stranger = api_of(other, "alice", closed_with=live_cast)
    assert_problem(stranger.get(path), 404)
    assert_problem(stranger.post(f"{path}/{sid}/accept"), 404)
    assert suggestions_of(live_cast.api("alice"), ticket["id"])[0]["status"] == "open"
