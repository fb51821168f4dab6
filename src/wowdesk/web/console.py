"""What every console page needs: the signed-in agent (or a way to the login page), CSRF checked
on every form, the agent's language and time zone, and the page rendered with all of it.

A console request is a browser's: its answer is a page, a redirect, or — when the page's script
sent it (``X-WowDesk-Fetch: 1``) — a small JSON document with the fragments to put in place or the
error to show next to what the agent typed."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.models import AuthSession, Workspace
from wowdesk.core.actor import Actor
from wowdesk.core.errors import DomainError, Forbidden
from wowdesk.core.i18n import N_, current_language, negotiate, set_language
from wowdesk.core.security import constant_time_equals
from wowdesk.core.statements import counting
from wowdesk.core.validation import AUTO_LANGUAGE
from wowdesk.http.deps import SAFE_METHODS, SESSION_COOKIE, SessionDep, get_runtime, resolve_cookie
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.web.templates import render

FETCH_HEADER = "x-wowdesk-fetch"
CSRF_FIELD = "csrf_token"
LANGUAGE_COOKIE = "wowdesk_lang"  # the language chosen on the login page, before anyone signed in


class LoginRequired(Exception):
    """No valid session: a page goes to the login form (and back afterwards)."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__("login required")
        self.next_url = next_url


def wants_fragment(request: Request) -> bool:
    return request.headers.get(FETCH_HEADER) == "1"


def browser_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in ("en", "zh-Hant", "zh-Hans"):
        return chosen
    return negotiate(request.headers.get("accept-language"))


@dataclass
class Console:
    """The signed-in agent as the console sees them."""

    request: Request
    actor: Actor
    auth: AuthSession
    workspace: Workspace
    language: str

    @property
    def csrf(self) -> str:
        return self.auth.csrf_token

    @property
    def time_zone(self) -> str:
        return self.actor.time_zone

    def can(self, permission: str) -> bool:
        return self.actor.can(permission)


async def _check_csrf(request: Request, expected: str) -> None:
    given = request.headers.get("x-csrf-token", "")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else ""
    if not given or not constant_time_equals(given, expected):
        raise Forbidden(N_("This form has expired. Reload the page and try again."))


async def console(request: Request, session: SessionDep) -> Console:
    rt = get_runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    resolved = (
        await resolve_cookie(rt, session, cookie, read_only=request.method in SAFE_METHODS)
        if cookie
        else None
    )
    if resolved is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(here if request.method in SAFE_METHODS else "/")
    actor, auth = resolved
    if request.method not in SAFE_METHODS:
        await _check_csrf(request, auth.csrf_token)
    language = browser_language(request) if actor.language == AUTO_LANGUAGE else actor.language
    set_language(language)
    workspace = await accounts.get_workspace(session, actor.workspace_id)
    return Console(request=request, actor=actor, auth=auth, workspace=workspace, language=current_language())


ConsoleDep = Annotated[Console, Depends(console)]


def needs(permission: str) -> Callable[[Console], Coroutine[Any, Any, Console]]:
    async def check(c: ConsoleDep) -> Console:
        if not c.can(permission):
            raise Forbidden()
        return c

    return check


def page(c: Console | None, template: str, *, http_status: int = 200, **context: Any) -> HTMLResponse:
    """A whole page, with what every page shows (the agent, their language, the CSRF token)."""
    html = render(template, console=c, lang=current_language(), **context)
    return HTMLResponse(html, status_code=http_status, headers={"Cache-Control": "no-store"})


def fragment(template: str, **context: Any) -> str:
    return render(template, lang=current_language(), **context)


def done(
    request: Request, to: str, *, message: str | None = None, html: dict[str, str] | None = None
) -> Response:
    """A form did what it should: the script gets the fragments to swap in (CSS selector → HTML)
    and a message to show; a page without the script goes to `to`."""
    if wants_fragment(request):
        body = {"ok": True, "redirect": to, "html": html or {}, "message": message}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})
    return Response(status_code=303, headers={"Location": to})


def login_url(next_url: str) -> str:
    return "/login" if next_url in ("", "/") else f"/login?next={quote(next_url, safe='')}"


def problem_json(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, **extra}, status_code=status)


def error_message(exc: DomainError) -> str:
    from wowdesk.core.i18n import translate

    return translate(exc.message, None, **exc.params)


class ConsoleRoute(StandardJSONRoute):
    """Console routes: the request's unit of work like the API's, and a ``Server-Timing`` header
    with the time the server spent on the page (what bench/console_pages.py reports), the CPU time
    of the event loop's thread meanwhile (``cpu``: the page's own work when nothing else ran
    alongside, whatever else ran on the machine) and how many SQL statements it ran
    (``sql;desc="12"``: what the tests hold to a bound)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def timed(request: Request) -> Response:
            started, cpu = time.perf_counter(), time.thread_time()
            with counting() as statements:
                response = await handler(request)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.thread_time() - cpu) * 1000
            response.headers["Server-Timing"] = (
                f'app;dur={elapsed:.1f}, cpu;dur={cpu:.1f}, sql;desc="{statements[0]}"'
            )
            return response

        return timed


def session_of(c: Console) -> AsyncSession:
    """The unit of work's session of a console request (already opened by ``console``)."""
    from wowdesk.http.routing import UOW_SESSION

    s: AsyncSession = getattr(c.request.state, UOW_SESSION)
    return s
