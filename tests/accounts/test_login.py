"""Password login over HTTP (``POST /api/v1/auth/token``): the right password gives a bearer token;
every wrong answer looks the same; deactivated agents are refused; failures are rate-limited per
address and per workspace+e-mail; every attempt is in the security audit, which only admins read."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.support import assert_unauthorized, login, security_events
from tests.conftest import PASSWORD, Api, Cast, LiveServer, assert_problem

BAD_LOGIN = "The workspace, e-mail or password is not right."
LONG_WINDOW = 10_000_000  # fixed windows this long are never crossed during a test


def _login(api: Api, workspace: str, email: str, password: str) -> httpx.Response:
    return api.post("/api/v1/auth/token", json={"workspace": workspace, "email": email, "password": password})


def _add_agent_with_password(cast: Cast, key: str, role: str = "agent") -> str:
    """Ada adds an agent who can sign in; returns their e-mail."""
    email = f"{key}@{cast.slug}.test"
    r = cast.api("ada").post(
        "/api/v1/agents", json={"email": email, "name": key.title(), "role": role, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    return email


def test_the_right_password_gives_a_bearer_token_that_works(live_cast: Cast) -> None:
    """Ada's password gives a bearer token; the answer holds nothing else."""
    r = login(live_cast, "ada")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert set(body) == {"access_token", "token_type", "expires_in"}
    me = live_cast.api(None).get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == live_cast.agents["ada"].id and me.json()["role"] == "admin"
    assert "password" not in me.text


def test_workspace_and_email_are_matched_case_insensitively(live_cast: Cast) -> None:
    """Slug and e-mail in capitals."""
    r = _login(live_cast.api(None), live_cast.slug.upper(), f"ADA@{live_cast.slug.upper()}.TEST", PASSWORD)
    assert r.status_code == 200, r.text


def test_wrong_password_unknown_email_and_unknown_workspace_all_look_the_same(lenient_cast: Cast) -> None:
    """Tried: a wrong password, an e-mail nobody has, a workspace that does not exist, an agent who
    has no password (with the password the timing equaliser uses), an e-mail that is not one."""
    anon = lenient_cast.api(None)
    ws, ada = lenient_cast.slug, f"ada@{lenient_cast.slug}.test"
    answers = [
        _login(anon, ws, ada, PASSWORD + "x"),
        _login(anon, ws, f"nobody@{ws}.test", PASSWORD),
        _login(anon, "no-such-workspace-at-all", ada, PASSWORD),
        _login(anon, ws, f"alice@{ws}.test", "wowdesk-timing-equaliser"),
        _login(anon, ws, "not an e-mail", PASSWORD),
    ]
    bodies = [assert_unauthorized(r) for r in answers]
    assert {b["detail"] for b in bodies} == {BAD_LOGIN}
    assert {b["type"] for b in bodies} == {"https://wowdesk.dev/problems/bad-credentials"}
    assert all("access_token" not in r.text for r in answers)


async def test_an_agent_cannot_log_in_to_another_workspace(
    lenient_cast: Cast, other_cast_factory: Any
) -> None:
    """Ada's e-mail and password, with the slug of a workspace she does not belong to."""
    other = await other_cast_factory()
    r = _login(lenient_cast.api(None), other.slug, f"ada@{lenient_cast.slug}.test", PASSWORD)
    assert assert_unauthorized(r)["detail"] == BAD_LOGIN
    # Both workspaces have an "ada@…" admin with the same password: each gets their own.
    r = _login(lenient_cast.api(None), other.slug, f"ada@{other.slug}.test", PASSWORD)
    me = lenient_cast.api(None).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.json()["id"] == other.agents["ada"].id and me.json()["workspace"]["slug"] == other.slug


def test_a_deactivated_agent_cannot_log_in(lenient_cast: Cast) -> None:
    """Carol logs in, is deactivated, and gets the same 401 as a wrong password; the failure is audited."""
    email = _add_agent_with_password(lenient_cast, "carol")
    anon = lenient_cast.api(None)
    assert _login(anon, lenient_cast.slug, email, PASSWORD).status_code == 200
    carol = lenient_cast.api("ada").get("/api/v1/agents", params={"role": "agent"}).json()
    carol_id = next(a["id"] for a in carol if a["email"] == email)
    r = lenient_cast.api("ada").patch(f"/api/v1/agents/{carol_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    body = assert_unauthorized(_login(anon, lenient_cast.slug, email, PASSWORD))
    assert body["detail"] == BAD_LOGIN  # the same answer as a wrong password: nothing to learn
    failed = security_events(lenient_cast, "login.failed")
    assert failed[0]["agent_id"] == carol_id and failed[0]["email"] == email


def test_every_login_attempt_is_in_the_security_audit(lenient_cast: Cast) -> None:
    """A wrong password, an unknown e-mail, a success: three events with agent, e-mail, address, user agent
    and method, and no password."""
    anon = lenient_cast.api(None)
    ws = lenient_cast.slug
    ua = {"User-Agent": "audit-probe/1.0"}
    anon.post(
        "/api/v1/auth/token",
        json={"workspace": ws, "email": f"ada@{ws}.test", "password": "wrong-password"},
        headers=ua,
    )
    anon.post(
        "/api/v1/auth/token",
        json={"workspace": ws, "email": f"ghost@{ws}.test", "password": "wrong-password"},
        headers=ua,
    )
    ok = anon.post(
        "/api/v1/auth/token",
        json={"workspace": ws, "email": f"ada@{ws}.test", "password": PASSWORD},
        headers=ua,
    )
    assert ok.status_code == 200
    events = security_events(lenient_cast)
    logins = [e for e in events if e["kind"].startswith("login.")][:3]  # newest first
    assert [(e["kind"], e["agent_id"], e["email"]) for e in logins] == [
        ("login.succeeded", lenient_cast.agents["ada"].id, f"ada@{ws}.test"),
        ("login.failed", None, f"ghost@{ws}.test"),
        ("login.failed", lenient_cast.agents["ada"].id, f"ada@{ws}.test"),
    ]
    assert all(e["ip"] == "127.0.0.1" and e["user_agent"] == "audit-probe/1.0" for e in logins)
    assert all(e["detail"] == {"method": "token"} for e in logins)
    assert [e["kind"] for e in security_events(lenient_cast, "login.succeeded")] == ["login.succeeded"]
    assert "wrong-password" not in str(events) and PASSWORD not in str(events)


@pytest.mark.parametrize("who", ["alice", "bob", "sam"])
def test_only_admins_read_the_security_audit(live_cast: Cast, who: str) -> None:
    """Agents and supervisors: 403; nobody: 401."""
    body = assert_problem(live_cast.api(who).get("/api/v1/audit/security-events"), 403)
    assert "permission" in body["detail"]
    assert_unauthorized(live_cast.api(None).get("/api/v1/audit/security-events"))


def test_too_many_failures_lock_the_email_out_with_retry_after(
    cast: Cast, server_factory: Callable[..., LiveServer]
) -> None:
    """Limit 3: three wrong passwords, then a wrong and a right one (both 429 with Retry-After), the
    address in capitals (429), another agent of the workspace (200)."""
    server = server_factory(login_max_failures=3, login_window_seconds=LONG_WINDOW)
    cast.base_url = server.url
    email = _add_agent_with_password(cast, "dora")
    anon = cast.api(None)
    ada = f"ada@{cast.slug}.test"
    for _ in range(3):
        assert_unauthorized(_login(anon, cast.slug, ada, "wrong-password"))
    # The fourth try is refused before the password is even checked — the right one too.
    for password in ("wrong-password", PASSWORD):
        r = _login(anon, cast.slug, ada, password)
        body = assert_problem(r, 429)
        assert "access_token" not in r.text
        retry_after = int(r.headers["retry-after"])
        assert 1 <= retry_after <= LONG_WINDOW
        assert body["type"] == "https://wowdesk.dev/problems/too-many-requests"
    # The same address spelled differently is the same counter.
    assert_problem(_login(anon, cast.slug.upper(), ada.upper(), PASSWORD), 429)
    # Another agent of the workspace is not locked out by Ada's failures.
    assert _login(anon, cast.slug, email, PASSWORD).status_code == 200
    # Refused attempts are not recorded as password checks: three failures, then Dora's success.
    kinds = [e["kind"] for e in security_events(cast) if e["kind"].startswith("login.")]
    assert kinds == ["login.succeeded", "login.failed", "login.failed", "login.failed"]


def test_a_successful_login_resets_the_failure_count(
    cast: Cast, server_factory: Callable[..., LiveServer]
) -> None:
    """Limit 3: two failures, a success, two failures, a success — never locked."""
    server = server_factory(login_max_failures=3, login_window_seconds=LONG_WINDOW)
    cast.base_url = server.url
    anon = cast.api(None)
    ada = f"ada@{cast.slug}.test"
    for _ in range(2):
        assert_unauthorized(_login(anon, cast.slug, ada, "wrong-password"))
    assert _login(anon, cast.slug, ada, PASSWORD).status_code == 200
    for _ in range(2):
        assert_unauthorized(_login(anon, cast.slug, ada, "wrong-password"))
    assert _login(anon, cast.slug, ada, PASSWORD).status_code == 200


def test_many_failures_from_one_address_lock_the_address_out(
    cast: Cast, server_factory: Callable[..., LiveServer]
) -> None:
    """Guessing across many e-mails from one address: after five times the per-e-mail limit, every
    login from that address waits, even a right one for an e-mail that never failed."""
    server = server_factory(login_max_failures=2, login_window_seconds=LONG_WINDOW)
    cast.base_url = server.url
    anon = cast.api(None)
    for i in range(10):
        assert_unauthorized(_login(anon, cast.slug, f"guess{i}@{cast.slug}.test", "x"))
    r = _login(anon, cast.slug, f"ada@{cast.slug}.test", PASSWORD)
    assert_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1


def test_login_input_is_validated(live_cast: Cast) -> None:
    """Tried: no body, malformed JSON, empty password, over-long workspace and e-mail, an unknown
    field, NUL in the e-mail. Each is a 4xx problem, and none is audited as a login."""
    anon = live_cast.api(None)
    ws = live_cast.slug
    before = security_events(live_cast)
    assert_problem(anon.post("/api/v1/auth/token"), 422)
    assert_problem(
        anon.post(
            "/api/v1/auth/token", content=b'{"workspace": ', headers={"content-type": "application/json"}
        ),
        400,
    )
    for body in (
        {"workspace": ws, "email": f"ada@{ws}.test", "password": ""},
        {"workspace": "w" * 41, "email": f"ada@{ws}.test", "password": PASSWORD},
        {"workspace": ws, "email": "a" * 321, "password": PASSWORD},
        {"workspace": ws, "email": f"ada@{ws}.test", "password": PASSWORD, "remember": True},
        {"workspace": ws, "email": f"ada@{ws}.test\x00", "password": PASSWORD},
        {"workspace": ws, "email": f"ada@{ws}.test", "password": "p" * 201},
    ):
        assert_problem(anon.post("/api/v1/auth/token", json=body), 422)
    assert security_events(live_cast) == before


async def test_parallel_guesses_get_no_more_tries_than_the_limit(
    cast: Cast, server_factory: Callable[..., LiveServer]
) -> None:
    """Twelve wrong passwords for one e-mail sent at once, with a limit of three: the password is
    checked three times, the rest wait (429). Checking the count first and adding the failure only
    after the slow password check would let every parallel request through."""
    server = server_factory(login_max_failures=3, login_window_seconds=LONG_WINDOW)
    cast.base_url = server.url
    body = {"workspace": cast.slug, "email": f"ada@{cast.slug}.test", "password": "wrong-password"}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        answers = await asyncio.gather(*(client.post("/api/v1/auth/token", json=body) for _ in range(12)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * 3 + [429] * 9, statuses
    assert len(security_events(cast, "login.failed")) == 3
