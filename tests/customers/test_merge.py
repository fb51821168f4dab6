"""Merging customers: identities and tags move to the target, the source stays as a pointer, and
the source's tickets follow (moved by a durable job the live server runs)."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Api, Cast, assert_problem

WAIT_SECONDS = 10.0


def merge(api: Api, target: int, source: int) -> Any:
    return api.post(f"/api/v1/customers/{target}/merge", json={"source_id": source})


def ticket_for(api: Api, requester: dict[str, Any], subject: str = "Where is my parcel?") -> dict[str, Any]:
    r = api.post("/api/v1/tickets", json={"subject": subject, "requester": requester})
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()
    return ticket


def tickets_of(api: Api, customer_id: int) -> set[int]:
    r = api.get("/api/v1/tickets", params={"requester": customer_id, "limit": 200})
    assert r.status_code == 200, r.text
    return {t["id"] for t in r.json()["items"]}


def wait_for_tickets(api: Api, customer_id: int, expected: set[int]) -> None:
    """Poll until the customer's tickets are exactly `expected` (the merge job runs in the server)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        got = tickets_of(api, customer_id)
        if got == expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert got == expected


def customer_ids(api: Api, **params: Any) -> list[int]:
    r = api.get("/api/v1/customers", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_merge_moves_identities_and_tags_and_keeps_the_source_as_a_pointer(live_cast: Cast) -> None:
    sam, alice = live_cast.api("sam"), live_cast.api("alice")
    lisa, wang = live_cast.customers["lisa"].id, live_cast.customers["wang"].id
    assert alice.patch(f"/api/v1/customers/{lisa}", json={"tags": ["vip"]}).status_code == 200
    assert (
        alice.patch(
            f"/api/v1/customers/{wang}",
            json={
                "tags": ["wholesale", "vip"],
                "phones": ["+86 138 0013 8000"],
                "custom_attributes": {"tier": "gold"},
            },
        ).status_code
        == 200
    )
    r = merge(sam, lisa, wang)
    assert r.status_code == 200, r.text
    target = r.json()
    assert target["id"] == lisa and target["merged_into_id"] is None
    assert sorted(target["emails"]) == ["lisa@example.com", "wang@example.cn"]
    assert sorted(target["phones"]) == ["+8613800138000", "+886912345678"]
    assert target["tags"] == ["vip", "wholesale"]
    assert target["custom_attributes"] == {"tier": "gold"}
    assert target["name"] == "張雅婷 Lisa"  # the target's own profile wins

    source = alice.get(f"/api/v1/customers/{wang}")
    assert source.status_code == 200  # still there …
    assert source.json()["merged_into_id"] == lisa  # … pointing at the target
    assert source.json()["identities"] == []
    assert wang not in customer_ids(alice)  # gone from lists and searches
    assert customer_ids(alice, q="王伟") == []
    assert customer_ids(alice, tag="wholesale") == [lisa]
    assert customer_ids(alice, email="wang@example.cn") == [lisa]
    assert customer_ids(alice, phone="+8613800138000") == [lisa]
    # Editing the merged source is refused.
    body = assert_problem(alice.patch(f"/api/v1/customers/{wang}", json={"name": "again"}), 409)
    assert str(lisa) in body["detail"]


def test_only_supervisors_and_admins_merge(live_cast: Cast) -> None:
    """Alice (an agent) merging: 403, and both customers stay as they were."""
    alice = live_cast.api("alice")
    lisa, wang = live_cast.customers["lisa"].id, live_cast.customers["wang"].id
    before = [alice.get(f"/api/v1/customers/{i}").json() for i in (lisa, wang)]
    assert_problem(merge(alice, lisa, wang), 403)
    assert [alice.get(f"/api/v1/customers/{i}").json() for i in (lisa, wang)] == before


def test_merging_into_itself_or_a_merged_customer_is_409(live_cast: Cast) -> None:
    """Lisa into Lisa; Wang (already merged into Lisa) into John; John into Wang: 409 each time, and
    nothing about the three changes."""
    sam = live_cast.api("sam")
    lisa, wang, john = (live_cast.customers[k].id for k in ("lisa", "wang", "john"))
    body = assert_problem(merge(sam, lisa, lisa), 409)
    assert body["detail"]
    assert merge(sam, lisa, wang).status_code == 200
    before = [sam.get(f"/api/v1/customers/{i}").json() for i in (lisa, wang, john)]
    body = assert_problem(merge(sam, john, wang), 409)
    assert str(wang) in body["detail"] and str(lisa) in body["detail"]
    assert_problem(merge(sam, wang, john), 409)
    assert_problem(merge(sam, lisa, 2**62), 404)
    assert_problem(sam.post(f"/api/v1/customers/{lisa}/merge", json={"source_id": 0}), 422)
    assert [sam.get(f"/api/v1/customers/{i}").json() for i in (lisa, wang, john)] == before


def test_the_sources_tickets_move_to_the_target_with_a_timeline_line(live_cast: Cast) -> None:
    sam, alice = live_cast.api("sam"), live_cast.api("alice")
    lisa, wang = live_cast.customers["lisa"].id, live_cast.customers["wang"].id
    lisas = ticket_for(alice, {"id": lisa})
    wangs = [ticket_for(alice, {"email": "wang@example.cn"}, f"wang {i}") for i in range(3)]
    closed = wangs[2]
    for status in ("solved", "closed"):
        assert alice.patch(f"/api/v1/tickets/{closed['id']}", json={"status": status}).status_code == 200
    moved = {t["id"] for t in wangs}

    assert merge(sam, lisa, wang).status_code == 200
    wait_for_tickets(alice, lisa, moved | {lisas["id"]})
    assert tickets_of(alice, wang) == set()
    for t in wangs:
        r = alice.get(f"/api/v1/tickets/{t['id']}")
        assert r.json()["requester"]["id"] == lisa
        line = alice.get(f"/api/v1/tickets/{t['id']}/events").json()["items"][-1]
        assert (line["kind"], line["actor"], line["field"], line["old"], line["new"]) == (
            "changed",
            "system",
            "requester_id",
            wang,
            lisa,
        )
        assert line["via"] == f"merge:{wang}"
    # The move is a change like any other: the ETag of an open moved ticket is stale now.
    current = alice.get(f"/api/v1/tickets/{wangs[0]['id']}")
    assert current.json()["version"] > wangs[0]["version"]
    stale = f'W/"{wangs[0]["version"]}"'
    assert_problem(
        alice.patch(
            f"/api/v1/tickets/{wangs[0]['id']}", json={"priority": "low"}, headers={"If-Match": stale}
        ),
        409,
    )
    # Lisa's own ticket was not touched.
    assert [e["kind"] for e in alice.get(f"/api/v1/tickets/{lisas['id']}/events").json()["items"]] == [
        "created"
    ]


def test_a_ticket_for_a_merged_customer_lands_on_the_target(live_cast: Cast) -> None:
    """After Wang is merged into Lisa, a ticket naming Wang by id, by his e-mail, or a PATCH making
    Wang the requester, all land on Lisa."""
    sam, alice = live_cast.api("sam"), live_cast.api("alice")
    lisa, wang = live_cast.customers["lisa"].id, live_cast.customers["wang"].id
    assert merge(sam, lisa, wang).status_code == 200
    assert ticket_for(alice, {"id": wang})["requester"]["id"] == lisa
    assert ticket_for(alice, {"email": "WANG@example.cn"})["requester"]["id"] == lisa
    john_ticket = ticket_for(alice, {"id": live_cast.customers["john"].id})
    r = alice.patch(f"/api/v1/tickets/{john_ticket['id']}", json={"requester_id": wang})
    assert r.status_code == 200 and r.json()["requester"]["id"] == lisa


def test_a_chain_of_merges_ends_on_the_last_target(live_cast: Cast) -> None:
    """Wang into Lisa, then Lisa into John: Wang's and Lisa's tickets end on John, and a ticket
    naming Wang (or Lisa) by id lands on John, not on the merged-away Lisa."""
    sam, alice = live_cast.api("sam"), live_cast.api("alice")
    lisa, wang, john = (live_cast.customers[k].id for k in ("lisa", "wang", "john"))
    tw, tl = ticket_for(alice, {"id": wang}), ticket_for(alice, {"id": lisa})
    assert merge(sam, lisa, wang).status_code == 200
    assert merge(sam, john, lisa).status_code == 200
    wait_for_tickets(alice, john, {tw["id"], tl["id"]})
    assert ticket_for(alice, {"id": wang})["requester"]["id"] == john
    assert ticket_for(alice, {"id": lisa})["requester"]["id"] == john
    assert alice.get(f"/api/v1/customers/{wang}").json()["merged_into_id"] == john
    assert sorted(alice.get(f"/api/v1/customers/{john}").json()["emails"]) == [
        "john@example.com",
        "lisa@example.com",
        "wang@example.cn",
    ]
    assert customer_ids(alice) == [john]
