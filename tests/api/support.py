"""Helpers shared by the API and accounts tests: row counts per workspace (to prove that a refused
request left nothing behind), answers that must be 4xx problem documents, and raw HTTP for what an
ordinary client will not send."""

from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func
from sqlalchemy import select as sql_select

from tests.conftest import Api, Cast, assert_problem
from wowdesk.core.runtime import Runtime
from wowdesk.models import metadata

PROBLEM_JSON = "application/problem+json"


async def row_counts(rt: Runtime, workspace_id: int) -> dict[str, int]:
    """How many rows of every tenant-owned table belong to the workspace."""
    out: dict[str, int] = {}
    async with rt.uow(write=False) as s:
        for table in metadata.sorted_tables:
            if "workspace_id" in table.c:
                q = sql_select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
                out[table.name] = int((await s.execute(q)).scalar_one())
    return out


async def settled(rt: Runtime, workspace_id: int, timeout: float = 15.0) -> None:
    """Wait until the workspace has no job running or due (the live server's runner works them off):
    what a request set off after its answer (a listener's job) has then written its rows, so row
    counts taken next stay still."""
    from wowdesk.core.jobs.models import QUEUED, RUNNING

    jobs = metadata.tables["jobs"]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with rt.uow(write=False) as s:
            busy = (jobs.c.status == RUNNING) | (
                (jobs.c.status == QUEUED) & (jobs.c.run_at <= rt.clock.now())
            )
            q = sql_select(func.count()).select_from(jobs).where(jobs.c.workspace_id == workspace_id, busy)
            if not int((await s.execute(q)).scalar_one()):
                return
        assert asyncio.get_running_loop().time() < deadline, "the workspace's jobs did not settle"
        await asyncio.sleep(0.05)


def assert_4xx(resp: httpx.Response, *allowed: int) -> dict[str, Any]:
    """A client error answered as a problem document (never a 500, never a success)."""
    assert 400 <= resp.status_code < 500, f"want a 4xx, got {resp.status_code}: {resp.text[:500]}"
    if allowed:
        assert resp.status_code in allowed, (
            f"want one of {allowed}, got {resp.status_code}: {resp.text[:500]}"
        )
    return assert_problem(resp, resp.status_code)


def assert_unauthorized(resp: httpx.Response) -> dict[str, Any]:
    """401 problem that tells the client how to authenticate."""
    body = assert_problem(resp, 401)
    assert resp.headers.get("www-authenticate", "").lower().startswith("bearer"), dict(resp.headers)
    return body


def new_ticket(api: Api, subject: str = "Parcel missing", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": subject, "requester": {"email": "lisa@example.com"}}
    body.update(fields)
    r = api.post("/api/v1/tickets", json=body)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()
    return ticket


def login(cast: Cast, who: str = "ada", password: str | None = None) -> httpx.Response:
    from tests.conftest import PASSWORD

    anon = cast.api(None)
    return anon.post(
        "/api/v1/auth/token",
        json={
            "workspace": cast.slug,
            "email": f"{who}@{cast.slug}.test",
            "password": PASSWORD if password is None else password,
        },
    )


def security_events(cast: Cast, kind: str | None = None) -> list[dict[str, Any]]:
    r = cast.api("ada").get("/api/v1/audit/security-events", params={"kind": kind} if kind else {})
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()
    return events


# -- raw HTTP --------------------------------------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def raw_http(base_url: str, head: bytes, body_parts: Iterable[bytes] = ()) -> RawResponse:
    """Send `head` (request line and headers, CRLF-terminated) and then `body_parts` over a plain
    socket, and read one response. Sending stops as soon as the server has answered, so an early
    refusal (413) is read instead of being lost to a reset connection."""
    u = urlsplit(base_url)
    assert u.hostname and u.port
    with socket.create_connection((u.hostname, u.port), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, f"the server closed the connection without an answer: {data!r}"
            data += chunk
        raw_head, _, body = data.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return RawResponse(status=status, headers=headers, body=body[:length])
