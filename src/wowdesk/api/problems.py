"""Errors as RFC 9457 problem documents (``application/problem+json``), in the caller's language."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wowdesk.core.errors import DomainError, TooManyRequests
from wowdesk.core.i18n import N_, _
from wowdesk.http.validation import validation_message

log = logging.getLogger("wowdesk.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://wowdesk.dev/problems/"

TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Payload too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
    503: N_("Service unavailable"),
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (code or str(status)),
        "title": _(TITLES.get(status, "Error")),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    if exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return problem(
        exc.status,
        exc.localized(None),
        code=exc.code,
        instance=request.url.path,
        headers=headers,
        **exc.extra,
    )


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(
            400, _("The request body is not valid JSON."), code="malformed-json", instance=request.url.path
        )
    items = [
        {"field": _loc(tuple(e.get("loc", ()))), "message": validation_message(e), "type": e.get("type")}
        for e in errors[:50]
    ]
    return problem(
        422,
        _("Some fields are missing or not valid."),
        code="invalid-input",
        instance=request.url.path,
        errors=items,
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = None
    if exc.status_code == 404:
        detail = _("There is nothing at this address.")
    elif exc.status_code == 405:
        detail = _("This address does not accept {method}.", method=request.method)
    elif isinstance(exc.detail, str) and exc.detail:
        detail = exc.detail
    return problem(
        exc.status_code, detail, instance=request.url.path, headers=dict(exc.headers or {}) or None
    )


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        _("Something went wrong on our side. Nothing was saved; please try again."),
        instance=request.url.path,
    )
