"""Merging duplicates: the ticket in the path wins; the others are closed with a note pointing at
it; the winner's timeline and comments show theirs, interleaved in the order they were written;
the requester's later replies to a merged ticket land on the winner."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, assert_problem
from tests.tickets.conftest import api_of, comments, create_ticket, get_ticket, timeline


def reply(api: Any, ticket_id: int, body: str, **extra: Any) -> dict[str, Any]:
    r = api.post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": body, **extra})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_merge_interleaves_timelines_closes_the_losers_and_links_them(live_cast: Cast) -> None:
    """Lisa wrote twice about the same parcel; Wang once. Sam merges both into the first: the
    losers are closed with a note "merged into #N" and link to it; the winner notes what was
    merged and that a requester differs, takes their tags, and shows every comment in the
    order it was written, each marked with the ticket it came from."""
    sam = live_cast.api("sam")
    lisa, wang = live_cast.customers["lisa"].id, live_cast.customers["wang"].id
    a = create_ticket(sam, subject="Parcel late", description="A1", requester={"id": lisa}, tags=["late"])
    b = create_ticket(
        sam, subject="Where is my parcel", description="B1", requester={"id": lisa}, tags=["vip"]
    )
    c = create_ticket(sam, subject="Parcel?", description="C1", requester={"id": wang}, status="pending")
    reply(sam, a["id"], "A2")
    reply(sam, b["id"], "B2", public=False)
    reply(sam, a["id"], "A3")
    reply(sam, c["id"], "C2")
    r = sam.post(
        f"/api/v1/tickets/{a['id']}/merge", json={"ids": [c["id"], b["id"]], "comment": "Same parcel."}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert [t["id"] for t in out["merged"]] == [b["id"], c["id"]]
    assert all(t["status"] == "closed" for t in out["merged"])
    assert sorted(out["ticket"]["tags"]) == ["late", "vip"]
    for loser in (b, c):
        note = comments(sam, loser["id"])[-1]
        assert (
            note["public"] is False and f"#{a['number']}" in note["body"] and "Same parcel." in note["body"]
        )
        links = sam.get(f"/api/v1/tickets/{loser['id']}/links").json()
        assert [(lk["kind"], lk["target_id"]) for lk in links] == [("merged_into", a["id"])]
    winner_comments = comments(sam, a["id"])
    bodies = [cm["body"] for cm in winner_comments]
    assert bodies[:7] == ["A1", "B1", "C1", "A2", "B2", "A3", "C2"]
    assert [cm["ticket_id"] for cm in winner_comments[:7]] == [
        a["id"],
        b["id"],
        c["id"],
        a["id"],
        b["id"],
        a["id"],
        c["id"],
    ]
    note = winner_comments[-1]
    assert note["ticket_id"] == a["id"] and f"#{b['number']}" in note["body"] and "王伟" in note["body"]
    events = timeline(sam, a["id"])
    shown = [(e["comment"]["body"], (e["merged_from"] or {}).get("number")) for e in events if e["comment"]]
    assert shown[:7] == [
        ("A1", None),
        ("B1", b["number"]),
        ("C1", c["number"]),
        ("A2", None),
        ("B2", b["number"]),
        ("A3", None),
        ("C2", c["number"]),
    ]
    assert any(e["kind"] == "merged" for e in events)
    # Only the losers' comments join the winner's timeline, not their other lines.
    assert not any(e["merged_from"] and e["kind"] != "comment" for e in events)
    assert {lk["ticket_id"] for lk in sam.get(f"/api/v1/tickets/{a['id']}/links").json()} == {
        b["id"],
        c["id"],
    }


def test_a_requesters_reply_to_a_merged_ticket_lands_on_the_winner(live_cast: Cast) -> None:
    sam = live_cast.api("sam")
    a, b = create_ticket(sam, subject="One"), create_ticket(sam, subject="Two")
    assert sam.post(f"/api/v1/tickets/{a['id']}/merge", json={"ids": [b["id"]]}).status_code == 200
    out = reply(sam, b["id"], "Any news?", author="requester")
    assert (out["ticket_id"], out["routed"], out["sent_to"]) == (a["id"], "merged", b["id"])
    assert out["author"] == f"customer:{a['requester']['id']}"
    assert comments(sam, a["id"])[-1]["body"] == "Any news?"
    assert get_ticket(sam, b["id"])["status"] == "closed"
    # An agent's reply to the closed loser is still refused, naming the ticket.
    assert_problem(sam.post(f"/api/v1/tickets/{b['id']}/comments", json={"body": "Hi"}), 409)


def test_merge_chains_follow_through(live_cast: Cast) -> None:
    """C into B, then B into A: A shows C's comments too, and a reply to C reaches A."""
    sam = live_cast.api("sam")
    a, b, c = (create_ticket(sam, subject=s, description=s) for s in ("A", "B", "C"))
    assert sam.post(f"/api/v1/tickets/{b['id']}/merge", json={"ids": [c["id"]]}).status_code == 200
    assert sam.post(f"/api/v1/tickets/{a['id']}/merge", json={"ids": [b["id"]]}).status_code == 200
    assert [cm["body"] for cm in comments(sam, a["id"])][:3] == ["A", "B", "C"]
    assert reply(sam, c["id"], "Hello?", author="requester")["ticket_id"] == a["id"]


@pytest.mark.parametrize(
    "case", ["closed", "itself", "nonexistent", "other-workspace", "closed-winner", "twice"]
)
async def test_bad_merges_are_refused_and_change_nothing(
    live_cast: Cast, other_cast_factory: Any, case: str
) -> None:
    """Tried: merging a closed ticket (409), the winner into itself (422), an id that does not
    exist or is another workspace's (422: the body names nothing), into a closed winner (409), the
    same id twice (422).
    Neither the winner nor the other tickets change."""
    sam = live_cast.api("sam")
    winner, other = create_ticket(sam), create_ticket(sam)
    ids, status = [other["id"]], 409
    if case == "closed":
        sam.patch(f"/api/v1/tickets/{other['id']}", json={"status": "solved"})
        sam.patch(f"/api/v1/tickets/{other['id']}", json={"status": "closed"})
    elif case == "itself":
        ids, status = [other["id"], winner["id"]], 422
    elif case == "nonexistent":
        ids, status = [other["id"], 9_000_000_000], 422
    elif case == "other-workspace":
        foreign = await other_cast_factory()
        theirs = create_ticket(
            api_of(foreign, "ada", closed_with=live_cast), requester={"email": "x@example.com"}
        )
        ids, status = [other["id"], theirs["id"]], 422
    elif case == "closed-winner":
        sam.patch(f"/api/v1/tickets/{winner['id']}", json={"status": "solved"})
        sam.patch(f"/api/v1/tickets/{winner['id']}", json={"status": "closed"})
    elif case == "twice":
        ids, status = [other["id"], other["id"]], 422
    before = [get_ticket(sam, t["id"]) for t in (winner, other)]
    assert_problem(sam.post(f"/api/v1/tickets/{winner['id']}/merge", json={"ids": ids}), status)
    assert [get_ticket(sam, t["id"]) for t in (winner, other)] == before
    assert sam.get(f"/api/v1/tickets/{other['id']}/links").json() == []


def test_merging_needs_the_merge_permission(live_cast: Cast) -> None:
    alice = live_cast.api("alice")
    a, b = create_ticket(alice), create_ticket(alice)
    assert_problem(alice.post(f"/api/v1/tickets/{a['id']}/merge", json={"ids": [b["id"]]}), 403)
    assert get_ticket(alice, b["id"])["status"] == "new"
    assert_problem(alice.post(f"/api/v1/tickets/{a['id']}/merge", json={"ids": []}), 422)
