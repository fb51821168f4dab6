"""SLA policies over HTTP, and a ticket's timers as an integration reads them: an admin sets targets
per priority; agents read policies and timers but cannot change policies; bad targets, unknown or
foreign calendars are refused and nothing is written."""

from __future__ import annotations

from typing import Any

from tests.api.support import row_counts
from tests.conftest import Cast, assert_problem

GOLD: dict[str, Any] = {
    "name": "Gold",
    "targets": {
        "urgent": {"first_reply": 30, "next_reply": 60, "resolution": 240},
        "normal": {"first_reply": 240},
    },
    "near_breach_minutes": 10,
}


def _ticket(api: Any, **over: Any) -> dict[str, Any]:
    r = api.post(
        "/api/v1/tickets", json={"subject": "Broken", "requester": {"email": "lisa@example.com"}, **over}
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_policies_crud_and_a_tickets_timers(live_cast: Cast) -> None:
    ada, alice = live_cast.api("ada"), live_cast.api("alice")
    r = ada.post("/api/v1/sla-policies", json=GOLD)
    assert r.status_code == 201, r.text
    gold = r.json()
    assert gold["active"] and gold["calendar_id"] is None and gold["channels"] == []
    chat = ada.post(
        "/api/v1/sla-policies",
        json={"name": "Chat", "position": 5, "channels": ["chat"], "targets": {"normal": {"first_reply": 5}}},
    ).json()
    assert [p["name"] for p in alice.get("/api/v1/sla-policies").json()] == ["Gold", "Chat"]
    assert alice.get(f"/api/v1/sla-policies/{chat['id']}").json()["channels"] == ["chat"]

    ticket = _ticket(alice, priority="urgent")
    sla = alice.get(f"/api/v1/tickets/{ticket['id']}/sla")
    assert sla.status_code == 200, sla.text
    body = sla.json()
    assert body["policy"]["name"] == "Gold" and body["time_zone"] == "UTC"
    by_metric = {t["metric"]: t for t in body["timers"]}
    assert by_metric["first_reply"]["state"] == "running"
    assert by_metric["first_reply"]["target_minutes"] == 30
    assert 0 < by_metric["first_reply"]["business_seconds_remaining"] <= 30 * 60
    assert by_metric["next_reply"]["state"] == "waiting" and by_metric["next_reply"]["due_at"] is None
    assert by_metric["resolution"]["due_at"] is not None

    reply = alice.post(
        f"/api/v1/tickets/{ticket['id']}/comments", json={"body": "On it", "status": "pending"}
    )
    assert reply.status_code == 201, reply.text
    by_metric = {t["metric"]: t for t in alice.get(f"/api/v1/tickets/{ticket['id']}/sla").json()["timers"]}
    assert by_metric["first_reply"]["state"] == "fulfilled"
    assert by_metric["resolution"]["state"] == "paused" and by_metric["resolution"]["due_at"] is None

    # The agent reads but does not manage.
    assert_problem(alice.post("/api/v1/sla-policies", json={**GOLD, "name": "Mine"}), 403)
    assert_problem(alice.patch(f"/api/v1/sla-policies/{gold['id']}", json={"active": False}), 403)
    assert_problem(alice.delete(f"/api/v1/sla-policies/{gold['id']}"), 403)

    off = ada.patch(f"/api/v1/sla-policies/{gold['id']}", json={"active": False, "position": 9})
    assert off.status_code == 200 and not off.json()["active"] and off.json()["position"] == 9
    assert (
        alice.get(f"/api/v1/tickets/{_ticket(alice, priority='urgent')['id']}/sla").json()["policy"] is None
    )
    # Deleting a policy takes its timers with it.
    assert ada.delete(f"/api/v1/sla-policies/{gold['id']}").status_code == 204
    assert alice.get(f"/api/v1/tickets/{ticket['id']}/sla").json() == {
        "ticket_id": ticket["id"],
        "policy": None,
        "time_zone": "UTC",
        "timers": [],
    }
    assert_problem(alice.get(f"/api/v1/sla-policies/{gold['id']}"), 404)
    assert_problem(alice.get("/api/v1/tickets/999999999/sla"), 404)


async def test_bad_policies_are_refused_and_nothing_is_written(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    """Tried: a negative, a zero and an absurd (ten-year) target, a non-number, an unknown priority and
    metric, no targets at all, a negative warning, an unknown channel, an unknown calendar, another
    workspace's calendar, a duplicate name, nulls for required fields. Each is a 4xx problem; the
    workspace's rows stay as they were."""
    ada = live_cast.api("ada")
    base = ada.post("/api/v1/sla-policies", json=GOLD).json()
    other = await other_cast_factory()
    other.base_url = live_cast.base_url
    foreign = other.api("ada").post(
        "/api/v1/calendars", json={"name": "Theirs", "time_zone": "UTC", "weekly": {"mon": "09:00-17:00"}}
    )
    assert foreign.status_code == 201, foreign.text
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    bad: list[tuple[dict[str, Any], int, str]] = [
        ({"targets": {"urgent": {"first_reply": -5}}}, 422, ""),
        ({"targets": {"urgent": {"first_reply": 0}}}, 422, ""),
        ({"targets": {"urgent": {"first_reply": 10 * 366 * 24 * 60}}}, 422, ""),
        ({"targets": {"urgent": {"first_reply": "soon"}}}, 422, ""),
        ({"targets": {"critical": {"first_reply": 5}}}, 422, ""),
        ({"targets": {"urgent": {"first_response": 5}}}, 422, ""),
        ({"targets": {}}, 422, "at least one target"),
        ({"near_breach_minutes": -1}, 422, ""),
        ({"channels": ["pigeon"]}, 422, ""),
        ({"calendar_id": 999999999}, 422, "999999999"),
        ({"calendar_id": foreign.json()["id"]}, 422, "does not exist"),
        ({"name": None}, 422, ""),
    ]
    for over, status, words in bad:
        problem = assert_problem(
            ada.post("/api/v1/sla-policies", json={**GOLD, "name": "Bad", **over}), status
        )
        assert words in str(problem), (over, problem)
        if "name" not in over:
            assert_problem(ada.patch(f"/api/v1/sla-policies/{base['id']}", json=over), status)
    assert "exists already" in assert_problem(ada.post("/api/v1/sla-policies", json=GOLD), 409)["detail"]
    for field in ("targets", "active", "channels"):
        assert_problem(ada.patch(f"/api/v1/sla-policies/{base['id']}", json={field: None}), 422)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    assert ada.get(f"/api/v1/sla-policies/{base['id']}").json() == base
