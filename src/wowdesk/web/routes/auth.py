"""Signing in and out of the console: a form with workspace, e-mail and password (CSRF-protected
before anyone is signed in by a double-submit cookie), "remember me", and the language picker of
the login page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from wowdesk.accounts import actions
from wowdesk.core.errors import TooManyRequests
from wowdesk.core.i18n import LANGUAGES, _, set_language
from wowdesk.core.security import constant_time_equals
from wowdesk.http.deps import SESSION_COOKIE, RuntimeDep, SessionDep, resolve_cookie
from wowdesk.http.login import authenticate, clear_session_cookie, set_session_cookie, start_session
from wowdesk.web.console import CSRF_FIELD, LANGUAGE_COOKIE, ConsoleDep, ConsoleRoute, browser_language, page

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

LOGIN_CSRF_COOKIE = "wowdesk_login_csrf"


@dataclass
class LoginForm:
    workspace: str = ""
    email: str = ""
    remember: bool = False


def safe_next(value: str | None) -> str:
    """Only a path of this site: never another origin (``//evil.example``, ``https://…``)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or "\n" in value
        or "\r" in value
    ):
        return "/inbox"
    return value[:2000]


def _login_page(
    request: Request,
    *,
    next_url: str,
    form: LoginForm | None = None,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    set_language(browser_language(request))
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(
        None,
        "auth/login.html",
        http_status=status,
        csrf=token,
        next=next_url,
        form=form or LoginForm(remember=True),
        error=error,
        notice=notice,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
async def login_form(
    request: Request, rt: RuntimeDep, session: SessionDep, next: str | None = None
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and await resolve_cookie(rt, session, cookie, read_only=True) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = _("You are signed out.") if request.query_params.get("signed_out") else None
    return _login_page(request, next_url=safe_next(next), notice=notice)


@router.post("/login")
async def login(
    request: Request,
    rt: RuntimeDep,
    workspace: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    remember: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
) -> Response:
    form = LoginForm(workspace=workspace.strip(), email=email.strip(), remember=bool(remember))
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not constant_time_equals(csrf_token, expected):
        return _login_page(
            request, next_url=target, form=form, status=403,
            error=_("This form has expired. Please sign in again."),
        )  # fmt: skip
    if not form.workspace or not form.email or not password:
        return _login_page(
            request, next_url=target, form=form, status=422,
            error=_("Enter your workspace, e-mail and password."),
        )  # fmt: skip
    try:
        agent = await authenticate(rt, request, form.workspace, form.email, password, "console")
    except TooManyRequests as exc:
        minutes = max(1, round((exc.retry_after or 60) / 60))
        return _login_page(
            request, next_url=target, form=form, status=429,
            error=_("Too many attempts. Try again in {minutes} minutes.", minutes=minutes),
        )  # fmt: skip
    if agent is None:
        return _login_page(
            request, next_url=target, form=form, status=401,
            error=_("The workspace, e-mail or password is not right."),
        )  # fmt: skip
    _auth, cookie = await start_session(rt, request, agent, remember=form.remember)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, rt, cookie, remember=form.remember)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(c: ConsoleDep, session: SessionDep) -> Response:
    await actions.do_end_session(session, c.auth)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/login/language/{language}")
async def login_language(language: str, next: str | None = None) -> Response:
    target = f"/login?next={quote(safe_next(next), safe='')}" if next else "/login"
    response = RedirectResponse(target, status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", path="/")
    return response
