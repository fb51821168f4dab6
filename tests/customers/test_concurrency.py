"""Several agents changing the same customers at the same moment, from real threads over real
connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from tests.conftest import Cast


def race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls from one thread each, released together; return their responses in order."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    out = []
    for r in results:
        assert isinstance(r, httpx.Response), r
        out.append(r)
    return out


def test_concurrent_creates_with_one_email_give_one_customer_and_409s(live_cast: Cast) -> None:
    """Ten POSTs of a customer with the same new e-mail at once: exactly one is created (201), the
    others are 409 naming it (never a 500), and the e-mail belongs to that one customer."""
    n = 10
    clients = [live_cast.api(("alice", "bob", "sam", "ada")[i % 4]) for i in range(n)]

    def create(i: int) -> Callable[[], httpx.Response]:
        body = {"name": f"Twin {i}", "emails": ["twin@example.org"], "phones": [f"+88691200{i:04d}"]}
        return lambda: clients[i].post("/api/v1/customers", json=body)

    responses = race([create(i) for i in range(n)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (n - 1), [r.text[:200] for r in responses if r.status_code >= 500]
    winner = next(r.json() for r in responses if r.status_code == 201)
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["customer_id"] == winner["id"]
    found = live_cast.api("alice").get("/api/v1/customers", params={"q": "Twin"}).json()["items"]
    assert [c["id"] for c in found] == [winner["id"]]  # the losers' phones were not kept either
    assert found[0]["emails"] == ["twin@example.org"]


def test_opposite_merges_at_the_same_moment_leave_one_customer(live_cast: Cast) -> None:
    """Two supervisors merge the same pair at once, in opposite directions (A into B, B into A),
    several pairs in a row: for each pair exactly one merge wins (200) and the other is 409, so one
    of the two customers stays visible — they never end up merged into each other."""
    sam, ada = live_cast.api("sam"), live_cast.api("ada")
    for i in range(5):
        a, b = (sam.post("/api/v1/customers", json={"name": f"Pair {i}{x}"}).json()["id"] for x in ("a", "b"))
        responses = race(
            [
                lambda a=a, b=b: sam.post(f"/api/v1/customers/{a}/merge", json={"source_id": b}),
                lambda a=a, b=b: ada.post(f"/api/v1/customers/{b}/merge", json={"source_id": a}),
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text[:200] for r in responses]
        pointers = [sam.get(f"/api/v1/customers/{c}").json()["merged_into_id"] for c in (a, b)]
        assert pointers in ([None, a], [b, None])
