"""The requester's replies posted by an integration (``"author": "requester"``): on a closed
ticket a follow-up opens, linked to it; on a solved, pending or on-hold one it opens again."""

from __future__ import annotations

import pytest

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import comments, create_ticket, get_ticket, timeline


def test_a_reply_on_a_closed_ticket_opens_a_linked_follow_up(live_cast: Cast) -> None:
    sam = live_cast.api("sam")
    t = create_ticket(
        sam, subject="Broken kettle", team_id=live_cast.team_id, tags=["kettle"], priority="high"
    )
    sam.patch(f"/api/v1/tickets/{t['id']}", json={"status": "solved"})
    closed = sam.patch(f"/api/v1/tickets/{t['id']}", json={"status": "closed"}).json()
    r = sam.post(
        f"/api/v1/tickets/{t['id']}/comments", json={"body": "It broke again", "author": "requester"}
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["routed"] == "follow_up" and out["sent_to"] == t["id"] and out["ticket_id"] != t["id"]
    assert out["author"] == f"customer:{t['requester']['id']}" and out["public"] is True
    follow = get_ticket(sam, out["ticket_id"])
    assert follow["subject"] == "Follow-up: Broken kettle"
    assert (follow["requester"], follow["team_id"], follow["tags"], follow["priority"]) == (
        t["requester"],
        live_cast.team_id,
        ["kettle"],
        "high",
    )
    assert [c["body"] for c in comments(sam, follow["id"])] == ["It broke again"]
    links = sam.get(f"/api/v1/tickets/{follow['id']}/links").json()
    assert [(lk["kind"], lk["target_id"]) for lk in links] == [("follow_up_of", t["id"])]
    assert get_ticket(sam, t["id"]) == closed  # closed stays closed


@pytest.mark.parametrize("status", ["solved", "pending", "on_hold"])
def test_a_reply_reopens_a_waiting_ticket(live_cast: Cast, status: str) -> None:
    sam = live_cast.api("sam")
    t = create_ticket(sam, status=status)
    out = sam.post(
        f"/api/v1/tickets/{t['id']}/comments", json={"body": "Still broken", "author": "requester"}
    ).json()
    assert out["ticket_id"] == t["id"] and out["routed"] is None
    after = get_ticket(sam, t["id"])
    assert after["status"] == "open" and after["version"] == t["version"] + 1
    line = [e for e in timeline(sam, t["id"]) if e["kind"] == "changed"][-1]
    assert (line["actor"], line["field"], line["new"]) == (
        f"customer:{t['requester']['id']}",
        "status",
        "open",
    )


def test_a_reply_on_an_open_ticket_keeps_it_and_an_agents_reply_is_the_agents(live_cast: Cast) -> None:
    sam = live_cast.api("sam")
    t = create_ticket(sam, status="open")
    out = sam.post(
        f"/api/v1/tickets/{t['id']}/comments", json={"body": "Thanks", "author": "requester"}
    ).json()
    assert out["author"].startswith("customer:") and get_ticket(sam, t["id"])["status"] == "open"
    mine = sam.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "You're welcome"}).json()
    assert mine["author"] == f"agent:{live_cast.agents['sam'].id}" and mine["routed"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"body": "x", "author": "requester", "public": False},
        {"body": "x", "author": "requester", "status": "solved"},
        {"body": "x", "author": "customer"},
    ],
    ids=["private", "with-status", "unknown-author"],
)
def test_bad_requester_replies_are_422(live_cast: Cast, body: dict[str, object]) -> None:
    sam = live_cast.api("sam")
    t = create_ticket(sam)
    assert_problem(sam.post(f"/api/v1/tickets/{t['id']}/comments", json=body), 422)
    assert comments(sam, t["id"]) == [] and get_ticket(sam, t["id"]) == t
