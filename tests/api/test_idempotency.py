"""``Idempotency-Key`` on the POSTs that create: the same key with the same body answers the stored
response (``Idempotent-Replayed: true``) and creates one record; the same key with another body is
a 409; keys belong to their caller; a malformed key is a 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.support import row_counts
from tests.conftest import Cast, assert_problem

# (what, who, path, body, the table that gains a row)
CREATES: list[tuple[str, str, str, Callable[[Cast, str], dict[str, Any]], str]] = [
    (
        "ticket",
        "alice",
        "/api/v1/tickets",
        lambda c, v: {"subject": f"Parcel {v}", "requester": {"email": "lisa@example.com"}},
        "tickets",
    ),
    ("customer", "alice", "/api/v1/customers", lambda c, v: {"name": f"Mei {v}"}, "customers"),
    (
        "comment",
        "alice",
        "/api/v1/tickets/{ticket}/comments",
        lambda c, v: {"body": f"Note {v}"},
        "ticket_comments",
    ),
    ("agent", "ada", "/api/v1/agents", lambda c, v: {"email": f"n{v}@{c.slug}.test", "name": "N"}, "agents"),
    ("team", "ada", "/api/v1/teams", lambda c, v: {"name": f"Team {v}"}, "teams"),
    ("skill", "ada", "/api/v1/skills", lambda c, v: {"name": f"Skill {v}"}, "skills"),
    (
        "ticket field",
        "ada",
        "/api/v1/ticket-fields",
        lambda c, v: {"key": f"f{v}", "label": "F", "type": "text"},
        "ticket_fields",
    ),
]


@pytest.fixture
def ticket_id(live_cast: Cast) -> int:
    r = live_cast.api("alice").post(
        "/api/v1/tickets", json={"subject": "Target", "requester": {"email": "john@example.com"}}
    )
    assert r.status_code == 201, r.text
    tid: int = r.json()["id"]
    return tid


@pytest.mark.parametrize(("what", "who", "path", "body", "table"), CREATES, ids=[c[0] for c in CREATES])
async def test_same_key_same_body_replays_one_record(
    live_cast: Cast,
    ticket_id: int,
    what: str,
    who: str,
    path: str,
    body: Callable[[Cast, str], dict[str, Any]],
    table: str,
) -> None:
    """Tried on every POST that creates: the same key and body twice (one record, the second answer
    replayed), then the same key with another body (409, nothing written), then no key (a new record)."""
    api = live_cast.api(who)
    url = path.format(ticket=ticket_id)
    key = {"Idempotency-Key": f"create-{what}-1"}
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    first = api.post(url, json=body(live_cast, "1"), headers=key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = api.post(url, json=body(live_cast, "1"), headers=key)
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    after = await row_counts(live_cast.rt, live_cast.workspace_id)
    assert after[table] == before[table] + 1
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1
    # The same key with another body is a conflict, and creates nothing.
    other = api.post(url, json=body(live_cast, "2"), headers=key)
    problem = assert_problem(other, 409)
    assert problem["detail"] == "This Idempotency-Key was used for a different request."
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == after
    # Without a key, every POST creates.
    assert api.post(url, json=body(live_cast, "3")).status_code == 201


async def test_keys_belong_to_their_caller(live_cast: Cast) -> None:
    """Alice's key, sent by Bob with the same body, is Bob's own: a second ticket. Alice's API key
    is a caller of its own too (a script must not replay its owner's browser requests)."""
    key = {"Idempotency-Key": "shared-key"}
    body = {"subject": "Same words", "requester": {"email": "lisa@example.com"}}
    alice = live_cast.api("alice").post("/api/v1/tickets", json=body, headers=key)
    bob = live_cast.api("bob").post("/api/v1/tickets", json=body, headers=key)
    assert alice.status_code == bob.status_code == 201
    assert alice.json()["id"] != bob.json()["id"] and "idempotent-replayed" not in bob.headers
    created = live_cast.api("alice").post("/api/v1/api-keys", json={"name": "script"}).json()
    script = live_cast.as_key(created["key"]).post("/api/v1/tickets", json=body, headers=key)
    assert script.status_code == 201 and script.json()["id"] not in (alice.json()["id"], bob.json()["id"])
    replay = live_cast.as_key(created["key"]).post("/api/v1/tickets", json=body, headers=key)
    assert replay.headers["idempotent-replayed"] == "true" and replay.json()["id"] == script.json()["id"]


async def test_a_key_is_bound_to_its_address(live_cast: Cast) -> None:
    """Tried: a key used to create a customer, then sent with a ticket: 409, nothing written."""
    key = {"Idempotency-Key": "one-key"}
    alice = live_cast.api("alice")
    assert alice.post("/api/v1/customers", json={"name": "X"}, headers=key).status_code == 201
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    r = alice.post(
        "/api/v1/tickets", json={"subject": "X", "requester": {"email": "x@example.com"}}, headers=key
    )
    assert_problem(r, 409)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before


async def test_a_refused_request_does_not_use_up_its_key(live_cast: Cast) -> None:
    """A 422 stores nothing: the corrected request with the same key creates the record."""
    key = {"Idempotency-Key": "fix-and-retry"}
    alice = live_cast.api("alice")
    assert_problem(alice.post("/api/v1/tickets", json={"subject": ""}, headers=key), 422)
    r = alice.post(
        "/api/v1/tickets", json={"subject": "Fixed", "requester": {"email": "x@example.com"}}, headers=key
    )
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers


async def test_malformed_keys_are_a_422(live_cast: Cast) -> None:
    """Tried: 201 characters, an empty key, control characters inside. The 200-character key is fine."""
    alice = live_cast.api("alice")
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    for key in (b"k" * 201, b"", b"a\tb", b"a\x85b", b"\xa0"):  # latin-1 bytes, as a client may send
        r = alice.post("/api/v1/customers", json={"name": "K"}, headers={"Idempotency-Key": key})
        problem = assert_problem(r, 422)
        assert problem["detail"] == "The Idempotency-Key header must be 1-200 printable characters."
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    r = alice.post("/api/v1/customers", json={"name": "K"}, headers={"Idempotency-Key": "k" * 200})
    assert r.status_code == 201, r.text


async def test_a_normalised_body_is_the_same_request(live_cast: Cast) -> None:
    """The fingerprint is taken of the validated request: an e-mail in other case and spaces around
    the subject are the same ticket, not a conflict."""
    key = {"Idempotency-Key": "normalised"}
    alice = live_cast.api("alice")
    a = alice.post(
        "/api/v1/tickets", json={"subject": "Hi", "requester": {"email": "lisa@example.com"}}, headers=key
    )
    b = alice.post(
        "/api/v1/tickets", json={"subject": " Hi ", "requester": {"email": "LISA@example.com"}}, headers=key
    )
    assert a.status_code == b.status_code == 201
    assert b.headers["idempotent-replayed"] == "true" and a.json() == b.json()
