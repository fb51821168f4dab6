"""The compensation ledger over HTTP: a grant within the agent's limit takes effect in one call and
is recorded honestly (nothing sent without a store connection); a refund never exceeds what was
paid; one idempotency key pays once; credits are granted, shown and spent, never below zero;
agents see their own entries and their tickets'; the ledger exports as CSV; bad amounts and
currencies are refused with nothing written."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.policies.ledger_support import entries, grant, key, make_order, refund
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets.schemas import TicketCreate


async def test_a_refund_within_the_limit_is_granted_in_one_call_with_its_audit_trail(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast)
    alice = live_cast.api("alice")
    r = grant(alice, refund(order, 5000, cast=live_cast, note="Parcel lost by the carrier"))
    assert r.status_code == 201, r.text
    out = r.json()
    entry = out["entry"]
    # No outbound store connection: recorded, honestly — nothing was sent anywhere.
    assert entry["status"] == "recorded" and out["approval"] is None and out["replayed"] is False
    assert entry["agent_id"] == live_cast.agents["alice"].id == entry["authorised_by"]
    assert entry["amount_minor"] == 5000 and entry["currency"] == "USD" and entry["seller_id"] is not None
    detail = alice.get(f"/api/v1/compensations/{entry['id']}").json()
    assert [(a["action"], a["from_status"], a["to_status"]) for a in detail["audit"]] == [
        ("granted", None, "recorded")
    ]
    assert detail["audit"][0]["actor"] == f"agent:{live_cast.agents['alice'].id}"
    assert detail["audit"][0]["reason"] == "Parcel lost by the carrier"


async def test_a_refund_never_exceeds_what_was_paid_minus_what_was_refunded(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast, unit_minor=3000, quantity=1, shipping_minor=1000)
    assert order["total_minor"] == 4000
    ada = live_cast.api("ada")
    assert grant(ada, refund(order, 2500, cast=live_cast)).status_code == 201
    body = assert_problem(grant(ada, refund(order, 1501, cast=live_cast)), 409)
    assert body["refundable_minor"] == 1500
    # A shipping reimbursement on the order is money back for it too.
    over = refund(order, 1000, cast=live_cast, kind="shipping_reimbursement")
    assert grant(ada, over).status_code == 201
    assert_problem(grant(ada, refund(order, 501, cast=live_cast)), 409)
    assert grant(ada, refund(order, 500, cast=live_cast)).status_code == 201
    assert_problem(grant(ada, refund(order, 1, cast=live_cast)), 409)
    # Credits and replacements do not count against what can be refunded.
    credit = refund(order, 700, cast=live_cast, kind="goodwill_credit", reason_code="goodwill")
    assert grant(ada, credit).status_code == 201
    assert (
        sum(e["amount_minor"] for e in entries(ada, order=order["id"]) if e["kind"] != "goodwill_credit")
        == 4000
    )


async def test_one_idempotency_key_pays_once_and_refuses_another_request(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast)
    alice = live_cast.api("alice")
    k = key()
    first = grant(alice, refund(order, 4000, cast=live_cast), k)
    again = grant(alice, refund(order, 4000, cast=live_cast), k)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["replayed"] is True and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    body_key = alice.post(
        "/api/v1/compensations", json=refund(order, 4000, cast=live_cast, idempotency_key=k)
    )
    assert body_key.status_code == 200 and body_key.json()["replayed"] is True
    assert_problem(grant(alice, refund(order, 4001, cast=live_cast), k), 409)
    # The same key from someone else is another request too.
    assert_problem(grant(live_cast.api("bob"), refund(order, 4000, cast=live_cast), k), 409)
    # Header and body naming different keys: which one was meant?
    assert_problem(grant(alice, refund(order, 4000, cast=live_cast, idempotency_key="other"), k), 422)
    assert [e["amount_minor"] for e in entries(live_cast.api("ada"), order=order["id"])] == [4000]
    assert_problem(alice.post("/api/v1/compensations", json=refund(order, 10, cast=live_cast)), 422)


async def test_credit_is_granted_shown_and_spent_never_below_zero(live_cast: Cast) -> None:
    lisa = live_cast.customers["lisa"].id
    alice = live_cast.api("alice")
    body = {
        "kind": "goodwill_credit",
        "customer_id": lisa,
        "amount_minor": 1500,
        "currency": "USD",
        "reason_code": "late_delivery",
    }
    out = grant(alice, body).json()
    assert out["entry"]["status"] == "recorded"
    # Alice's limits are in USD: credit in another currency waits for someone without a limit.
    other = grant(alice, body | {"currency": "TWD", "amount_minor": 30000}).json()
    assert (
        other["entry"]["status"] == "awaiting_approval"
        and other["approval"]["request_reason"] == "other_currency"
    )
    assert grant(live_cast.api("ada"), body | {"currency": "TWD", "amount_minor": 30000}).status_code == 201
    credits = alice.get(f"/api/v1/customers/{lisa}/credits").json()
    assert {b["currency"]: b["balance_minor"] for b in credits["balances"]} == {"TWD": 30000, "USD": 1500}
    store = live_cast.api("ada")
    k = key()
    spent = store.post(
        f"/api/v1/customers/{lisa}/credits/spend",
        json={"amount_minor": 1000, "currency": "USD", "order_reference": "TW-9"},
        headers={"Idempotency-Key": k},
    )
    assert spent.status_code == 201, spent.text
    assert spent.json()["balance_after_minor"] == 500
    again = store.post(
        f"/api/v1/customers/{lisa}/credits/spend",
        json={"amount_minor": 1000, "currency": "USD", "order_reference": "TW-9"},
        headers={"Idempotency-Key": k},
    )
    assert (
        again.status_code == 200
        and again.json()["replayed"] is True
        and again.json()["id"] == spent.json()["id"]
    )
    too_much = store.post(
        f"/api/v1/customers/{lisa}/credits/spend",
        json={"amount_minor": 501, "currency": "USD"},
        headers={"Idempotency-Key": key()},
    )
    assert assert_problem(too_much, 409)["balance_minor"] == 500
    assert_problem(
        store.post(
            f"/api/v1/customers/{lisa}/credits/spend",
            json={"amount_minor": 1, "currency": "EUR"},
            headers={"Idempotency-Key": key()},
        ),
        409,
    )
    credits = alice.get(f"/api/v1/customers/{lisa}/credits").json()
    assert {b["currency"]: b["balance_minor"] for b in credits["balances"]} == {"TWD": 30000, "USD": 500}
    assert [s["amount_minor"] for s in credits["spends"]] == [1000]
    assert_problem(alice.get("/api/v1/customers/999999999/credits"), 404)


async def test_agents_see_their_own_entries_and_their_tickets_and_supervisors_all(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast)
    async with live_cast.rt.uow() as s:
        ticket = await ticket_actions.do_create_ticket(
            s,
            live_cast.actor("alice"),
            TicketCreate.model_validate(
                {
                    "subject": "Where is my kettle?",
                    "requester": {"id": live_cast.customers["lisa"].id},
                    "assignee_id": live_cast.agents["alice"].id,
                }
            ),
        )
    by_bob = grant(live_cast.api("bob"), refund(order, 1000, cast=live_cast, ticket_id=ticket.id)).json()[
        "entry"
    ]
    by_alice = grant(live_cast.api("alice"), refund(order, 2000, cast=live_cast)).json()["entry"]
    bob, alice, sam = live_cast.api("bob"), live_cast.api("alice"), live_cast.api("sam")
    assert [e["id"] for e in entries(bob)] == [by_bob["id"]]
    assert [e["id"] for e in entries(alice)] == [by_alice["id"]]
    # Alice's ticket: every entry of it, also Bob's.
    assert [e["id"] for e in entries(alice, ticket=ticket.id)] == [by_bob["id"]]
    assert alice.get(f"/api/v1/compensations/{by_bob['id']}").status_code == 200
    assert_problem(bob.get(f"/api/v1/compensations/{by_alice['id']}"), 404)
    assert [e["id"] for e in entries(sam)] == [by_alice["id"], by_bob["id"]]
    assert [e["id"] for e in entries(sam, agent=live_cast.agents["bob"].id)] == [by_bob["id"]]
    assert [e["id"] for e in entries(sam, kind="refund", status="recorded", order=order["id"])] == [
        by_alice["id"],
        by_bob["id"],
    ]
    assert entries(sam, status="delivered") == []
    assert entries(sam, **{"from": "2000-01-01", "to": "2000-01-02"}) == []
    assert len(entries(sam, **{"from": "2000-01-01"})) == 2
    # A ticket of another workspace, or none at all, is refused.
    assert_problem(grant(alice, refund(order, 1, cast=live_cast, ticket_id=999999999)), 422)


async def test_the_ledger_exports_as_csv_for_supervisors_only(live_cast: Cast) -> None:
    order = await make_order(live_cast.rt, live_cast)
    grant(
        live_cast.api("alice"), refund(order, 1234, cast=live_cast, reason_code="other", note="=HYPERLINK(1)")
    )
    r = live_cast.api("sam").get("/api/v1/compensations/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1 and rows[0]["amount_minor"] == "1234" and rows[0]["kind"] == "refund"
    assert rows[0]["note"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert_problem(live_cast.api("alice").get("/api/v1/compensations/export.csv"), 403)


async def test_the_ledger_does_not_leak_across_workspaces(live_cast: Cast, other_cast_factory: Any) -> None:
    other = await other_cast_factory()
    other.base_url = live_cast.base_url
    theirs = await make_order(other.rt, other)
    mine = await make_order(live_cast.rt, live_cast)
    entry = grant(live_cast.api("alice"), refund(mine, 100, cast=live_cast)).json()["entry"]
    assert_problem(other.api("sam").get(f"/api/v1/compensations/{entry['id']}"), 404)
    assert entries(other.api("sam")) == []
    # Their order is not ours to refund, nor their customer.
    assert_problem(grant(live_cast.api("alice"), refund(theirs, 100, cast=live_cast)), 422)
    body = refund(mine, 100, cast=live_cast) | {"customer_id": other.customers["lisa"].id}
    assert_problem(grant(live_cast.api("alice"), body), 422)
    assert_problem(other.api("sam").get(f"/api/v1/customers/{live_cast.customers['lisa'].id}/credits"), 404)


BAD_AMOUNTS = [
    ("negative", {"amount_minor": -100}),
    ("zero", {"amount_minor": 0}),
    ("float", {"amount_minor": 100.5}),
    ("whole float", {"amount_minor": 100.0}),
    ("string", {"amount_minor": "100"}),
    ("bool", {"amount_minor": True}),
    ("huge", {"amount_minor": 10**13 + 1}),
    ("beyond 64 bits", {"amount_minor": 2**70}),
    ("null", {"amount_minor": None}),
    ("unknown currency", {"currency": "ABC"}),
    ("not money", {"currency": "XAU"}),
    ("currency as a number", {"currency": 901}),
    ("currency mismatch", {"currency": "TWD"}),
    ("unknown kind", {"kind": "cash"}),
    ("unknown reason", {"reason_code": "because"}),
    ("other without a note", {"reason_code": "other"}),
    ("refund without an order", {"order_id": None}),
    ("unknown order", {"order_id": 999999999}),
    ("order id out of range", {"order_id": 2**63}),
    ("unknown field", {"paid": True}),
    ("NUL in the note", {"note": "a\x00b"}),
]


@pytest.mark.parametrize(("what", "change"), BAD_AMOUNTS, ids=[w for w, _ in BAD_AMOUNTS])
async def test_bad_amounts_and_currencies_are_refused_with_nothing_written(
    live_cast: Cast, what: str, change: dict[str, Any]
) -> None:
    order = await make_order(live_cast.rt, live_cast)
    ada = live_cast.api("ada")
    body = refund(order, 100, cast=live_cast) | change
    assert_problem(grant(ada, body), 422)
    assert entries(ada) == []


async def test_bad_spends_are_refused(live_cast: Cast) -> None:
    lisa = live_cast.customers["lisa"].id
    ada = live_cast.api("ada")
    for body in (
        {"amount_minor": -1, "currency": "USD"},
        {"amount_minor": 1.5, "currency": "USD"},
        {"amount_minor": 1, "currency": "usdx"},
        {"amount_minor": "1", "currency": "USD"},
    ):
        r = ada.post(f"/api/v1/customers/{lisa}/credits/spend", json=body, headers={"Idempotency-Key": key()})
        assert_problem(r, 422)
    assert_problem(
        ada.post(f"/api/v1/customers/{lisa}/credits/spend", json={"amount_minor": 1, "currency": "USD"}), 422
    )
