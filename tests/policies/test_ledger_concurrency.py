"""The ledger's invariants under concurrency, over real HTTP on loopback: requests sent at once
(asyncio.gather) never refund more than an order's total and never pay twice for one idempotency
key — for hand-picked races and for sequences of grants hypothesis makes up (keys reused with the
same and with other requests, several agents, refunds, reimbursements and credits), each sent at
once and then all again as retries."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import defaultdict
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Cast

_examples = itertools.count(1)


async def _order(client: httpx.AsyncClient, ada: str, total: int, n: str) -> dict[str, Any]:
    """A paid order of a new customer, sent as the store sends it; its answer."""
    auth = {"Authorization": f"Bearer {ada}"}
    r = await client.put(
        "/api/v1/commerce/sellers/S-1", json={"name": "Goodies", "kind": "marketplace"}, headers=auth
    )
    assert r.status_code in (200, 201), r.text
    doc = {
        "number": f"N-{n}",
        "customer": {"email": f"buyer-{n}@example.com"},
        "seller_external_id": "S-1",
        "fulfilment": "seller",
        "status": "paid",
        "currency": "USD",
        "items": [{"sku": "K", "name": "Kettle", "quantity": 1, "unit_price_minor": total}],
        "placed_at": "2026-11-02T03:00:00+00:00",
    }
    r = await client.put(f"/api/v1/commerce/orders/O-{n}", json=doc, headers=auth)
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def _body(order: dict[str, Any], kind: str, amount: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "customer_id": order["customer_id"],
        "order_id": order["id"],
        "amount_minor": amount,
        "currency": "USD",
        "reason_code": "lost_parcel" if kind != "goodwill_credit" else "goodwill",
    }


async def _post(client: httpx.AsyncClient, token: str, body: dict[str, Any], idem: str) -> httpx.Response:
    return await client.post(
        "/api/v1/compensations",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": idem},
    )


async def _ledger(client: httpx.AsyncClient, token: str, order_id: int) -> list[dict[str, Any]]:
    r = await client.get(
        "/api/v1/compensations",
        params={"order": order_id, "limit": 200},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def _returned(entries: list[dict[str, Any]]) -> int:
    return sum(
        e["amount_minor"]
        for e in entries
        if e["kind"] in ("refund", "shipping_reimbursement") and e["status"] not in ("declined", "failed")
    )


def _client(cast: Cast) -> httpx.AsyncClient:
    assert cast.base_url
    return httpx.AsyncClient(base_url=cast.base_url, timeout=60, limits=httpx.Limits(max_connections=64))


async def test_many_refunds_at_once_never_exceed_what_was_paid(live_cast: Cast) -> None:
    ada = live_cast.token("ada")
    async with _client(live_cast) as client:
        order = await _order(client, ada, 10000, f"{os.getpid()}-race")
        answers = await asyncio.gather(
            *(_post(client, ada, _body(order, "refund", 1000), f"race-{os.getpid()}-{i}") for i in range(30))
        )
        codes = sorted(r.status_code for r in answers)
        assert codes == [201] * 10 + [409] * 20, [r.text for r in answers if r.status_code not in (201, 409)]
        assert _returned(await _ledger(client, ada, order["id"])) == 10000


async def test_one_key_sent_twenty_times_at_once_pays_once(live_cast: Cast) -> None:
    alice = live_cast.token("alice")
    async with _client(live_cast) as client:
        order = await _order(client, live_cast.token("ada"), 50000, f"{os.getpid()}-twin")
        idem = f"double-click-{os.getpid()}"
        answers = await asyncio.gather(
            *(_post(client, alice, _body(order, "refund", 5000), idem) for _ in range(20))
        )
        assert sorted(r.status_code for r in answers) == [200] * 19 + [201]
        assert {r.json()["entry"]["id"] for r in answers} and len(
            {r.json()["entry"]["id"] for r in answers}
        ) == 1
        assert sum(r.json()["replayed"] for r in answers) == 19
        assert len(await _ledger(client, live_cast.token("sam"), order["id"])) == 1


GRANT = st.tuples(
    st.sampled_from(["refund", "refund", "shipping_reimbursement", "goodwill_credit"]),
    st.integers(min_value=1, max_value=6000),  # of an order of 10,000
    st.integers(min_value=0, max_value=5),  # which key (reused)
    st.sampled_from(["ada", "sam", "alice"]),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(grants=st.lists(GRANT, min_size=1, max_size=14))
def test_made_up_sequences_sent_at_once_keep_the_invariants(
    live_cast: Cast, grants: list[tuple[str, int, int, str]]
) -> None:
    asyncio.run(_check_sequence(live_cast, grants))


async def _check_sequence(cast: Cast, grants: list[tuple[str, int, int, str]]) -> None:
    n = f"{os.getpid()}-{next(_examples)}"
    tokens = {who: cast.token(who) for who in ("ada", "sam", "alice")}
    async with _client(cast) as client:
        order = await _order(client, tokens["ada"], 10000, n)
        requests = [
            (tokens[who], _body(order, kind, amount), f"seq-{n}-{k}") for kind, amount, k, who in grants
        ]
        first = await asyncio.gather(*(_post(client, t, b, i) for t, b, i in requests))
        again = await asyncio.gather(*(_post(client, t, b, i) for t, b, i in requests))  # every one retried
        ledger = await _ledger(client, tokens["sam"], order["id"])
        r = await client.get(
            f"/api/v1/customers/{order['customer_id']}/credits",
            headers={"Authorization": f"Bearer {tokens['sam']}"},
        )
        credits = {b["currency"]: b["balance_minor"] for b in r.json()["balances"]}
    by_key: dict[str, set[int]] = defaultdict(set)
    for (_token, body, idem), answer in zip(requests * 2, [*first, *again], strict=True):
        assert answer.status_code in (200, 201, 409), answer.text
        if answer.status_code == 409:
            continue
        entry = answer.json()["entry"]
        assert (entry["kind"], entry["amount_minor"]) == (body["kind"], body["amount_minor"])
        by_key[idem].add(entry["id"])
    # One key, one entry: never paid twice.
    assert all(len(ids) == 1 for ids in by_key.values()), by_key
    assert len({e["idempotency_key"] for e in ledger}) == len(ledger)
    assert {e["id"] for e in ledger} == set().union(*by_key.values()) if by_key else ledger == []
    # Created once each: the retries were all replays (or refusals).
    assert sum(a.status_code == 201 for a in first) == len(ledger)
    assert all(a.status_code != 201 for a in again)
    # Never more back than was paid.
    assert _returned(ledger) <= order["total_minor"]
    granted_credit = sum(
        e["amount_minor"] for e in ledger if e["kind"] == "goodwill_credit" and e["status"] == "recorded"
    )
    assert credits.get("USD", 0) == granted_credit
