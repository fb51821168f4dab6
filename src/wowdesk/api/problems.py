"""Errors as RFC 9457 problem documents (``application/problem+json``), in the caller's language."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wowdesk.core.errors import DomainError, TooManyRequests
from wowdesk.core.i18n import N_, Invalid, _

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


# Pydantic's own messages, by error type, in our three languages ({…} are the error's context).
PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not allowed."),
    "string_type": N_("Must be text."),
    "int_type": N_("Must be a whole number."),
    "int_parsing": N_("Must be a whole number."),
    "int_from_float": N_("Must be a whole number."),
    "float_type": N_("Must be a number."),
    "float_parsing": N_("Must be a number."),
    "finite_number": N_("Must be a number."),
    "bool_type": N_("Must be true or false."),
    "bool_parsing": N_("Must be true or false."),
    "list_type": N_("Must be a list."),
    "dict_type": N_("Must be an object."),
    "model_type": N_("Must be an object."),
    "model_attributes_type": N_("Must be an object."),
    "literal_error": N_("Must be one of: {expected}."),
    "enum": N_("Must be one of: {expected}."),
    "string_too_short": N_("Must be at least {min_length} characters long."),
    "string_too_long": N_("Must be at most {max_length} characters long."),
    "too_short": N_("Must have at least {min_length} items."),
    "too_long": N_("Must have at most {max_length} items."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "greater_than": N_("Must be greater than {gt}."),
    "less_than_equal": N_("Must be at most {le}."),
    "less_than": N_("Must be less than {lt}."),
    "string_pattern_mismatch": N_("Does not have the expected format."),
    "date_type": N_("Must be a date like 2026-11-23."),
    "date_parsing": N_("Must be a date like 2026-11-23."),
    "date_from_datetime_parsing": N_("Must be a date like 2026-11-23."),
    "datetime_type": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
    "datetime_parsing": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
    "datetime_from_date_parsing": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
}


def validation_message(error: Any) -> str:
    """One validation error in the request's language: our own messages (``Invalid``) and the
    common Pydantic ones are translated; anything else keeps Pydantic's English text."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Invalid):
        return cause.localized()
    template = PYDANTIC_MESSAGES.get(str(error.get("type")))
    if template is not None:
        try:
            return _(template, **{k: v for k, v in ctx.items() if k != "error"})
        except (KeyError, IndexError, ValueError):
            pass
    msg = str(error.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


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
