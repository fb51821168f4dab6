"""Many agents creating tickets at the same moment, from real threads over real connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import Cast
from tests.tickets.conftest import list_all

N = 20


def at_once(cast: Cast, make_body: Callable[[int], dict[str, Any]]) -> list[httpx.Response]:
    """POST N tickets from N threads released together; each thread has its own connection."""
    clients = [cast.api(("alice", "bob", "sam", "ada")[i % 4]) for i in range(N)]
    barrier = threading.Barrier(N)
    results: list[httpx.Response | BaseException | None] = [None] * N

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = clients[i].post("/api/v1/tickets", json=make_body(i))
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    out = []
    for r in results:
        assert isinstance(r, httpx.Response), r
        out.append(r)
    return out


def test_ticket_numbers_stay_unique_and_gap_free_under_concurrent_posts(live_cast: Cast) -> None:
    first = live_cast.api("alice").post(
        "/api/v1/tickets", json={"subject": "before", "requester": {"email": "lisa@example.com"}}
    )
    assert first.status_code == 201
    start = first.json()["number"]
    responses = at_once(
        live_cast, lambda i: {"subject": f"rush {i}", "requester": {"email": "john@example.com"}}
    )
    assert [r.status_code for r in responses] == [201] * N, [
        r.text for r in responses if r.status_code != 201
    ]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(start + 1, start + N + 1))
    listed = list_all(live_cast.api("alice"))
    assert len(listed) == N + 1
    assert len({t["number"] for t in listed}) == N + 1


def test_concurrent_tickets_from_one_new_requester_make_one_customer(live_cast: Cast) -> None:
    """Twenty tickets naming the same, not yet known e-mail at the same moment (a burst of mails
    from a new customer): every one is created, and all share a single new customer."""
    responses = at_once(
        live_cast,
        lambda i: {
            "subject": f"burst {i}",
            "requester": {"email": "Burst.Sender@Example.org", "name": "Burst"},
        },
    )
    assert [r.status_code for r in responses] == [201] * N, [
        r.text[:300] for r in responses if r.status_code != 201
    ]
    requesters = {r.json()["requester"]["id"] for r in responses}
    assert len(requesters) == 1
    found = (
        live_cast.api("alice").get("/api/v1/customers", params={"email": "burst.sender@example.org"}).json()
    )
    assert [c["id"] for c in found["items"]] == list(requesters)
