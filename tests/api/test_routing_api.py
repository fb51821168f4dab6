"""Routing over HTTP: a team's rule (read, set, refused when wrong), routing a ticket now, and
out-of-office for oneself and (with routing.manage) for others. Every refusal is a problem
document and leaves what was there unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.support import row_counts
from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import api_of, changes, create_ticket, get_ticket


def put_rule(cast: Cast, who: str = "sam", team: int | None = None, **body: Any) -> Any:
    return cast.api(who).put(f"/api/v1/teams/{team or cast.team_id}/routing", json=body)


async def test_a_team_has_no_rule_until_one_is_set(live_cast: Cast) -> None:
    r = live_cast.api("sam").get(f"/api/v1/teams/{live_cast.team_id}/routing")
    assert r.status_code == 200, r.text
    assert r.json() | {"team_id": 0} == {
        "team_id": 0,
        "strategy": "manual",
        "ticket_capacity": 20,
        "presence": "online_or_away",
        "language_skills": {},
        "channel_skills": {},
        "field_skills": [],
        "fallback": "least_loaded",
        "reassign_on_offline": False,
        "updated_at": None,
    }
    skill = live_cast.api("ada").post("/api/v1/skills", json={"name": "Cantonese"}).json()
    field = live_cast.api("ada").post(
        "/api/v1/ticket-fields", json={"key": "product", "label": "P", "type": "text"}
    )
    assert field.status_code == 201, field.text
    body = {
        "strategy": "skills",
        "ticket_capacity": 8,
        "presence": "in_office",
        "language_skills": {"zh-Hant": skill["id"]},
        "channel_skills": {"email": skill["id"]},
        "field_skills": ["product"],
        "fallback": "queue",
        "reassign_on_offline": True,
    }
    r = put_rule(live_cast, **body)
    assert r.status_code == 200, r.text
    saved = live_cast.api("sam").get(f"/api/v1/teams/{live_cast.team_id}/routing").json()
    assert saved["updated_at"] is not None
    assert {k: saved[k] for k in body} == body
    # PUT replaces the whole rule: what is left out takes its default again.
    assert put_rule(live_cast, strategy="round_robin").json()["field_skills"] == []


async def test_bad_rules_are_refused_and_nothing_changes(live_cast: Cast, other_cast_factory: Any) -> None:
    """Tried: an unknown strategy, presence and fallback; capacity 0, negative, absurd and not a
    number; an unknown skill id, a skill of another workspace, a language or channel that does not
    exist, an unknown custom field; an unknown key; no strategy at all. Each a 422, the rule as it was."""
    assert put_rule(live_cast, strategy="least_loaded", ticket_capacity=4).status_code == 200
    other = await other_cast_factory()
    foreign = (
        api_of(other, "ada", closed_with=live_cast).post("/api/v1/skills", json={"name": "Klingon"}).json()
    )
    before = live_cast.api("sam").get(f"/api/v1/teams/{live_cast.team_id}/routing").json()
    rows = await row_counts(live_cast.rt, live_cast.workspace_id)
    for body, words in [
        ({"strategy": "lottery"}, "strategy"),
        ({"strategy": "round_robin", "presence": "asleep"}, "presence"),
        ({"strategy": "skills", "fallback": "anyone"}, "fallback"),
        ({"strategy": "round_robin", "ticket_capacity": 0}, "ticket_capacity"),
        ({"strategy": "round_robin", "ticket_capacity": -3}, "ticket_capacity"),
        ({"strategy": "round_robin", "ticket_capacity": 10**9}, "ticket_capacity"),
        ({"strategy": "round_robin", "ticket_capacity": "lots"}, "ticket_capacity"),
        ({"strategy": "skills", "language_skills": {"en": 2**62}}, "Unknown skill"),
        ({"strategy": "skills", "channel_skills": {"email": foreign["id"]}}, "Unknown skill"),
        ({"strategy": "skills", "language_skills": {"fr": 1}}, "language_skills"),
        ({"strategy": "skills", "channel_skills": {"pigeon": 1}}, "channel_skills"),
        ({"strategy": "skills", "field_skills": ["nope"]}, "Unknown custom field"),
        ({"strategy": "round_robin", "owner": "me"}, "owner"),
        ({}, "strategy"),
    ]:
        problem = assert_problem(put_rule(live_cast, **body), 422)
        assert words in str(problem), (body, problem)
    assert live_cast.api("sam").get(f"/api/v1/teams/{live_cast.team_id}/routing").json() == before
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == rows


async def test_rules_are_for_routing_managers_of_the_workspace(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    """An agent may neither read nor set a rule (403); another workspace's admin gets a 404 for the
    team; a team that does not exist is a 404."""
    assert_problem(live_cast.api("alice").get(f"/api/v1/teams/{live_cast.team_id}/routing"), 403)
    assert_problem(put_rule(live_cast, "alice", strategy="round_robin"), 403)
    other = await other_cast_factory()
    outsider = api_of(other, "ada", closed_with=live_cast)
    assert_problem(
        outsider.put(f"/api/v1/teams/{live_cast.team_id}/routing", json={"strategy": "round_robin"}), 404
    )
    assert_problem(put_rule(live_cast, team=2**62, strategy="round_robin"), 404)
    assert (
        live_cast.api("sam").get(f"/api/v1/teams/{live_cast.team_id}/routing").json()["strategy"] == "manual"
    )


async def test_route_a_ticket_now(live_cast: Cast) -> None:
    """Sam and Alice are in the team, in office, Alice holds more: routing gives the queued
    ticket to Sam, as a system change via the strategy. Refused: a ticket without a team, a team
    that assigns by hand, a solved ticket, another workspace's ticket."""
    alice, sam = live_cast.agents["alice"].id, live_cast.agents["sam"].id
    create_ticket(live_cast.api("alice"), team_id=live_cast.team_id, assignee_id=alice)
    queued = create_ticket(live_cast.api("alice"), team_id=live_cast.team_id)
    assert queued["assignee_id"] is None  # the team assigns by hand (no rule yet)
    problem = assert_problem(live_cast.api("alice").post(f"/api/v1/tickets/{queued['id']}/route"), 409)
    assert "by hand" in problem["detail"]
    assert put_rule(live_cast, strategy="least_loaded", presence="in_office").status_code == 200
    r = live_cast.api("alice").post(f"/api/v1/tickets/{queued['id']}/route")
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["outcome"], answer["via"], answer["ticket"]["assignee_id"]) == (
        "assigned",
        "routing:least_loaded",
        sam,
    )
    assert changes(live_cast.api("alice"), queued["id"])[-1] == ("system", "assignee_id", None, sam)
    # Routed again, Sam keeps it (he still holds less): no new change.
    again = live_cast.api("alice").post(f"/api/v1/tickets/{queued['id']}/route").json()
    assert again["ticket"]["version"] == get_ticket(live_cast.api("alice"), queued["id"])["version"]
    assert again["ticket"]["assignee_id"] == sam

    loose = create_ticket(live_cast.api("alice"))
    assert (
        "no team"
        in assert_problem(live_cast.api("alice").post(f"/api/v1/tickets/{loose['id']}/route"), 409)["detail"]
    )
    done = create_ticket(live_cast.api("alice"), team_id=live_cast.team_id, status="solved")
    assert_problem(live_cast.api("alice").post(f"/api/v1/tickets/{done['id']}/route"), 409)
    assert get_ticket(live_cast.api("alice"), done["id"])["assignee_id"] is None
    assert_problem(live_cast.api("alice").post(f"/api/v1/tickets/{2**62}/route"), 404)


async def test_a_full_team_leaves_new_tickets_in_its_queue(live_cast: Cast) -> None:
    assert (
        put_rule(live_cast, strategy="round_robin", presence="in_office", ticket_capacity=1).status_code
        == 200
    )
    made = [create_ticket(live_cast.api("alice"), team_id=live_cast.team_id) for _ in range(3)]
    owners = [t["assignee_id"] for t in made]
    assert sorted(o for o in owners if o) == sorted(
        [live_cast.agents["alice"].id, live_cast.agents["sam"].id]
    )
    assert owners[2] is None
    queue = live_cast.api("sam").get(
        "/api/v1/tickets", params={"team": live_cast.team_id, "assignee": "none"}
    )
    assert [t["id"] for t in queue.json()["items"]] == [made[2]["id"]]


# -- out of office ---------------------------------------------------------------------------------------


async def test_out_of_office_for_oneself_and_for_others(live_cast: Cast) -> None:
    alice, bob = live_cast.agents["alice"].id, live_cast.agents["bob"].id
    me = live_cast.api("alice")
    assert me.get("/api/v1/me/out-of-office").json() == {
        "agent_id": alice,
        "out_of_office": False,
        "until": None,
    }
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)
    r = me.put("/api/v1/me/out-of-office", json={"out_of_office": True, "until": until.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["out_of_office"] is True
    assert dt.datetime.fromisoformat(r.json()["until"]) == until
    seen = live_cast.api("sam").get(f"/api/v1/agents/{alice}/out-of-office").json()
    assert seen["out_of_office"] is True
    # A supervisor (routing.manage) marks Bob away for good, and back.
    r = live_cast.api("sam").put(f"/api/v1/agents/{bob}/out-of-office", json={"out_of_office": True})
    assert r.json() == {"agent_id": bob, "out_of_office": True, "until": None}
    # Out-of-office agents are given no ticket: Sam is the only one left in the team.
    assert put_rule(live_cast, strategy="round_robin", presence="in_office").status_code == 200
    given = [create_ticket(me, team_id=live_cast.team_id)["assignee_id"] for _ in range(2)]
    assert given == [live_cast.agents["sam"].id] * 2
    assert me.put("/api/v1/me/out-of-office", json={"out_of_office": False}).json()["out_of_office"] is False
    assert create_ticket(me, team_id=live_cast.team_id)["assignee_id"] == alice


async def test_bad_out_of_office_requests_are_refused(live_cast: Cast, other_cast_factory: Any) -> None:
    """Tried: an agent setting another agent's absence (403); an end in the past, more than a year
    ahead, without a time zone, not a date, or given with "back"; an unknown field; another
    workspace's agent (404). Nothing changes."""
    alice, bob = live_cast.agents["alice"].id, live_cast.agents["bob"].id
    me = live_cast.api("alice")
    assert_problem(me.put(f"/api/v1/agents/{bob}/out-of-office", json={"out_of_office": True}), 403)
    now = dt.datetime.now(dt.UTC)
    for body in [
        {"out_of_office": True, "until": (now - dt.timedelta(hours=1)).isoformat()},
        {"out_of_office": True, "until": (now + dt.timedelta(days=400)).isoformat()},
        {"out_of_office": True, "until": "2030-01-01T09:00:00"},
        {"out_of_office": True, "until": "next week"},
        {"out_of_office": False, "until": (now + dt.timedelta(days=1)).isoformat()},
        {"out_of_office": "maybe"},
        {"out_of_office": True, "reason": "holiday"},
        {},
    ]:
        assert_problem(me.put("/api/v1/me/out-of-office", json=body), 422)
    other = await other_cast_factory()
    outsider = api_of(other, "ada", closed_with=live_cast)
    assert_problem(outsider.put(f"/api/v1/agents/{alice}/out-of-office", json={"out_of_office": True}), 404)
    assert_problem(outsider.get(f"/api/v1/agents/{alice}/out-of-office"), 404)
    for who in (alice, bob):
        assert (
            live_cast.api("sam").get(f"/api/v1/agents/{who}/out-of-office").json()["out_of_office"] is False
        )
