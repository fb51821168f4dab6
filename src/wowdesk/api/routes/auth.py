from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from wowdesk.accounts import actions, queries
from wowdesk.accounts.schemas import AgentOut, LoginIn, SessionIn, SessionOut, TokenOut
from wowdesk.api.problems import problem
from wowdesk.core.i18n import _
from wowdesk.http.deps import SESSION_COOKIE, ActorDep, RuntimeDep, SessionDep
from wowdesk.http.login import authenticate, clear_session_cookie, set_session_cookie, start_session
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=StandardJSONRoute)


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
    agent = await authenticate(rt, request, data.workspace, data.email, data.password, "token")
    if agent is None:
        return _bad_login()
    tok, expires = rt.signer.issue(
        user_id=agent.id, workspace_id=agent.workspace_id, version=agent.token_version, now=rt.clock.now()
    )
    return JSONResponse(TokenOut(access_token=tok, expires_in=expires).model_dump())


@router.post("/session", response_model=SessionOut, summary="Sign in to the console (session cookie)")
async def begin_session(data: SessionIn, request: Request, rt: RuntimeDep) -> Response:
    agent = await authenticate(rt, request, data.workspace, data.email, data.password, "session")
    if agent is None:
        return _bad_login()
    auth, cookie = await start_session(rt, request, agent, remember=data.remember)
    out = SessionOut(
        csrf_token=auth.csrf_token, expires_at=auth.expires_at, agent=AgentOut.model_validate(agent)
    )
    response = JSONResponse(out.model_dump(mode="json"))
    set_session_cookie(response, rt, cookie, remember=data.remember)
    return response


@router.delete("/session", status_code=204, summary="Sign out of the console")
async def end_session(request: Request, session: SessionDep, actor: ActorDep, rt: RuntimeDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = await queries.resolve_session(session, cookie, rt.clock.now())
        if found is not None:
            await actions.do_end_session(session, found[1])
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response
