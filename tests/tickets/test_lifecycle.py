"""A ticket's life over the HTTP API: create, reply, note, walk the state table, close; the
timeline records every step."""

from __future__ import annotations

from tests.conftest import Cast, assert_problem


def test_create_reply_note_solve_close(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    r = api.post(
        "/api/v1/tickets",
        json={
            "subject": "包裹還沒到 parcel missing",
            "description": "Order 123",
            "requester": {"email": "Lisa@Example.com"},
            "priority": "high",
        },
    )
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "new" and t["number"] >= 1 and t["priority"] == "high"
    assert t["requester"]["id"] == live_cast.customers["lisa"].id  # found by e-mail, case-insensitively
    tid = t["id"]
    assert (
        api.post(f"/api/v1/tickets/{tid}/comments", json={"body": "We are on it", "public": True}).status_code
        == 201
    )
    assert (
        api.post(
            f"/api/v1/tickets/{tid}/comments", json={"body": "check carrier", "public": False}
        ).status_code
        == 201
    )
    for status in ("open", "solved", "closed"):
        r = api.patch(f"/api/v1/tickets/{tid}", json={"status": status})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    body = assert_problem(api.patch(f"/api/v1/tickets/{tid}", json={"status": "open"}), 409)
    assert "closed" in body["detail"]
    events = api.get(f"/api/v1/tickets/{tid}/events").json()["items"]
    kinds = [(e["kind"], e["field"], e["old"], e["new"]) for e in events]
    assert kinds[0][0] == "created"
    assert [k for k in kinds if k[1] == "status"] == [
        ("changed", "status", "new", "open"),
        ("changed", "status", "open", "solved"),
        ("changed", "status", "solved", "closed"),
    ]
    comments = [e["comment"] for e in events if e["kind"] == "comment"]
    assert [(c["body"], c["public"]) for c in comments] == [
        ("Order 123", True),
        ("We are on it", True),
        ("check carrier", False),
    ]
    assert all(
        e["actor"] == f"agent:{live_cast.agents['alice'].id}" for e in events if e["kind"] == "changed"
    )
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


def test_numbers_are_per_workspace_and_sequential(live_cast: Cast) -> None:
    api = live_cast.api("bob")
    numbers = [
        api.post(
            "/api/v1/tickets", json={"subject": f"n{i}", "requester": {"email": "n@example.com"}}
        ).json()["number"]
        for i in range(3)
    ]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
