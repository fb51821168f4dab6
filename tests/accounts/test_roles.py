"""Roles over HTTP: what an agent and a supervisor may not do is a 403 problem that writes nothing;
the last active admin stays; ``PATCH /api/v1/me`` changes one's own profile, and a new password needs
the current one — by whichever route it is sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import assert_4xx, assert_unauthorized, login, new_ticket, row_counts
from tests.conftest import PASSWORD, Cast, assert_problem


def _field(key: str = "order_no") -> dict[str, Any]:
    return {"key": key, "label": "Order number", "type": "text"}


def _forbidden_for_agents(cast: Cast) -> list[tuple[str, str, dict[str, Any] | None]]:
    bob = cast.agents["bob"].id
    return [
        ("POST", "/api/v1/agents", {"email": f"eve@{cast.slug}.test", "name": "Eve", "role": "admin"}),
        ("PATCH", f"/api/v1/agents/{bob}", {"role": "admin"}),
        ("PATCH", f"/api/v1/agents/{bob}", {"active": False}),
        ("PATCH", f"/api/v1/agents/{bob}", {"name": "Robert"}),
        ("PATCH", f"/api/v1/agents/{bob}", {"password": "Set-by-a-peer-1"}),
        ("POST", "/api/v1/ticket-fields", _field()),
        ("GET", "/api/v1/audit/security-events", None),
        ("GET", "/api/v1/jobs", None),
        ("POST", "/api/v1/jobs/1/retry", None),
        ("POST", "/api/v1/teams", {"name": "Kaohsiung"}),
        ("PATCH", f"/api/v1/teams/{cast.team_id}", {"name": "Renamed"}),
        ("POST", "/api/v1/skills", {"name": "Refunds"}),
        ("PUT", f"/api/v1/agents/{bob}/skills", {"skills": []}),
        ("POST", "/api/v1/api-keys", {"name": "for bob", "agent_id": bob}),
        (
            "POST",
            f"/api/v1/customers/{cast.customers['lisa'].id}/merge",
            {"source_id": cast.customers["john"].id},
        ),
    ]


async def test_an_agent_gets_403_for_admin_and_supervisor_work(live_cast: Cast) -> None:
    """Alice tries: create an agent, change Bob's role, status, name and password, define a custom field,
    read the audit and the jobs, retry a job, create or rename a team, create a skill, set skills, make
    a key for Bob, merge customers. Each is 403 and nothing is written."""
    alice = live_cast.api("alice")
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    for method, path, body in _forbidden_for_agents(live_cast):
        r = alice.request(method, path, json=body)
        assert r.status_code == 403, (method, path, body, r.text[:300])
        problem = assert_problem(r, 403)
        assert problem["detail"] == "You do not have permission to do this."
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    bob = live_cast.api("ada").get(f"/api/v1/agents/{live_cast.agents['bob'].id}").json()
    assert (bob["role"], bob["active"], bob["name"]) == ("agent", True, "Bob")


async def test_an_agent_cannot_raise_their_own_role(live_cast: Cast) -> None:
    """Alice sends role (alone or with her name) and active for herself: 403."""
    alice = live_cast.api("alice")
    me = f"/api/v1/agents/{live_cast.agents['alice'].id}"
    for body in ({"role": "admin"}, {"role": "supervisor"}, {"active": True}, {"name": "A", "role": "admin"}):
        assert_problem(alice.patch(me, json=body), 403)
    assert alice.get("/api/v1/me").json()["role"] == "agent"


async def test_a_supervisor_manages_teams_but_not_agents(live_cast: Cast) -> None:
    """Sam creates and changes a team and a skill and reads jobs; creating agents, changing roles (Bob's or
    his own), defining fields, reading the audit and retrying jobs are 403 and write nothing."""
    sam = live_cast.api("sam")
    r = sam.post("/api/v1/teams", json={"name": "Kaohsiung", "member_ids": [live_cast.agents["bob"].id]})
    assert r.status_code == 201 and r.json()["member_ids"] == [live_cast.agents["bob"].id], r.text
    r = sam.patch(f"/api/v1/teams/{r.json()['id']}", json={"description": "South"})
    assert r.status_code == 200 and r.json()["description"] == "South"
    assert sam.post("/api/v1/skills", json={"name": "Refunds"}).status_code == 201
    assert sam.get("/api/v1/jobs").status_code == 200
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    bob = live_cast.agents["bob"].id
    for method, path, body in (
        ("POST", "/api/v1/agents", {"email": f"eve@{live_cast.slug}.test", "name": "Eve"}),
        ("PATCH", f"/api/v1/agents/{bob}", {"role": "supervisor"}),
        ("PATCH", f"/api/v1/agents/{live_cast.agents['sam'].id}", {"role": "admin"}),
        ("POST", "/api/v1/ticket-fields", _field()),
        ("GET", "/api/v1/audit/security-events", None),
        ("POST", "/api/v1/jobs/1/retry", None),
    ):
        r = sam.request(method, path, json=body)
        assert r.status_code == 403, (method, path, r.text[:300])
        assert_problem(r, 403)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before


async def test_an_admin_may_do_all_of_it(live_cast: Cast) -> None:
    """The control: Ada does what the others may not, and a role change is audited."""
    ada = live_cast.api("ada")
    r = ada.post(
        "/api/v1/agents", json={"email": f"eve@{live_cast.slug}.test", "name": "Eve", "role": "agent"}
    )
    assert r.status_code == 201, r.text
    assert ada.patch(f"/api/v1/agents/{r.json()['id']}", json={"role": "supervisor"}).status_code == 200
    assert ada.post("/api/v1/ticket-fields", json=_field()).status_code == 201
    assert ada.get("/api/v1/audit/security-events").status_code == 200
    roles = [e for e in ada.get("/api/v1/audit/security-events").json() if e["kind"] == "agent.updated"]
    assert roles[0]["detail"] == {"role": ["agent", "supervisor"]}


def test_roles_are_only_the_three_known_ones(live_cast: Cast) -> None:
    """Tried: owner, ADMIN, empty, null and a number as a role, and an unknown role as a list filter."""
    ada = live_cast.api("ada")
    for role in ("owner", "ADMIN", "", None, 1):
        assert_problem(ada.patch(f"/api/v1/agents/{live_cast.agents['bob'].id}", json={"role": role}), 422)
    assert_problem(ada.get("/api/v1/agents", params={"role": "superuser"}), 422)


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(live_cast: Cast) -> None:
    """Ada, the only admin, tries to demote or deactivate herself: 409. An inactive second admin does not
    count; an active one does, and then is the last one himself."""
    ada = live_cast.api("ada")
    me = f"/api/v1/agents/{live_cast.agents['ada'].id}"
    for body in (
        {"role": "supervisor"},
        {"role": "agent"},
        {"active": False},
        {"role": "agent", "active": False},
    ):
        problem = assert_problem(ada.patch(me, json=body), 409)
        assert problem["detail"] == "A workspace needs at least one active admin."
    assert ada.get("/api/v1/me").json()["role"] == "admin"
    # An inactive admin does not count.
    sam = f"/api/v1/agents/{live_cast.agents['sam'].id}"
    assert ada.patch(sam, json={"role": "admin"}).status_code == 200
    assert ada.patch(sam, json={"active": False}).status_code == 200
    assert_problem(ada.patch(me, json={"role": "agent"}), 409)
    # With a second active admin, the first may step down — and then the second is the last one.
    assert ada.patch(sam, json={"active": True}).status_code == 200
    key = ada.post("/api/v1/api-keys", json={"name": "sam", "agent_id": live_cast.agents["sam"].id})
    sam_api = live_cast.as_key(key.json()["key"])  # Sam's tokens ended with his role change
    r = ada.patch(me, json={"role": "agent"})
    assert r.status_code == 200 and r.json()["role"] == "agent", r.text
    assert_problem(sam_api.patch(sam, json={"active": False}), 409)
    assert_problem(sam_api.patch(sam, json={"role": "agent"}), 409)


def test_patch_me_changes_own_language_time_zone_and_name(live_cast: Cast) -> None:
    """zh-TW is stored as zh-Hant; the change is visible in GET /me."""
    alice = live_cast.api("alice")
    r = alice.patch("/api/v1/me", json={"language": "zh-TW", "time_zone": "Asia/Taipei", "name": "愛麗絲"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert (me["language"], me["time_zone"], me["name"]) == ("zh-Hant", "Asia/Taipei", "愛麗絲")
    assert me["role"] == "agent" and "tickets.read" in me["permissions"]
    assert alice.get("/api/v1/me").json()["language"] == "zh-Hant"


async def test_patch_me_refuses_what_is_not_a_language_or_time_zone(live_cast: Cast) -> None:
    """Tried: an unsupported language, a made-up time zone, wrong types, an empty name, a role
    (not a profile field), an unknown field. Each is a 422 problem and nothing changes."""
    alice = live_cast.api("alice")
    before = alice.get("/api/v1/me").json()
    for body in (
        {"language": "fr"},
        {"language": "x" * 500},
        {"time_zone": "Mars/Olympus_Mons"},
        {"time_zone": 8},
        {"language": ["en"]},
        {"name": ""},
        {"name": None},
        {"role": "admin"},
        {"active": False},
        {"nickname": "ally"},
    ):
        r = alice.patch("/api/v1/me", json=body)
        assert r.status_code == 422, (body, r.text[:300])
        assert_problem(r, 422)
    assert alice.get("/api/v1/me").json() == before


def test_a_new_password_needs_the_current_one(lenient_cast: Cast) -> None:
    """Tried: no current password, a wrong one, an empty one, a new password that is too short; then the
    right one: the new password works and older tokens end."""
    ada = lenient_cast.api("ada")
    for body in (
        {"password": "Brand-new-pass-1"},
        {"password": "Brand-new-pass-1", "current_password": "wrong-password"},
        {"password": "Brand-new-pass-1", "current_password": ""},
    ):
        problem = assert_problem(ada.patch("/api/v1/me", json=body), 422)
        assert problem["detail"] == "To set a new password, give your current password."
    assert_problem(ada.patch("/api/v1/me", json={"password": "short", "current_password": PASSWORD}), 422)
    assert login(lenient_cast, "ada", PASSWORD).status_code == 200  # unchanged
    r = ada.patch("/api/v1/me", json={"password": "Brand-new-pass-1", "current_password": PASSWORD})
    assert r.status_code == 200, r.text
    assert login(lenient_cast, "ada", "Brand-new-pass-1").status_code == 200
    assert_unauthorized(ada.get("/api/v1/me"))  # this token was issued before the change


@pytest.mark.parametrize("who", ["alice", "sam", "ada"])
def test_the_agents_route_is_no_way_around_the_current_password(lenient_cast: Cast, who: str) -> None:
    """``PATCH /api/v1/agents/{own id}`` with a password must not skip the current-password check of
    ``PATCH /api/v1/me``: a stolen token alone must not be enough to take the account over."""
    api = lenient_cast.api(who)
    r = api.patch(f"/api/v1/agents/{lenient_cast.agents[who].id}", json={"password": "Taken-over-pass-1"})
    assert_4xx(r, 403, 422)
    assert api.get("/api/v1/me").status_code == 200  # the token still works: nothing changed
    assert login(lenient_cast, who, "Taken-over-pass-1").status_code == 401


def test_an_admin_may_still_reset_someone_elses_password(live_cast: Cast) -> None:
    """The other side of the current-password rule: resetting another agent's password is an admin's job
    and needs no password."""
    r = live_cast.api("ada").patch(
        f"/api/v1/agents/{live_cast.agents['alice'].id}", json={"password": "Reset-by-admin-1"}
    )
    assert r.status_code == 200, r.text
    assert login(live_cast, "alice", "Reset-by-admin-1").status_code == 200


def test_an_agent_can_work_tickets_and_customers(live_cast: Cast) -> None:
    """The other side of the 403s: an agent's ordinary work is allowed."""
    alice = live_cast.api("alice")
    t = new_ticket(alice)
    assert alice.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "hi"}).status_code == 201
    assert alice.patch(f"/api/v1/tickets/{t['id']}", json={"priority": "high"}).status_code == 200
    assert alice.post("/api/v1/customers", json={"name": "New"}).status_code == 201
    for path in (
        "/api/v1/agents",
        "/api/v1/teams",
        "/api/v1/skills",
        "/api/v1/ticket-fields",
        "/api/v1/api-keys",
    ):
        assert alice.get(path).status_code == 200, path
