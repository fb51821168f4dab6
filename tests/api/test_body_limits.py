"""Request bodies over the limit are refused with a 413 problem document — whether the client
announces the size (``Content-Length``) or streams it in chunks without one — and nothing is
written. A body exactly at the limit is still read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.support import PROBLEM_JSON, raw_http, row_counts
from tests.conftest import Cast, LiveServer, assert_problem

TARGETS = [
    ("POST", "/api/v1/tickets"),
    ("POST", "/api/v1/customers"),
    ("POST", "/api/v1/agents"),
    ("POST", "/api/v1/teams"),
    ("PATCH", "/api/v1/tickets/{ticket}"),
    ("POST", "/api/v1/tickets/{ticket}/comments"),
    ("POST", "/api/v1/auth/token"),
]


@pytest.fixture
async def target(live_cast: Cast) -> Any:
    """A ticket to aim at, and a check afterwards that the workspace gained no rows."""
    r = live_cast.api("ada").post(
        "/api/v1/tickets", json={"subject": "Target", "requester": {"email": "john@example.com"}}
    )
    assert r.status_code == 201, r.text
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    yield r.json()["id"]
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before


def _padded(limit: int, extra: int) -> bytes:
    """A valid JSON object of exactly `limit + extra` bytes (whitespace padding is legal JSON)."""
    core = b'{"name": "padded"}'
    return core[:-1] + b" " * (limit + extra - len(core)) + b"}"


def test_an_announced_body_over_the_limit_is_refused_before_it_is_sent(
    live_cast: Cast, live: LiveServer, target: int
) -> None:
    """Only the head is sent, announcing one byte more than the limit: the server answers at once
    and closes, without waiting for a body it will not read."""
    limit = live.settings.max_body_bytes
    for method, path in TARGETS:
        url = path.format(ticket=target)
        head = (
            f"{method} {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {live_cast.token('ada')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {limit + 1}\r\n\r\n"
        ).encode()
        r = raw_http(live.url, head)
        assert r.status, (method, url)
        assert r.status == 413, (method, url, r.status, r.body[:300])
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
        assert r.headers.get("connection") == "close"
        problem = json.loads(r.body)
        assert problem["status"] == 413 and problem["type"].endswith("/payload-too-large")
        assert problem["detail"] == "The request body is larger than this endpoint accepts."


def test_an_announced_body_is_refused_whatever_the_path(live: LiveServer) -> None:
    """Even unauthenticated and on an address that does not exist: size comes first."""
    limit = live.settings.max_body_bytes
    head = (
        f"POST /api/v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {10 * limit}\r\n\r\n"
    ).encode()
    assert raw_http(live.url, head).status == 413


def test_a_streamed_body_over_the_limit_is_refused(live_cast: Cast, live: LiveServer, target: int) -> None:
    """Chunked transfer encoding, no Content-Length: the size is only known while reading. The body
    is valid JSON, one kilobyte over the limit, sent in 16 KB chunks by httpx from a generator."""
    limit = live.settings.max_body_bytes
    body = _padded(limit, 1024)
    ada = live_cast.api("ada")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 16 * 1024):
            yield body[i : i + 16 * 1024]

    for method, path in TARGETS:
        url = path.format(ticket=target)
        r = ada.request(method, url, content=chunks(), headers={"content-type": "application/json"})
        assert (
            "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
        )
        problem = assert_problem(r, 413)
        assert problem["detail"] == "The request body is larger than this endpoint accepts."


def test_a_streamed_body_over_the_limit_is_refused_on_a_raw_socket(
    live_cast: Cast, live: LiveServer, target: int
) -> None:
    """The same with hand-written chunked framing, and a stream that would go on to ten times the
    limit: the server answers once it has seen too much, and the client stops sending."""
    limit = live.settings.max_body_bytes
    head = (
        "POST /api/v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {live_cast.token('ada')}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b" " * 8192
    framed = b"%x\r\n" % len(piece) + piece + b"\r\n"
    parts = [b"1\r\n{\r\n", *([framed] * (10 * limit // len(piece))), b"1\r\n}\r\n0\r\n\r\n"]
    r = raw_http(live.url, head, parts)
    assert r.status == 413, r.body[:300]
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert json.loads(r.body)["status"] == 413


async def test_a_body_exactly_at_the_limit_is_read(live_cast: Cast, live: LiveServer) -> None:
    """Tried: a valid body padded with JSON whitespace to exactly the limit (accepted), and one byte more
    (413, nothing written)."""
    limit = live.settings.max_body_bytes
    ada = live_cast.api("ada")
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    r = ada.post("/api/v1/customers", content=_padded(limit, 0), headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "padded"
    after = await row_counts(live_cast.rt, live_cast.workspace_id)
    assert after["customers"] == before["customers"] + 1
    r = ada.post("/api/v1/customers", content=_padded(limit, 1), headers={"content-type": "application/json"})
    assert_problem(r, 413)
    assert (await row_counts(live_cast.rt, live_cast.workspace_id)) == after


def test_the_connection_is_usable_after_a_streamed_refusal(live_cast: Cast, live: LiveServer) -> None:
    """After a 413 the next request (on whatever connection the client has) is served normally."""
    limit = live.settings.max_body_bytes
    ada = live_cast.api("ada")
    body = _padded(limit, 10)
    r = ada.post("/api/v1/customers", content=iter([body]), headers={"content-type": "application/json"})
    assert_problem(r, 413)
    try:
        again = ada.get("/api/v1/me")
    except httpx.TransportError:  # the server closed that connection: a new one must work
        again = ada.get("/api/v1/me")
    assert again.status_code == 200
