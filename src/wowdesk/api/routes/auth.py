from __future__ import annotations

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from wowdesk.accounts import actions, queries
from wowdesk.accounts.models import Agent
from wowdesk.accounts.schemas import AgentOut, LoginIn, SessionOut, TokenOut
from wowdesk.api.deps import SESSION_COOKIE, ActorDep, RuntimeDep, SessionDep, client_ip
from wowdesk.api.problems import problem
from wowdesk.api.routing import StandardJSONRoute
from wowdesk.core.errors import TooManyRequests
from wowdesk.core.i18n import _
from wowdesk.core.runtime import Runtime
from wowdesk.core.security import verify_password

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=StandardJSONRoute)


async def _login(rt: Runtime, request: Request, data: LoginIn, method: str) -> Agent | None:
    """Check a password without holding a database transaction during the (slow) argon2 check.
    Failed attempts are counted per workspace+email and per client address.

    The attempt is counted for the e-mail *before* the password is checked (and forgotten again on
    success): counting only after the slow check would let any number of parallel guesses pass
    the limit while none of them has been counted yet."""
    s = rt.settings
    ip = client_ip(request) or "?"
    email_key = f"login:{data.workspace.lower()}:{data.email.strip().lower()}"
    ip_key = f"login-ip:{ip}"
    window = s.login_window_seconds
    if await rt.limiter.count(ip_key, window) >= s.login_max_failures * 5:
        raise TooManyRequests(retry_after=rt.limiter.retry_after(window))
    if await rt.limiter.hit(email_key, window) > s.login_max_failures:
        raise TooManyRequests(retry_after=rt.limiter.retry_after(window))
    async with rt.uow(write=False) as session:
        ws, agent = await queries.find_login(session, data.workspace, data.email)
    ok = await anyio.to_thread.run_sync(
        verify_password, agent.password_hash if agent else None, data.password
    )
    ok = ok and agent is not None and agent.active
    if ws is not None:
        async with rt.uow() as session:
            agent = await queries.find_agent(session, ws.id, agent.id) if agent is not None else None
            await actions.do_record_login(
                session,
                ws.id,
                agent,
                success=ok,
                email=data.email,
                ip=ip,
                user_agent=request.headers.get("user-agent"),
                method=method,
            )
    if not ok:
        await rt.limiter.hit(ip_key, window)  # the e-mail's count already holds this attempt
        return None
    await rt.limiter.reset(email_key, window)
    return agent


def _bad_login() -> JSONResponse:
    return problem(
        401,
        _("The workspace, e-mail or password is not right."),
        code="bad-credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )


@router.post(
    "/token", response_model=TokenOut, summary="Exchange workspace + e-mail + password for a bearer token"
)
async def token(data: LoginIn, request: Request, rt: RuntimeDep) -> Response:
    agent = await _login(rt, request, data, "token")
    if agent is None:
        return _bad_login()
    tok, expires = rt.signer.issue(
        user_id=agent.id, workspace_id=agent.workspace_id, version=agent.token_version, now=rt.clock.now()
    )
    return JSONResponse(TokenOut(access_token=tok, expires_in=expires).model_dump())


@router.post("/session", response_model=SessionOut, summary="Sign in to the console (session cookie)")
async def start_session(data: LoginIn, request: Request, rt: RuntimeDep) -> Response:
    agent = await _login(rt, request, data, "session")
    if agent is None:
        return _bad_login()
    async with rt.uow() as session:
        auth, cookie = await actions.do_start_session(
            session,
            agent,
            days=rt.settings.session_days,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    out = SessionOut(
        csrf_token=auth.csrf_token, expires_at=auth.expires_at, agent=AgentOut.model_validate(agent)
    )
    response = JSONResponse(out.model_dump(mode="json"))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=rt.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=rt.settings.env == "production",
        path="/",
    )
    return response


@router.delete("/session", status_code=204, summary="Sign out of the console")
async def end_session(request: Request, session: SessionDep, actor: ActorDep, rt: RuntimeDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = await queries.resolve_session(session, cookie, rt.clock.now())
        if found is not None:
            await actions.do_end_session(session, found[1])
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
