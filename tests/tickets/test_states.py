"""The status state table, pair by pair, over the HTTP API; `closed` is final; a comment can set
the status in the same submit ("reply and solve")."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import Api, Cast, assert_problem
from tests.tickets.conftest import (
    agent_ref,
    comments,
    create_ticket,
    get_ticket,
    ticket_count,
    timeline,
)

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")

# The lifecycle as the product promises it (written out here, not read from states.py).
ALLOWED = {
    ("new", "open"),
    ("new", "pending"),
    ("new", "on_hold"),
    ("new", "solved"),
    ("open", "pending"),
    ("open", "on_hold"),
    ("open", "solved"),
    ("pending", "open"),
    ("pending", "on_hold"),
    ("pending", "solved"),
    ("on_hold", "open"),
    ("on_hold", "pending"),
    ("on_hold", "solved"),
    ("solved", "open"),
    ("solved", "closed"),
}


def lines_after(api: Api, ticket_id: int) -> list[tuple[str, str | None, Any, Any]]:
    """The timeline after its `created` line, as (actor, field, old, new)."""
    lines = timeline(api, ticket_id)
    assert lines[0]["kind"] == "created"
    return [(e["actor"], e["field"], e["old"], e["new"]) for e in lines[1:]]


def ticket_in(api: Api, status: str) -> dict[str, Any]:
    """A fresh ticket in `status` (created in it, or solved then closed)."""
    if status != "closed":
        t = create_ticket(api, status=status)
        assert t["status"] == status
        return t
    t = create_ticket(api, status="solved")
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "closed"})
    assert r.status_code == 200, r.text
    return get_ticket(api, t["id"])


@pytest.mark.parametrize(("old", "new"), list(itertools.product(STATUSES, STATUSES)))
def test_every_status_pair(module_cast: Cast, old: str, new: str) -> None:
    """PATCH status old → new: allowed moves give 200 and a timeline line, forbidden ones 409 with
    the current status and nothing changed; a closed ticket refuses everything, even `closed`."""
    api = module_cast.api("alice")
    alice = agent_ref(module_cast, "alice")
    before = ticket_in(api, old)
    tid = before["id"]
    setup = [(alice, "status", "solved", "closed")] if old == "closed" else []  # how it got there
    r = api.patch(f"/api/v1/tickets/{tid}", json={"status": new})
    after = get_ticket(api, tid)
    if old == "closed":
        body = assert_problem(r, 409)
        assert "closed" in body["detail"]
    elif old == new:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == old
        assert after["version"] == before["version"]  # nothing to change, nothing recorded
    elif (old, new) in ALLOWED:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == new == after["status"]
        assert after["version"] == before["version"] + 1
        assert lines_after(api, tid) == [*setup, (alice, "status", old, new)]
        assert (after["solved_at"] is not None) == (new in ("solved", "closed"))
        assert (after["closed_at"] is not None) == (new == "closed")
        return
    else:
        body = assert_problem(r, 409)
        assert body["current_status"] == old
        assert old in body["detail"] and new in body["detail"]
    assert after == before  # status, version, updated_at: all as they were
    assert lines_after(api, tid) == setup  # no line was added


def test_forbidden_move_changes_nothing_else_of_the_same_patch(module_cast: Cast) -> None:
    """PATCH priority + subject + tags together with the forbidden move new → closed: 409, and the
    priority, subject and tags given alongside are not applied either."""
    api = module_cast.api("alice")
    t = create_ticket(api, tags=["vip"])
    r = api.patch(
        f"/api/v1/tickets/{t['id']}",
        json={"status": "closed", "priority": "urgent", "subject": "changed", "add_tags": ["late"]},
    )
    assert_problem(r, 409)
    after = get_ticket(api, t["id"])
    assert (after["status"], after["priority"], after["subject"], after["tags"]) == (
        "new",
        "normal",
        "Parcel missing",
        ["vip"],
    )
    assert [e["kind"] for e in timeline(api, t["id"])] == ["created"]


def test_a_ticket_cannot_be_created_closed(module_cast: Cast) -> None:
    """POST a ticket with status closed: 422, and no ticket is created."""
    api = module_cast.api("alice")
    before = ticket_count(api)
    r = api.post(
        "/api/v1/tickets",
        json={"subject": "x", "requester": {"email": "new@example.org"}, "status": "closed"},
    )
    body = assert_problem(r, 422)
    assert [e["field"] for e in body["errors"]] == ["status"]
    assert ticket_count(api) == before


def test_closed_is_final_for_every_kind_of_change(module_cast: Cast) -> None:
    """On a closed ticket: PATCH priority / tags / assignee and adding a comment or a note all give
    409, and nothing is stored."""
    api = module_cast.api("alice")
    t = ticket_in(api, "closed")
    tid = t["id"]
    lines = timeline(api, tid)
    for patch in (
        {"priority": "urgent"},
        {"add_tags": ["again"]},
        {"assignee_id": module_cast.agents["alice"].id},
        {"subject": "reopen please"},
    ):
        assert_problem(api.patch(f"/api/v1/tickets/{tid}", json=patch), 409)
    for comment in (
        {"body": "any news?"},
        {"body": "note", "public": False},
        {"body": "x", "status": "open"},
    ):
        body = assert_problem(api.post(f"/api/v1/tickets/{tid}/comments", json=comment), 409)
        assert "closed" in body["detail"]
    assert get_ticket(api, tid) == t
    assert timeline(api, tid) == lines


def test_reply_and_solve_in_one_submit(module_cast: Cast) -> None:
    """A comment with `status: solved` stores the reply and solves the ticket: the timeline shows the
    reply, then the status change, both by the agent; the version moves by one."""
    api = module_cast.api("alice")
    t = create_ticket(api, status="open")
    r = api.post(
        f"/api/v1/tickets/{t['id']}/comments", json={"body": "Refund sent, closing this.", "status": "solved"}
    )
    assert r.status_code == 201, r.text
    after = get_ticket(api, t["id"])
    assert after["status"] == "solved" and after["solved_at"] is not None
    assert after["version"] == t["version"] + 1
    lines = timeline(api, t["id"])
    assert [(e["kind"], e["field"]) for e in lines[-2:]] == [("comment", None), ("changed", "status")]
    assert lines[-2]["comment"]["body"] == "Refund sent, closing this."
    assert (lines[-1]["old"], lines[-1]["new"]) == ("open", "solved")
    assert {e["actor"] for e in lines[-2:]} == {agent_ref(module_cast, "alice")}


def test_note_and_put_on_hold(module_cast: Cast) -> None:
    """An internal note can also set the status (open → on_hold); the note stays private."""
    api = module_cast.api("bob")
    t = create_ticket(api, status="open")
    r = api.post(
        f"/api/v1/tickets/{t['id']}/comments",
        json={"body": "waiting for the carrier", "public": False, "status": "on_hold"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["public"] is False
    assert get_ticket(api, t["id"])["status"] == "on_hold"


@pytest.mark.parametrize(("old", "new"), [("new", "closed"), ("open", "new"), ("solved", "pending")])
def test_comment_with_a_forbidden_status_stores_nothing(module_cast: Cast, old: str, new: str) -> None:
    """A reply asking for a forbidden move (e.g. new → closed) is refused whole: 409, no comment, no
    timeline line, the status and version unchanged."""
    api = module_cast.api("alice")
    t = create_ticket(api, status=old)
    n_comments = len(comments(api, t["id"]))
    lines = timeline(api, t["id"])
    body = assert_problem(
        api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "bye", "status": new}), 409
    )
    assert body["current_status"] == old
    assert len(comments(api, t["id"])) == n_comments
    assert timeline(api, t["id"]) == lines
    assert get_ticket(api, t["id"]) == t


def test_comment_with_an_unknown_status_is_422(module_cast: Cast) -> None:
    """A reply with status "done" (not a status): 422 naming the field, no comment stored."""
    api = module_cast.api("alice")
    t = create_ticket(api)
    body = assert_problem(
        api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "x", "status": "done"}), 422
    )
    assert [e["field"] for e in body["errors"]] == ["status"]
    assert comments(api, t["id"]) == []


def test_reopen_clears_solved_at(module_cast: Cast) -> None:
    """solved → open: the ticket is no longer marked solved; solving again sets a new solved_at."""
    api = module_cast.api("alice")
    t = create_ticket(api, status="solved")
    assert t["solved_at"] is not None
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"})
    assert r.status_code == 200 and r.json()["solved_at"] is None
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"})
    assert r.status_code == 200 and r.json()["solved_at"] is not None
