"""Custom ticket fields: one of each type (text, number, date, dropdown, checkbox), checked on every
write; wrong values are a 422 that lists each bad field; `required_to_solve` blocks solving."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import (
    changes,
    comments,
    create_ticket,
    get_ticket,
    ticket_count,
    timeline,
)

GOOD = {
    "order_ref": "<b>ORD-42</b>",
    "refund_amount": 12.5,
    "delivery_date": "2026-02-28",
    "carrier": "順豐",
    "fragile": True,
}


def test_a_value_of_each_type_is_accepted_and_returned(
    module_cast: Cast, module_fields: dict[str, Any]
) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api, custom_fields=GOOD)
    assert t["custom_fields"] == GOOD
    assert get_ticket(api, t["id"])["custom_fields"] == GOOD
    r = api.patch(
        f"/api/v1/tickets/{t['id']}",
        json={
            "custom_fields": {
                "refund_amount": 7,
                "fragile": False,
                "carrier": "DHL",
                "delivery_date": "2026-03-01",
            }
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["custom_fields"] == {
        "order_ref": "<b>ORD-42</b>",  # keys not named stay
        "refund_amount": 7,
        "delivery_date": "2026-03-01",
        "carrier": "DHL",
        "fragile": False,
    }


def test_fields_are_listed_with_their_definitions(module_cast: Cast, module_fields: dict[str, Any]) -> None:
    listed = module_cast.api("bob").get("/api/v1/ticket-fields").json()
    assert {f["key"]: f["type"] for f in listed} == {
        "order_ref": "text",
        "refund_amount": "number",
        "delivery_date": "date",
        "carrier": "dropdown",
        "fragile": "checkbox",
    }
    assert next(f for f in listed if f["key"] == "carrier")["options"] == ["DHL", "順豐", "黑貓"]


BAD_VALUES = {
    "order_ref": 42,
    "refund_amount": "12.5",
    "delivery_date": "2026-02-30",
    "carrier": "UPS",
    "fragile": "yes",
}


def test_wrong_types_are_422_listing_every_bad_field(
    module_cast: Cast, module_fields: dict[str, Any]
) -> None:
    """Five wrong values at once (a number for text, text for a number, 30 February, a carrier that
    is not an option, "yes" for a checkbox): 422 whose `errors` names each of the five, and no
    ticket is created. On update, four wrong values beside a good one: 422 naming the four, and
    the good value is not stored either."""
    api = module_cast.api("alice")
    before = ticket_count(api)
    body = assert_problem(
        api.post(
            "/api/v1/tickets",
            json={"subject": "x", "requester": {"email": "lisa@example.com"}, "custom_fields": BAD_VALUES},
        ),
        422,
    )
    assert sorted(e["field"] for e in body["errors"]) == sorted(f"custom_fields.{k}" for k in BAD_VALUES)
    assert all(e["message"] for e in body["errors"])
    assert ticket_count(api) == before

    t = create_ticket(api, custom_fields={"order_ref": "ORD-1"})
    body = assert_problem(
        api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {**BAD_VALUES, "order_ref": "ORD-2"}}),
        422,
    )
    assert sorted(e["field"] for e in body["errors"]) == sorted(
        f"custom_fields.{k}" for k in BAD_VALUES if k != "order_ref"
    )
    assert get_ticket(api, t["id"]) == t  # order_ref is still ORD-1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("refund_amount", True),
        ("refund_amount", [1]),
        ("fragile", 1),
        ("fragile", "true"),
        ("delivery_date", "23/11/2026"),
        ("delivery_date", 20261123),
        ("carrier", "dhl"),
        ("order_ref", "x" * 10_001),
        ("order_ref", {"nested": "object"}),
    ],
)
def test_one_wrong_value_is_422(
    module_cast: Cast, module_fields: dict[str, Any], key: str, value: Any
) -> None:
    """A boolean or list for a number, 1 or "true" for a checkbox, a non-ISO date, a dropdown
    value in the wrong case, an over-long or non-scalar text: 422 naming the field."""
    api = module_cast.api("alice")
    t = create_ticket(api)
    body = assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {key: value}}), 422)
    assert key in str(body["errors"])
    assert get_ticket(api, t["id"]) == t


def test_unknown_and_inactive_fields_are_rejected(live_cast: Cast, custom_fields: dict[str, Any]) -> None:
    """A key nobody defined, and a field an admin deactivated: 422 naming each key."""
    admin, api = live_cast.api("ada"), live_cast.api("alice")
    r = admin.patch(f"/api/v1/ticket-fields/{custom_fields['fragile']['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    t = create_ticket(api)
    body = assert_problem(
        api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {"colour": "red", "fragile": True}}),
        422,
    )
    assert sorted(e["field"] for e in body["errors"]) == ["custom_fields.colour", "custom_fields.fragile"]
    assert get_ticket(api, t["id"]) == t


def test_null_clears_a_field(module_cast: Cast, module_fields: dict[str, Any]) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api, custom_fields=GOOD)
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {"carrier": None, "fragile": None}})
    assert r.status_code == 200, r.text
    assert r.json()["custom_fields"] == {k: v for k, v in GOOD.items() if k not in ("carrier", "fragile")}
    _a, field, old, new = changes(api, t["id"])[-1]
    assert field == "custom_fields" and old == GOOD and "carrier" not in new


def test_required_to_solve_blocks_solving_until_set(live_cast: Cast, custom_fields: dict[str, Any]) -> None:
    """With `order_ref` required to solve: solving by PATCH, by a reply, or creating a ticket solved
    is 422 naming the field, and nothing is stored (the reply neither); once set, solving works;
    clearing it again does not un-solve, but a reopened ticket cannot be re-solved without it."""
    admin, api = live_cast.api("ada"), live_cast.api("alice")
    r = admin.patch(
        f"/api/v1/ticket-fields/{custom_fields['order_ref']['id']}", json={"required_to_solve": True}
    )
    assert r.status_code == 200 and r.json()["required_to_solve"] is True
    t = create_ticket(api, status="open")
    tid = t["id"]

    body = assert_problem(
        api.patch(f"/api/v1/tickets/{tid}", json={"status": "solved", "priority": "low"}), 422
    )
    assert "order_ref" in body["detail"]
    body = assert_problem(
        api.post(f"/api/v1/tickets/{tid}/comments", json={"body": "Done!", "status": "solved"}), 422
    )
    assert "order_ref" in body["detail"]
    assert comments(api, tid) == []
    assert get_ticket(api, tid) == t
    before = ticket_count(api)
    assert_problem(
        api.post(
            "/api/v1/tickets",
            json={"subject": "x", "requester": {"email": "lisa@example.com"}, "status": "solved"},
        ),
        422,
    )
    assert ticket_count(api) == before
    # Empty text does not count as filled in.
    assert_problem(
        api.patch(f"/api/v1/tickets/{tid}", json={"status": "solved", "custom_fields": {"order_ref": ""}}),
        422,
    )
    assert get_ticket(api, tid) == t

    # Setting it in the same PATCH as solving is enough.
    r = api.patch(
        f"/api/v1/tickets/{tid}", json={"status": "solved", "custom_fields": {"order_ref": "ORD-9"}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "solved"
    created = create_ticket(api, status="solved", custom_fields={"order_ref": "ORD-10"})
    assert created["status"] == "solved"

    # Reopen, clear the field: re-solving is blocked again.
    assert (
        api.patch(
            f"/api/v1/tickets/{tid}", json={"status": "open", "custom_fields": {"order_ref": None}}
        ).status_code
        == 200
    )
    assert_problem(api.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"}), 422)
    assert get_ticket(api, tid)["status"] == "open"


def test_a_required_field_that_is_deactivated_no_longer_blocks(
    live_cast: Cast, custom_fields: dict[str, Any]
) -> None:
    admin, api = live_cast.api("ada"), live_cast.api("alice")
    fid = custom_fields["carrier"]["id"]
    assert admin.patch(f"/api/v1/ticket-fields/{fid}", json={"required_to_solve": True}).status_code == 200
    t = create_ticket(api)
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"}), 422)
    assert admin.patch(f"/api/v1/ticket-fields/{fid}", json={"active": False}).status_code == 200
    assert api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"}).status_code == 200


def test_custom_field_changes_are_on_the_timeline(module_cast: Cast, module_fields: dict[str, Any]) -> None:
    api = module_cast.api("bob")
    t = create_ticket(api, custom_fields={"refund_amount": 5})
    assert timeline(api, t["id"])[0]["new"]["custom_fields"] == {"refund_amount": 5}
    api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {"refund_amount": 9, "fragile": True}})
    actor, field, old, new = changes(api, t["id"])[-1]
    assert (actor, field, old, new) == (
        f"agent:{module_cast.agents['bob'].id}",
        "custom_fields",
        {"refund_amount": 5},
        {"refund_amount": 9, "fragile": True},
    )


# -- definitions ---------------------------------------------------------------------------------------


def test_only_admins_define_fields(live_cast: Cast) -> None:
    """Alice (an agent) defining a field: 403, and no field exists afterwards."""
    api = live_cast.api("alice")
    assert_problem(api.post("/api/v1/ticket-fields", json={"key": "x", "label": "X", "type": "text"}), 403)
    assert api.get("/api/v1/ticket-fields").json() == []


@pytest.mark.parametrize(
    "spec",
    [
        {"key": "Bad Key", "label": "x", "type": "text"},
        {"key": "k", "label": "x", "type": "colour"},
        {"key": "k", "label": "x", "type": "dropdown"},
        {"key": "k", "label": "x", "type": "dropdown", "options": ["a", "a"]},
        {"key": "k", "label": "x", "type": "text", "options": ["a"]},
        {"key": "k", "label": "", "type": "text"},
    ],
    ids=["key", "type", "no-options", "dup-options", "options-on-text", "no-label"],
)
def test_bad_field_definitions_are_422(module_cast: Cast, spec: dict[str, Any]) -> None:
    """A key with spaces/capitals, an unknown type, a dropdown without (or with duplicate)
    options, options on a text field, an empty label: 422 and no field is created."""
    admin = module_cast.api("ada")
    before = admin.get("/api/v1/ticket-fields").json()
    assert_problem(admin.post("/api/v1/ticket-fields", json=spec), 422)
    assert admin.get("/api/v1/ticket-fields").json() == before


def test_a_field_key_is_unique(live_cast: Cast, custom_fields: dict[str, Any]) -> None:
    admin = live_cast.api("ada")
    body = assert_problem(
        admin.post("/api/v1/ticket-fields", json={"key": "carrier", "label": "Again", "type": "text"}), 409
    )
    assert "carrier" in body["detail"]
    assert len(admin.get("/api/v1/ticket-fields").json()) == len(custom_fields)


def test_dropdown_options_can_be_changed(live_cast: Cast, custom_fields: dict[str, Any]) -> None:
    admin, api = live_cast.api("ada"), live_cast.api("alice")
    fid = custom_fields["carrier"]["id"]
    r = admin.patch(f"/api/v1/ticket-fields/{fid}", json={"options": ["DHL", "UPS"]})
    assert r.status_code == 200 and r.json()["options"] == ["DHL", "UPS"]
    t = create_ticket(api, custom_fields={"carrier": "UPS"})
    assert t["custom_fields"] == {"carrier": "UPS"}
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"custom_fields": {"carrier": "順豐"}}), 422)
    # Duplicate options, or options on a checkbox: 422, and the definitions stay as they were.
    before = admin.get("/api/v1/ticket-fields").json()
    assert_problem(
        admin.patch(f"/api/v1/ticket-fields/{fid}", json={"options": ["A", "A"], "label": "X"}), 422
    )
    assert_problem(
        admin.patch(f"/api/v1/ticket-fields/{custom_fields['fragile']['id']}", json={"options": ["A"]}), 422
    )
    assert admin.get("/api/v1/ticket-fields").json() == before
