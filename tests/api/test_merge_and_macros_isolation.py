"""Tenancy of macros and ticket links: a caller of another workspace who names this workspace's
macros, tickets, comments or links in the path gets 404; named in the body (a ticket to merge or
to link to, a comment to split) they are 422, like any id that names nothing — the address was
right, the request was not. Nothing changes on either side. (The route matrix in
test_isolation.py covers these routes too.)"""

from __future__ import annotations

from typing import Any

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import api_of, comments, create_ticket, get_ticket


async def test_another_workspace_cannot_reach_macros_tickets_or_links(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    owner = live_cast
    sam = owner.api("sam")
    shared = sam.post(
        "/api/v1/macros", json={"name": "Ours", "shared": True, "reply": {"texts": {"en": "Hi"}}}
    ).json()
    winner, loser = create_ticket(sam, description="w"), create_ticket(sam, description="l")
    problem = create_ticket(sam, type="problem")
    link = sam.post(
        f"/api/v1/tickets/{winner['id']}/links", json={"kind": "incident_of", "ticket_id": problem["id"]}
    ).json()
    comment_id = comments(sam, winner["id"])[0]["id"]
    before = {t["id"]: get_ticket(sam, t["id"]) for t in (winner, loser, problem)}

    other = await other_cast_factory()
    them = api_of(other, "ada", closed_with=owner)
    theirs = create_ticket(them, requester={"email": "z@example.com"})
    their_macro = them.post(
        "/api/v1/macros", json={"name": "Theirs", "shared": True, "reply": {"texts": {"en": "x"}}}
    ).json()

    assert "Ours" not in them.get("/api/v1/macros").text
    for method, url, body in (
        ("GET", f"/api/v1/macros/{shared['id']}", None),
        ("PATCH", f"/api/v1/macros/{shared['id']}", {"name": "hijacked"}),
        ("DELETE", f"/api/v1/macros/{shared['id']}", None),
        ("POST", f"/api/v1/tickets/{winner['id']}/macros/{their_macro['id']}/preview", None),
        ("POST", f"/api/v1/tickets/{winner['id']}/macros/{their_macro['id']}/apply", None),
        ("POST", f"/api/v1/tickets/{theirs['id']}/macros/{shared['id']}/apply", None),
        ("POST", f"/api/v1/tickets/{winner['id']}/merge", {"ids": [theirs["id"]]}),
        ("POST", f"/api/v1/tickets/{winner['id']}/split", {"comment_id": comment_id}),
        ("GET", f"/api/v1/tickets/{winner['id']}/links", None),
        ("DELETE", f"/api/v1/tickets/{winner['id']}/links/{link['id']}", None),
        ("DELETE", f"/api/v1/tickets/{theirs['id']}/links/{link['id']}", None),
        ("POST", f"/api/v1/tickets/{winner['id']}/comments", {"body": "hi", "author": "requester"}),
    ):
        assert_problem(them.request(method, url, json=body), 404)
    # This workspace's ids in the bodies of requests on their own ticket: names of nothing.
    for path, body in (
        ("split", {"comment_id": comment_id}),
        ("merge", {"ids": [loser["id"]]}),
        ("links", {"kind": "incident_of", "ticket_id": problem["id"]}),
    ):
        assert_problem(them.post(f"/api/v1/tickets/{theirs['id']}/{path}", json=body), 422)
    assert {t: get_ticket(sam, t) for t in before} == before
    assert sam.get(f"/api/v1/macros/{shared['id']}").json() == shared
    assert [lk["id"] for lk in sam.get(f"/api/v1/tickets/{winner['id']}/links").json()] == [link["id"]]
    assert them.get(f"/api/v1/tickets/{theirs['id']}/links").json() == []
