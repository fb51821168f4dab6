"""Splitting a message into a new ticket, and problems with their incidents: solving the problem
solves the incidents still open and tells each requester, in their language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import api_of, comments, create_ticket, get_ticket, timeline


def test_split_makes_a_new_ticket_from_one_message(live_cast: Cast) -> None:
    sam = live_cast.api("sam")
    t = create_ticket(
        sam, subject="Order 1", description="My parcel is late", tags=["vip"], team_id=live_cast.team_id
    )
    c = sam.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "Also:  my invoice\nis wrong"}).json()
    r = sam.post(f"/api/v1/tickets/{t['id']}/split", json={"comment_id": c["id"]})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["subject"] == "Also: my invoice is wrong"
    assert (new["requester"], new["team_id"], new["tags"]) == (t["requester"], t["team_id"], ["vip"])
    assert [cm["body"] for cm in comments(sam, new["id"])] == ["Also:  my invoice\nis wrong"]
    assert [(lk["kind"], lk["target_id"]) for lk in sam.get(f"/api/v1/tickets/{new['id']}/links").json()] == [
        ("split_from", t["id"])
    ]
    assert timeline(sam, new["id"])[-1]["kind"] == "split_from"
    assert timeline(sam, t["id"])[-1]["new"] == {
        "ticket_id": new["id"],
        "number": new["number"],
        "comment_id": c["id"],
    }
    named = sam.post(
        f"/api/v1/tickets/{t['id']}/split", json={"comment_id": c["id"], "subject": "Invoice"}
    ).json()
    assert named["subject"] == "Invoice"


def test_splitting_a_comment_that_is_not_the_tickets_is_refused(live_cast: Cast) -> None:
    """Tried: a comment of another ticket, an id that is no comment (422), a bad id (422), a
    caller without tickets.merge (403): no new ticket."""
    sam, alice = live_cast.api("sam"), live_cast.api("alice")
    t, other = create_ticket(sam, description="x"), create_ticket(sam, description="y")
    theirs = comments(sam, other["id"])[0]["id"]
    count = len(sam.get("/api/v1/tickets").json()["items"])
    assert_problem(sam.post(f"/api/v1/tickets/{t['id']}/split", json={"comment_id": theirs}), 422)
    assert_problem(sam.post(f"/api/v1/tickets/{t['id']}/split", json={"comment_id": 9_000_000_000}), 422)
    assert_problem(sam.post(f"/api/v1/tickets/{t['id']}/split", json={"comment_id": 0}), 422)
    own = comments(sam, t["id"])[0]["id"]
    assert_problem(alice.post(f"/api/v1/tickets/{t['id']}/split", json={"comment_id": own}), 403)
    assert len(sam.get("/api/v1/tickets").json()["items"]) == count
    assert get_ticket(sam, t["id"]) == t


def _solve(api: Any, ticket_id: int) -> None:
    r = api.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "solved"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "case", ["not-a-problem", "itself", "closed-problem", "problem-as-incident", "unknown", "other-workspace"]
)
async def test_bad_links_are_refused(live_cast: Cast, other_cast_factory: Any, case: str) -> None:
    """Tried: linking to a ticket that is not a problem (422), to itself (422), to a closed
    problem (409), a problem as an incident (422), an unknown or another workspace's ticket
    (422: the body names nothing). Nothing is linked and the ticket is unchanged."""
    sam = live_cast.api("sam")
    incident, target = create_ticket(sam), create_ticket(sam, type="problem")
    status = 422
    if case == "not-a-problem":
        target = create_ticket(sam, type="question")
    elif case == "itself":
        target = incident
    elif case == "closed-problem":
        _solve(sam, target["id"])
        sam.patch(f"/api/v1/tickets/{target['id']}", json={"status": "closed"})
        status = 409
    elif case == "problem-as-incident":
        incident = create_ticket(sam, type="problem")
    elif case == "unknown":
        target, status = {"id": 9_000_000_000}, 422
    elif case == "other-workspace":
        foreign = await other_cast_factory()
        target = create_ticket(
            api_of(foreign, "ada", closed_with=live_cast),
            type="problem",
            requester={"email": "q@example.com"},
        )
        status = 422
    before = get_ticket(sam, incident["id"])
    r = sam.post(
        f"/api/v1/tickets/{incident['id']}/links", json={"kind": "incident_of", "ticket_id": target["id"]}
    )
    assert_problem(r, status)
    assert get_ticket(sam, incident["id"]) == before
    assert sam.get(f"/api/v1/tickets/{incident['id']}/links").json() == []


def test_an_incident_has_one_problem_and_can_be_unlinked(live_cast: Cast) -> None:
    sam = live_cast.api("sam")
    p1, p2 = create_ticket(sam, type="problem"), create_ticket(sam, type="problem")
    inc = create_ticket(sam, type="incident")
    link = sam.post(
        f"/api/v1/tickets/{inc['id']}/links", json={"kind": "incident_of", "ticket_id": p1["id"]}
    ).json()
    again = sam.post(
        f"/api/v1/tickets/{inc['id']}/links", json={"kind": "incident_of", "ticket_id": p1["id"]}
    )
    assert again.status_code == 201 and again.json()["id"] == link["id"]
    assert_problem(
        sam.post(f"/api/v1/tickets/{inc['id']}/links", json={"kind": "incident_of", "ticket_id": p2["id"]}),
        409,
    )
    assert_problem(
        sam.post(f"/api/v1/tickets/{inc['id']}/links", json={"kind": "merged_into", "ticket_id": p2["id"]}),
        422,
    )
    assert_problem(sam.delete(f"/api/v1/tickets/{p2['id']}/links/{link['id']}"), 404)  # not p2's link
    assert sam.delete(f"/api/v1/tickets/{p1['id']}/links/{link['id']}").status_code == 204
    assert sam.get(f"/api/v1/tickets/{inc['id']}/links").json() == []
    assert timeline(sam, inc["id"])[-1]["kind"] == "unlinked"
