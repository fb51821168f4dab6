"""Console sessions: ``POST /api/v1/auth/session`` sets an HttpOnly cookie; the cookie authenticates
reads; every unsafe method also needs the session's CSRF token in ``X-CSRF-Token``;
``DELETE /api/v1/auth/session`` ends it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.support import assert_unauthorized, row_counts, security_events
from tests.conftest import PASSWORD, Cast, assert_problem

SESSION = "/api/v1/auth/session"


@pytest.fixture
def browser(live_cast: Cast) -> Iterator[httpx.Client]:
    """A client that keeps cookies, as a browser does, and sends no Authorization header."""
    with httpx.Client(base_url=live_cast.base_url or "", timeout=30) as client:
        yield client


def _sign_in(cast: Cast, client: httpx.Client, who: str = "ada") -> str:
    r = client.post(
        SESSION, json={"workspace": cast.slug, "email": f"{who}@{cast.slug}.test", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    csrf: str = r.json()["csrf_token"]
    return csrf


def test_signing_in_sets_an_http_only_cookie(live_cast: Cast, browser: httpx.Client) -> None:
    """The cookie is HttpOnly, SameSite=Lax, has a path and a lifetime; the session id is nowhere in the
    body; the login is audited as a session login."""
    r = browser.post(
        SESSION,
        json={"workspace": live_cast.slug, "email": f"ada@{live_cast.slug}.test", "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("wowdesk_session=wds_")
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower()
    body = r.json()
    assert body["agent"]["id"] == live_cast.agents["ada"].id and len(body["csrf_token"]) >= 32
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert session_id not in r.text  # the session id is only in the cookie, never readable by scripts
    assert security_events(live_cast, "login.succeeded")[0]["detail"] == {"method": "session"}


def test_a_wrong_password_sets_no_cookie(lenient_cast: Cast) -> None:
    """A wrong password: 401, no cookie, audited."""
    with httpx.Client(base_url=lenient_cast.base_url or "", timeout=30) as browser:
        r = browser.post(
            SESSION,
            json={
                "workspace": lenient_cast.slug,
                "email": f"ada@{lenient_cast.slug}.test",
                "password": "nope",
            },
        )
        assert_unauthorized(r)
        assert "set-cookie" not in r.headers and not browser.cookies
    assert security_events(lenient_cast, "login.failed")[0]["detail"] == {"method": "session"}


def test_the_cookie_authenticates_reads(live_cast: Cast, browser: httpx.Client) -> None:
    """GET /me and the ticket list with only the cookie."""
    _sign_in(live_cast, browser)
    me = browser.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == live_cast.agents["ada"].id
    assert browser.get("/api/v1/tickets").status_code == 200


async def test_unsafe_methods_need_the_csrf_token(live_cast: Cast, browser: httpx.Client) -> None:
    """Tried: POST, PATCH and DELETE with the cookie but no X-CSRF-Token, with an empty one, with
    another session's token, with the right one in a different header name; all 403, nothing
    written. Then with the right token: done."""
    csrf = _sign_in(live_cast, browser)
    with httpx.Client(base_url=live_cast.base_url or "", timeout=30) as other_browser:
        other_csrf = _sign_in(live_cast, other_browser, "ada")
    assert other_csrf != csrf
    new_customer = {"name": "From the console"}
    me_patch = {"name": "Ada L."}
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": other_csrf}, {"X-XSRF-Token": csrf}):
        body = assert_problem(browser.post("/api/v1/customers", json=new_customer, headers=headers), 403)
        assert "CSRF" in body["detail"]
        assert_problem(browser.patch("/api/v1/me", json=me_patch, headers=headers), 403)
        assert_problem(browser.delete(SESSION, headers=headers), 403)
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before
    assert browser.get("/api/v1/me").json()["name"] == "Ada"  # the session still works, unchanged
    r = browser.post("/api/v1/customers", json=new_customer, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    r = browser.patch("/api/v1/me", json=me_patch, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["name"] == "Ada L."


def test_signing_out_ends_the_session(live_cast: Cast, browser: httpx.Client) -> None:
    """DELETE /auth/session with the CSRF token: the cookie is cleared, and the old cookie, sent again, is
    refused."""
    csrf = _sign_in(live_cast, browser)
    cookie = browser.cookies["wowdesk_session"]
    r = browser.delete(SESSION, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 204, r.text
    assert "wowdesk_session=" in r.headers["set-cookie"] and "max-age=0" in r.headers["set-cookie"].lower()
    assert_unauthorized(browser.get("/api/v1/me"))
    # Replaying the old cookie does not bring the session back.
    with httpx.Client(base_url=live_cast.base_url or "", timeout=30) as replay:
        r = replay.get("/api/v1/me", headers={"Cookie": f"wowdesk_session={cookie}"})
        body = assert_unauthorized(r)
        assert "session" in body["detail"]


def test_a_made_up_cookie_is_refused(live_cast: Cast) -> None:
    """Tried: an invented session id, an empty one, 4000 characters, a percent-encoded NUL."""
    with httpx.Client(base_url=live_cast.base_url or "", timeout=30) as client:
        for value in ("wds_made-up", "", "x" * 4000, "%00"):
            r = client.get("/api/v1/me", headers={"Cookie": f"wowdesk_session={value}"})
            assert_unauthorized(r)


def test_a_password_change_ends_the_agents_sessions(live_cast: Cast, browser: httpx.Client) -> None:
    """Ada changes her password by token; her console session ends."""
    _sign_in(live_cast, browser)
    r = live_cast.api("ada").patch(
        "/api/v1/me", json={"password": "Another-password-7", "current_password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    assert_unauthorized(browser.get("/api/v1/me"))


def test_deactivation_ends_the_agents_sessions(live_cast: Cast, browser: httpx.Client) -> None:
    """Bob's session ends when he is deactivated, and stays ended when he is reactivated."""
    bob = f"/api/v1/agents/{live_cast.agents['bob'].id}"
    assert live_cast.api("ada").patch(bob, json={"password": "Bobs-password-1"}).status_code == 200
    r = browser.post(
        SESSION,
        json={
            "workspace": live_cast.slug,
            "email": f"bob@{live_cast.slug}.test",
            "password": "Bobs-password-1",
        },
    )
    assert r.status_code == 200, r.text
    assert browser.get("/api/v1/me").status_code == 200
    assert live_cast.api("ada").patch(bob, json={"active": False}).status_code == 200
    assert_unauthorized(browser.get("/api/v1/me"))
    assert live_cast.api("ada").patch(bob, json={"active": True}).status_code == 200
    assert_unauthorized(browser.get("/api/v1/me"))


def test_a_bearer_token_needs_no_csrf_token(live_cast: Cast) -> None:
    """CSRF protects cookies a browser sends by itself; an Authorization header is never sent
    by itself, so token and API-key callers do not need one."""
    r = live_cast.api("alice").post("/api/v1/customers", json={"name": "Token caller"})
    assert r.status_code == 201, r.text
