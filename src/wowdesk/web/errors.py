"""Errors on console pages: a readable page in the agent's language (or, for the page's script,
a small JSON document it shows next to what the agent typed) instead of the API's problem JSON."""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wowdesk.core.errors import DomainError
from wowdesk.core.i18n import N_, _
from wowdesk.web.console import LoginRequired, login_url, wants_fragment
from wowdesk.web.templates import render

log = logging.getLogger("wowdesk.web")

# Paths that are not the console's: the API, sockets, documentation, health probes.
NOT_CONSOLE = ("/api/", "/ws/", "/openapi.json", "/docs", "/assets/", "/healthz", "/readyz", "/widget.js")

TITLES = {
    400: N_("Something is wrong with this request"),
    401: N_("Please sign in"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not found"),
    409: N_("This changed meanwhile"),
    413: N_("Too large"),
    415: N_("Unsupported file"),
    422: N_("Some fields need another look"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}


def is_console(request: Request) -> bool:
    """An error for the console (an HTML page, or the fragment JSON its script reads): a console
    path asked by a browser or by the console's own script. Anything else — the API, a program
    asking for a path that does not exist — gets the problem JSON every API error is."""
    if request.url.path.startswith(NOT_CONSOLE):
        return False
    return wants_fragment(request) or "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, message: str) -> Response:
    if wants_fragment(request):
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    html = render(
        "errors/error.html",
        console=None,
        status=status,
        title=_(TITLES.get(status, TITLES[500])),
        message=message,
        back=request.headers.get("referer") or "/",
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


async def login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if wants_fragment(request) or request.method not in ("GET", "HEAD"):
        message = _("Your session has ended. Sign in again in another tab; what you typed is kept here.")
        return JSONResponse(
            {"ok": False, "error": message, "login": login_url(exc.next_url)},
            status_code=401,
        )
    return RedirectResponse(login_url(exc.next_url), status_code=303)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_page(request, exc.status, exc.localized(None))


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_page(request, 422, _("Some fields are missing or not valid."))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (404, 405):
        return error_page(request, 404, _("There is nothing at this address."))
    return error_page(request, exc.status_code, str(exc.detail or ""))


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(
        request, 500, _("Something went wrong on our side. Nothing was saved; please try again.")
    )
