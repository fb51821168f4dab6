"""Signing in with workspace + e-mail + password, for the API (token, session) and the console's
login form alike: failed attempts limited, the slow password check outside any transaction, every
attempt in the security log."""

from __future__ import annotations

import datetime as dt

import anyio
from starlette.requests import HTTPConnection
from starlette.responses import Response

from wowdesk.accounts import actions, queries
from wowdesk.accounts.models import Agent, AuthSession
from wowdesk.core.errors import TooManyRequests
from wowdesk.core.runtime import Runtime
from wowdesk.core.security import verify_password
from wowdesk.http.deps import SESSION_COOKIE, client_ip


async def authenticate(
    rt: Runtime, request: HTTPConnection, workspace: str, email: str, password: str, method: str
) -> Agent | None:
    """The agent these credentials sign in, or None. Raises TooManyRequests past the limits.

    The attempt is counted for the e-mail *before* the password is checked (and forgotten again on
    success): counting only after the slow check would let any number of parallel guesses pass
    the limit while none of them has been counted yet."""
    s = rt.settings
    ip = client_ip(request) or "?"
    email_key = f"login:{workspace.strip().lower()}:{email.strip().lower()}"
    ip_key = f"login-ip:{ip}"
    window = s.login_window_seconds
    if await rt.limiter.count(ip_key, window) >= s.login_max_failures * 5:
        raise TooManyRequests(retry_after=rt.limiter.retry_after(window))
    if await rt.limiter.hit(email_key, window) > s.login_max_failures:
        raise TooManyRequests(retry_after=rt.limiter.retry_after(window))
    async with rt.uow(write=False) as session:
        ws, agent = await queries.find_login(session, workspace, email)
    ok = await anyio.to_thread.run_sync(verify_password, agent.password_hash if agent else None, password)
    ok = ok and agent is not None and agent.active
    if ws is not None:
        async with rt.uow() as session:
            agent = await queries.find_agent(session, ws.id, agent.id) if agent is not None else None
            await actions.do_record_login(
                session,
                ws.id,
                agent,
                success=ok,
                email=email,
                ip=ip,
                user_agent=request.headers.get("user-agent"),
                method=method,
            )
    if not ok:
        await rt.limiter.hit(ip_key, window)  # the e-mail's count already holds this attempt
        return None
    await rt.limiter.reset(email_key, window)
    return agent


async def start_session(
    rt: Runtime, request: HTTPConnection, agent: Agent, *, remember: bool
) -> tuple[AuthSession, str]:
    """A console session for a signed-in agent: its record and the cookie value that names it.
    Remembered: valid ``session_days`` on this browser. Not remembered: ends with the browser, and
    after ``session_idle_hours`` without a request."""
    s = rt.settings
    async with rt.uow() as session:
        return await actions.do_start_session(
            session,
            agent,
            lifetime=dt.timedelta(days=s.session_days)
            if remember
            else dt.timedelta(hours=s.session_idle_hours),
            remember=remember,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )


def set_session_cookie(response: Response, rt: Runtime, cookie: str, *, remember: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=rt.settings.session_days * 86400 if remember else None,
        httponly=True,
        samesite="lax",
        secure=rt.settings.env == "production",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
