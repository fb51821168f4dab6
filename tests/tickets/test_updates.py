"""Changing a ticket: priority and type, assignment rules, tags, optimistic locking with If-Match,
and the audit timeline that records every change."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import agent_ref, changes, create_ticket, get_ticket, ids, ticket_count, timeline
from wowdesk.core.sql import driver
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets import repository as tickets_repository
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.schemas import TicketCreate

# -- priority and type ---------------------------------------------------------------------------------


def test_priority_and_type_take_each_allowed_value(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api, priority="urgent", type="incident")
    assert (t["priority"], t["type"]) == ("urgent", "incident")
    for priority, type_ in (("low", "problem"), ("high", "task"), ("normal", "question")):
        r = api.patch(f"/api/v1/tickets/{t['id']}", json={"priority": priority, "type": type_})
        assert r.status_code == 200, r.text
        assert (r.json()["priority"], r.json()["type"]) == (priority, type_)


@pytest.mark.parametrize(
    "patch",
    [
        {"priority": "critical"},
        {"priority": None},
        {"priority": 3},
        {"type": "bug"},
        {"type": None},
        {"status": None},
        {"subject": ""},
        {"subject": None},
        {"colour": "red"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_patch_with_a_bad_value_is_422_and_changes_nothing(module_cast: Cast, patch: dict[str, Any]) -> None:
    """An unknown priority / type, a null for a required field, an empty subject or an unknown
    property: 422 naming the problem, and the ticket is left as it was (the tags given alongside are
    not applied either)."""
    api = module_cast.api("alice")
    t = create_ticket(api, priority="high", type="incident")
    body = assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={**patch, "tags": ["x"]}), 422)
    assert body["errors"], body
    assert get_ticket(api, t["id"]) == t
    assert [e["kind"] for e in timeline(api, t["id"])] == ["created"]


@pytest.mark.parametrize(
    "fields",
    [{"priority": "asap"}, {"type": "complaint"}, {"channel": "fax"}, {"subject": ""}, {"requester": {}}],
    ids=lambda p: next(iter(p)),
)
def test_create_with_a_bad_value_is_422_and_creates_nothing(
    module_cast: Cast, fields: dict[str, Any]
) -> None:
    """POST a ticket with an unknown priority, type or channel, an empty subject or a requester
    without id/e-mail/phone: 422, and the ticket count is unchanged."""
    api = module_cast.api("alice")
    before = ticket_count(api)
    body = {"subject": "Broken", "requester": {"email": "someone-new@example.org"}, **fields}
    problem = assert_problem(api.post("/api/v1/tickets", json=body), 422)
    assert problem["errors"]
    assert ticket_count(api) == before
    assert api.get("/api/v1/customers", params={"q": "someone-new"}).json()["items"] == []


# -- assignment ----------------------------------------------------------------------------------------


def test_assign_to_an_agent_and_a_team_they_belong_to(module_cast: Cast) -> None:
    api = module_cast.api("bob")
    alice = module_cast.agents["alice"].id
    t = create_ticket(api, assignee_id=alice, team_id=module_cast.team_id)
    assert (t["assignee_id"], t["team_id"]) == (alice, module_cast.team_id)
    sam = module_cast.agents["sam"].id
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"assignee_id": sam})
    assert r.status_code == 200 and r.json()["assignee_id"] == sam
    # Without a team, any active agent of the workspace will do.
    r = api.patch(
        f"/api/v1/tickets/{t['id']}", json={"team_id": None, "assignee_id": module_cast.agents["bob"].id}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["assignee_id"], r.json()["team_id"]) == (module_cast.agents["bob"].id, None)
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"assignee_id": None})
    assert r.status_code == 200 and r.json()["assignee_id"] is None


def test_assignee_outside_the_team_is_422(module_cast: Cast) -> None:
    """Bob is not in team Taipei: naming both on create, or moving Bob's ticket to the team,
    or assigning Bob to a Taipei ticket is refused with 422, nothing changed."""
    api = module_cast.api("alice")
    bob, team = module_cast.agents["bob"].id, module_cast.team_id
    before = ticket_count(api)
    body = assert_problem(
        api.post(
            "/api/v1/tickets",
            json={
                "subject": "x",
                "requester": {"email": "lisa@example.com"},
                "assignee_id": bob,
                "team_id": team,
            },
        ),
        422,
    )
    assert str(bob) in body["detail"] and str(team) in body["detail"]
    assert ticket_count(api) == before
    bobs = create_ticket(api, assignee_id=bob)
    assert_problem(api.patch(f"/api/v1/tickets/{bobs['id']}", json={"team_id": team}), 422)
    assert get_ticket(api, bobs["id"]) == bobs
    taipei = create_ticket(api, team_id=team)
    assert_problem(api.patch(f"/api/v1/tickets/{taipei['id']}", json={"assignee_id": bob}), 422)
    assert get_ticket(api, taipei["id"]) == taipei


def test_assignee_must_be_an_active_agent(live_cast: Cast) -> None:
    """Assigning to a deactivated agent (Bob, after Ada switched him off) or to an id that is nobody:
    422 naming the id, and the ticket keeps its assignee."""
    api = live_cast.api("alice")
    t = create_ticket(api, assignee_id=live_cast.agents["alice"].id)
    r = live_cast.api("ada").patch(f"/api/v1/agents/{live_cast.agents['bob'].id}", json={"active": False})
    assert r.status_code == 200, r.text
    for assignee in (live_cast.agents["bob"].id, 2**62):
        body = assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"assignee_id": assignee}), 422)
        assert str(assignee) in body["detail"]
    assert get_ticket(api, t["id"]) == t


async def test_assignee_from_another_workspace_is_422(module_cast: Cast, other_cast_factory: Any) -> None:
    """An agent id of another workspace is no agent here: 422, on create and on update."""
    other = await other_cast_factory()
    stranger = other.agents["alice"].id
    api = module_cast.api("alice")
    before = ticket_count(api)
    assert_problem(
        api.post(
            "/api/v1/tickets",
            json={"subject": "x", "requester": {"email": "a@example.com"}, "assignee_id": stranger},
        ),
        422,
    )
    assert ticket_count(api) == before
    t = create_ticket(api)
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"assignee_id": stranger}), 422)
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"team_id": other.team_id}), 422)
    assert get_ticket(api, t["id"]) == t


# -- tags ----------------------------------------------------------------------------------------------


def test_tags_replace_add_remove_and_filter(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    t = create_ticket(api, tags=["VIP", "late delivery", "vip"])
    assert t["tags"] == ["late-delivery", "vip"]  # normalised, deduplicated, sorted
    tid = t["id"]

    r = api.patch(
        f"/api/v1/tickets/{tid}", json={"add_tags": ["refund", "vip"], "remove_tags": ["late-delivery"]}
    )
    assert r.status_code == 200 and r.json()["tags"] == ["refund", "vip"]
    r = api.patch(f"/api/v1/tickets/{tid}", json={"tags": ["billing"]})
    assert r.status_code == 200 and r.json()["tags"] == ["billing"]
    r = api.patch(f"/api/v1/tickets/{tid}", json={"remove_tags": ["not-there"]})
    assert r.status_code == 200 and r.json()["tags"] == ["billing"]
    r = api.patch(f"/api/v1/tickets/{tid}", json={"tags": []})
    assert r.status_code == 200 and r.json()["tags"] == []
    r = api.patch(f"/api/v1/tickets/{tid}", json={"add_tags": ["Billing"]})
    assert r.status_code == 200 and r.json()["tags"] == ["billing"]

    tag_changes = [(old, new) for _a, f, old, new in changes(api, tid) if f == "tags"]
    assert [(sorted(o), sorted(n)) for o, n in tag_changes] == [
        (["late-delivery", "vip"], ["refund", "vip"]),
        (["refund", "vip"], ["billing"]),
        (["billing"], []),
        ([], ["billing"]),
    ]

    other = create_ticket(api, tags=["vip"])
    assert ids(api, tag="billing") == [tid]
    assert ids(api, tag="BILLING") == [tid]  # the filter is normalised like the tags
    assert ids(api, tag="vip") == [other["id"]]
    assert ids(api, tag="refund") == []


async def test_a_tickets_tags_are_read_by_its_key_whatever_the_planner_knows(
    cast: Cast, other_cast_factory: Any
) -> None:
    """The tags of given tickets (what every trigger evaluation and every tag edit reads): theirs
    only, by name, none of another workspace's — found by the primary key (ticket_id, tag), even
    when SQLite's planner has no statistics (a database grown since its last ANALYZE), where the
    covering index (workspace_id, tag, ticket_id) would tempt it into walking every tag of the
    workspace: 1.2 ms at 20k tickets and growing (docs/benchmarks.md, bench/sla_automation.py)."""
    other = await other_cast_factory()
    body = {"subject": "Parcel missing", "requester": {"email": "lisa@example.com"}}
    async with cast.rt.uow() as s:
        tagged = await ticket_actions.do_create_ticket(
            s, cast.actor("alice"), TicketCreate.model_validate({**body, "tags": ["vip", "b2b"]})
        )
        alice = cast.actor("alice")
        bare = await ticket_actions.do_create_ticket(s, alice, TicketCreate.model_validate(body))
    async with other.rt.uow() as s:
        foreign = await ticket_actions.do_create_ticket(
            s, other.actor("alice"), TicketCreate.model_validate({**body, "tags": ["vip"]})
        )
    ids_ = [tagged.id, bare.id, foreign.id]
    async with cast.rt.uow(write=False) as s:
        assert await TicketsRepository(s, cast.workspace_id).tags(ids_) == {
            tagged.id: ["b2b", "vip"],
            bare.id: [],
            foreign.id: [],
        }
        db = await driver(s)
        prepared = tickets_repository._TAGS.prepared(db.dialect)
        sql, args = prepared.expand(prepared.args({"ws": cast.workspace_id, "ids": ids_}))
        if db.name == "sqlite":
            raw = db._conn  # type: ignore[attr-defined]
            found = raw.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'ticket_tags'")
            schema = [r[0] for r in found if r[0]]
            unanalysed = sqlite3.connect(":memory:")  # the same table and indexes, no statistics at all
            for statement in schema:
                unanalysed.execute(statement)
            for conn in (raw, unanalysed):
                plan = " ".join(str(r) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
                assert "sqlite_autoindex_ticket_tags_1 (ticket_id=?)" in plan, plan
            unanalysed.close()
        else:
            await db._conn.execute("SET LOCAL enable_seqscan = off")  # type: ignore[attr-defined]
            rows = await db._conn.fetch("EXPLAIN " + sql, *args)  # type: ignore[attr-defined]
            plan = " ".join(r[0] for r in rows)
            assert "pk_ticket_tags" in plan, plan


@pytest.mark.parametrize(
    "patch",
    [
        {"tags": ["a"], "add_tags": ["b"]},
        {"tags": ["a"], "remove_tags": ["b"]},
        {"add_tags": ["   "]},
        {"tags": ["x" * 51]},
        {"tags": [f"t{i}" for i in range(51)]},
    ],
    ids=["tags+add", "tags+remove", "blank", "too-long", "too-many"],
)
def test_bad_tag_edits_are_422(module_cast: Cast, patch: dict[str, Any]) -> None:
    """Replacing and editing the tags in one PATCH, a blank tag, a 51-character tag or 51 tags: 422
    and the tags stay as they were."""
    api = module_cast.api("alice")
    t = create_ticket(api, tags=["keep"])
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json=patch), 422)
    assert get_ticket(api, t["id"])["tags"] == ["keep"]


# -- If-Match ------------------------------------------------------------------------------------------


def test_if_match_with_a_stale_etag_is_409_and_changes_nothing(module_cast: Cast) -> None:
    """Alice loads the ticket, Bob changes it, Alice saves with her ETag: 409 with the current
    version; her change is not applied. With the fresh ETag her change goes through."""
    alice, bob = module_cast.api("alice"), module_cast.api("bob")
    t = create_ticket(alice)
    r = alice.get(f"/api/v1/tickets/{t['id']}")
    etag = r.headers["etag"]
    assert etag == f'W/"{t["version"]}"'
    assert bob.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "high"}).status_code == 200
    before = get_ticket(alice, t["id"])
    lines = timeline(alice, t["id"])
    r = alice.patch(
        f"/api/v1/tickets/{t['id']}", json={"priority": "low", "status": "open"}, headers={"If-Match": etag}
    )
    body = assert_problem(r, 409)
    assert body["current_version"] == before["version"] == t["version"] + 1
    assert get_ticket(alice, t["id"]) == before
    assert timeline(alice, t["id"]) == lines

    fresh = alice.get(f"/api/v1/tickets/{t['id']}").headers["etag"]
    r = alice.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "low"}, headers={"If-Match": fresh})
    assert r.status_code == 200, r.text
    assert r.json()["priority"] == "low"
    assert r.headers["etag"] == f'W/"{before["version"] + 1}"'


def test_a_comment_makes_the_etag_stale(module_cast: Cast) -> None:
    """A reply changes the ticket's version, so a PATCH with the ETag from before the reply is 409."""
    api = module_cast.api("alice")
    t = create_ticket(api)
    etag = api.get(f"/api/v1/tickets/{t['id']}").headers["etag"]
    assert api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "hello"}).status_code == 201
    assert_problem(
        api.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "low"}, headers={"If-Match": etag}), 409
    )
    assert get_ticket(api, t["id"])["priority"] == "normal"


def test_if_match_that_is_not_an_etag_is_422(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api)
    assert_problem(
        api.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "low"}, headers={"If-Match": "yesterday"}),
        422,
    )
    assert get_ticket(api, t["id"]) == t


# -- the audit timeline --------------------------------------------------------------------------------


def test_timeline_records_each_change_with_actor_old_and_new_in_order(module_cast: Cast) -> None:
    alice, bob = module_cast.api("alice"), module_cast.api("bob")
    t = create_ticket(alice, subject="Where is my order?", description="Order 42", priority="low")
    tid = t["id"]
    assert (
        alice.patch(f"/api/v1/tickets/{tid}", json={"priority": "high", "type": "incident"}).status_code
        == 200
    )
    assert (
        bob.patch(
            f"/api/v1/tickets/{tid}", json={"assignee_id": module_cast.agents["bob"].id, "status": "open"}
        ).status_code
        == 200
    )
    assert (
        bob.post(f"/api/v1/tickets/{tid}/comments", json={"body": "checking", "public": False}).status_code
        == 201
    )
    assert (
        alice.patch(
            f"/api/v1/tickets/{tid}", json={"subject": "Order 42 lost", "add_tags": ["lost"]}
        ).status_code
        == 200
    )
    assert (
        alice.patch(
            f"/api/v1/tickets/{tid}", json={"requester_id": module_cast.customers["john"].id}
        ).status_code
        == 200
    )
    # A PATCH that changes nothing leaves no line.
    assert alice.patch(f"/api/v1/tickets/{tid}", json={"priority": "high"}).status_code == 200

    lines = timeline(alice, tid)
    a, b = agent_ref(module_cast, "alice"), agent_ref(module_cast, "bob")
    lisa = module_cast.customers["lisa"].id
    assert lines[0]["kind"] == "created" and lines[0]["actor"] == a
    assert lines[0]["new"]["priority"] == "low" and lines[0]["new"]["requester_id"] == lisa
    assert (lines[1]["kind"], lines[1]["actor"], lines[1]["comment"]["body"]) == (
        "comment",
        f"customer:{lisa}",
        "Order 42",
    )
    got = [
        (e["kind"], e["actor"], e["field"], e["old"], e["new"])
        if e["kind"] == "changed"
        else (e["kind"], e["actor"])
        for e in lines[2:]
    ]
    assert got == [
        ("changed", a, "priority", "low", "high"),
        ("changed", a, "type", "question", "incident"),
        ("changed", b, "assignee_id", None, module_cast.agents["bob"].id),
        ("changed", b, "status", "new", "open"),
        ("comment", b),
        ("changed", a, "subject", "Where is my order?", "Order 42 lost"),
        ("changed", a, "tags", [], ["lost"]),
        ("changed", a, "requester_id", lisa, module_cast.customers["john"].id),
    ]
    assert [e["id"] for e in lines] == sorted(e["id"] for e in lines)
    stamps = [e["created_at"] for e in lines]
    assert stamps == sorted(stamps)
    assert all(e["via"] == "token" for e in lines if e["actor"].startswith("agent:"))


def test_requester_change_to_an_unknown_customer_is_422(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api)
    assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"requester_id": 2**62}), 422)
    assert get_ticket(api, t["id"]) == t


def test_html_and_script_are_stored_verbatim(module_cast: Cast) -> None:
    """Markup in subject, description, comments and custom text is data: it comes back exactly as
    sent (escaping is the renderer's job), and is searchable as words."""
    api = module_cast.api("alice")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \'single\''
    t = create_ticket(api, subject=evil, description=f"<b>bold</b> {evil}")
    assert t["subject"] == evil
    r = api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": f"<iframe src='javascript:1'>{evil}"})
    assert r.status_code == 201 and r.json()["body"] == f"<iframe src='javascript:1'>{evil}"
    bodies = [e["comment"]["body"] for e in timeline(api, t["id"]) if e["kind"] == "comment"]
    assert bodies == [f"<b>bold</b> {evil}", f"<iframe src='javascript:1'>{evil}"]
    assert get_ticket(api, t["id"])["subject"] == evil
    assert t["id"] in ids(api, q="onerror")
