"""API keys: created by their owner (or an admin for anyone), shown once, used as a bearer token,
listed without their secret, revoked by their owner or an admin; every creation and revocation is
in the security audit."""

from __future__ import annotations

from typing import Any

from tests.api.support import assert_unauthorized, row_counts, security_events
from tests.conftest import Cast, assert_problem

KEYS = "/api/v1/api-keys"


def _create(cast: Cast, who: str, **body: Any) -> dict[str, Any]:
    r = cast.api(who).post(KEYS, json={"name": "ci", **body})
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_a_key_is_shown_once_and_works_as_a_bearer_token(live_cast: Cast) -> None:
    """Created by Alice: wdk_ prefix, shown in the answer; used as a bearer token it is Alice, with Alice's
    permissions, and the timeline says it was the key."""
    created = _create(live_cast, "alice", name="zapier")
    key = created["key"]
    assert key.startswith("wdk_") and len(key) > 40
    assert created["prefix"] == key[:10] and created["agent_id"] == live_cast.agents["alice"].id
    assert created["revoked_at"] is None and created["name"] == "zapier"
    me = live_cast.as_key(key).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == live_cast.agents["alice"].id
    # The key acts as Alice with Alice's permissions: no more.
    assert_problem(live_cast.as_key(key).get("/api/v1/audit/security-events"), 403)
    r = live_cast.as_key(key).post(
        "/api/v1/tickets", json={"subject": "via key", "requester": {"email": "k@example.com"}}
    )
    assert r.status_code == 201, r.text
    events = live_cast.api("alice").get(f"/api/v1/tickets/{r.json()['id']}/events").json()["items"]
    assert events[0]["via"] == f"apikey:{created['id']}"


def test_the_list_never_shows_a_secret(live_cast: Cast) -> None:
    """The list has no key and no hash, not even the part after the prefix; agents see their own keys,
    admins everyone's."""
    created = _create(live_cast, "alice")
    listed = live_cast.api("alice").get(KEYS)
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()] == [created["id"]]
    assert all("key" not in k and "key_hash" not in k for k in listed.json())
    assert created["key"] not in listed.text and created["key"][10:] not in listed.text
    # Another agent sees only their own keys; an admin sees everyone's.
    assert live_cast.api("bob").get(KEYS).json() == []
    assert [k["id"] for k in live_cast.api("ada").get(KEYS).json()] == [created["id"]]


async def test_a_revoked_key_stops_working(live_cast: Cast) -> None:
    """Revoked by its owner: 401 with WWW-Authenticate, a write with it creates nothing, revoking twice is
    harmless and audited once."""
    created = _create(live_cast, "alice")
    api = live_cast.as_key(created["key"])
    assert api.get("/api/v1/me").status_code == 200
    r = live_cast.api("alice").delete(f"{KEYS}/{created['id']}")
    assert r.status_code == 204, r.text
    body = assert_unauthorized(api.get("/api/v1/me"))
    assert "revoked" in body["detail"]
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    assert_unauthorized(api.post("/api/v1/customers", json={"name": "after revoke"}))
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    listed = live_cast.api("alice").get(KEYS).json()
    assert listed[0]["revoked_at"] is not None
    # Revoking again changes nothing.
    assert live_cast.api("alice").delete(f"{KEYS}/{created['id']}").status_code == 204
    assert [e["kind"] for e in security_events(live_cast, "apikey.revoked")] == ["apikey.revoked"]


def test_an_agent_cannot_revoke_another_agents_key_but_an_admin_can(live_cast: Cast) -> None:
    """Bob and Sam try to revoke Alice's key: 404 (they may not know it exists), the key still works. Ada
    revokes it."""
    created = _create(live_cast, "alice")
    body = assert_problem(live_cast.api("bob").delete(f"{KEYS}/{created['id']}"), 404)
    assert body["detail"] == "API key not found."
    assert_problem(live_cast.api("sam").delete(f"{KEYS}/{created['id']}"), 404)
    assert live_cast.as_key(created["key"]).get("/api/v1/me").status_code == 200  # still alive
    assert live_cast.api("ada").delete(f"{KEYS}/{created['id']}").status_code == 204
    assert_unauthorized(live_cast.as_key(created["key"]).get("/api/v1/me"))


def test_an_agent_cannot_make_a_key_for_someone_else_but_an_admin_can(live_cast: Cast) -> None:
    """Alice and Sam try to make a key acting for Bob: 403. Ada can; for an agent that does not exist: 404."""
    bob = live_cast.agents["bob"].id
    assert_problem(live_cast.api("alice").post(KEYS, json={"name": "x", "agent_id": bob}), 403)
    assert_problem(live_cast.api("sam").post(KEYS, json={"name": "x", "agent_id": bob}), 403)
    assert live_cast.api("bob").get(KEYS).json() == []
    created = _create(live_cast, "ada", agent_id=bob)
    assert created["agent_id"] == bob
    assert live_cast.as_key(created["key"]).get("/api/v1/me").json()["id"] == bob
    assert_problem(live_cast.api("ada").post(KEYS, json={"name": "x", "agent_id": 2**62}), 404)


def test_a_deactivated_agents_keys_stop_working(live_cast: Cast) -> None:
    """Bob's key after Bob is deactivated: 401; and no new key can be made for him (409)."""
    created = _create(live_cast, "bob")
    bob = f"/api/v1/agents/{live_cast.agents['bob'].id}"
    assert live_cast.api("ada").patch(bob, json={"active": False}).status_code == 200
    assert_unauthorized(live_cast.as_key(created["key"]).get("/api/v1/me"))
    # And no new key can be made for them.
    r = live_cast.api("ada").post(KEYS, json={"name": "x", "agent_id": live_cast.agents["bob"].id})
    assert_problem(r, 409)


def test_a_demoted_admins_key_loses_admin_rights_at_once(live_cast: Cast) -> None:
    """A key acts with its agent's current role, not the role at its creation."""
    r = live_cast.api("ada").patch(f"/api/v1/agents/{live_cast.agents['sam'].id}", json={"role": "admin"})
    assert r.status_code == 200, r.text
    sam_key = _create(live_cast, "ada", agent_id=live_cast.agents["sam"].id)["key"]
    assert live_cast.as_key(sam_key).get("/api/v1/audit/security-events").status_code == 200
    r = live_cast.api("ada").patch(f"/api/v1/agents/{live_cast.agents['sam'].id}", json={"role": "agent"})
    assert r.status_code == 200, r.text
    assert_problem(live_cast.as_key(sam_key).get("/api/v1/audit/security-events"), 403)


def test_creating_and_revoking_keys_is_audited(live_cast: Cast) -> None:
    """apikey.created and apikey.revoked name the owner, the actor and the key id, never the key."""
    created = _create(live_cast, "alice", name="reporting")
    assert live_cast.api("ada").delete(f"{KEYS}/{created['id']}").status_code == 204
    events = security_events(live_cast)
    made = next(e for e in events if e["kind"] == "apikey.created")
    gone = next(e for e in events if e["kind"] == "apikey.revoked")
    alice, ada = live_cast.agents["alice"].id, live_cast.agents["ada"].id
    assert made["agent_id"] == alice and made["actor"] == f"agent:{alice}"
    assert made["detail"] == {"api_key_id": created["id"], "name": "reporting"}
    assert gone["agent_id"] == alice and gone["actor"] == f"agent:{ada}"
    assert gone["detail"] == {"api_key_id": created["id"]}
    assert created["key"] not in str(events)


async def test_key_input_is_validated(live_cast: Cast) -> None:
    """Tried: no name, an empty or over-long name, an unknown field, NUL and a lone surrogate in
    the name, an agent id out of range; then ids out of range in the revoke path."""
    alice = live_cast.api("alice")
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    for body in (
        {},
        {"name": ""},
        {"name": "k" * 101},
        {"name": "ok", "scopes": ["all"]},
        {"name": "a\x00b"},
        {"name": "ok", "agent_id": 2**63},
        {"name": "ok", "agent_id": -1},
        {"name": "ok", "agent_id": "me"},
    ):
        assert_problem(alice.post(KEYS, json=body), 422)
    r = alice.post(KEYS, content=b'{"name": "\\ud800"}', headers={"content-type": "application/json"})
    assert_problem(r, 422)
    for bad in (0, -1, 2**63, 10**30, "abc"):
        assert_problem(alice.delete(f"{KEYS}/{bad}"), 422)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
