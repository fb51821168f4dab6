"""Ticket custom fields: what agents fill in on a ticket (text, number, date, a drop-down list, a
checkbox), labelled in each language, optionally needed before a ticket may be solved. A field no
ticket has a value for may be deleted; one in use is deactivated instead."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import FieldCreate, FieldUpdate
from wowdesk.web.console import Console, ConsoleRoute, done
from wowdesk.web.forms import FormLike, checked, number, parse, text
from wowdesk.web.labels import FIELD_TYPE
from wowdesk.web.routes.admin.common import (
    MAX_SHOWN,
    CanManageFields,
    admin_page,
    lines,
    or_again,
)

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

LABEL_LANGUAGES = ("en", "zh-Hant", "zh-Hans")
MAX_LABEL = 200  # as the field's own label


def _labels(form: FormLike) -> dict[str, str]:
    labels = {code: text(form, f"label_{code}") for code in LABEL_LANGUAGES}
    if any(len(words) > MAX_LABEL for words in labels.values()):
        raise InvalidInput(N_("A label is at most {max} characters."), max=MAX_LABEL)
    return {code: words for code, words in labels.items() if words}


def _options(form: FormLike) -> list[str]:
    options = lines(form, "options")
    if any(len(o) > MAX_LABEL for o in options):
        raise InvalidInput(N_("A dropdown option is at most 200 characters."))
    return options


def _typed(form: FormLike) -> dict[str, Any]:
    """What the admin typed, to show again with the reason it was refused."""
    return {
        "key": text(form, "key"),
        "label": text(form, "label"),
        "labels": {code: text(form, f"label_{code}") for code in LABEL_LANGUAGES},
        "type": text(form, "type"),
        "options": text(form, "options"),
        "required_to_solve": checked(form, "required_to_solve"),
        "active": checked(form, "active"),
        "position": text(form, "position"),
    }


async def _index(
    session: AsyncSession,
    c: Console,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = await queries.list_fields(session, c.actor)
    return await admin_page(
        session,
        c,
        "admin/fields.html",
        "fields",
        status=status,
        fields=rows[:MAX_SHOWN],
        more=len(rows) > MAX_SHOWN,
        types=list(FIELD_TYPE),
        languages=LABEL_LANGUAGES,
        values=values or {"type": "text", "labels": {}, "position": "0"},
        error=error,
    )


async def _one(
    session: AsyncSession,
    c: Console,
    field_id: int,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    field = await queries.get_field(session, c.actor, field_id)
    if values is None:
        values = {
            "label": field.label,
            "labels": dict(field.labels or {}),
            "options": "\n".join(field.options or []),
            "required_to_solve": field.required_to_solve,
            "active": field.active,
            "position": str(field.position),
        }
    return await admin_page(
        session,
        c,
        "admin/field.html",
        "fields",
        status=status,
        field=field,
        languages=LABEL_LANGUAGES,
        values=values,
        error=error,
    )


@router.get("/admin/fields")
async def index(c: CanManageFields, session: SessionDep) -> Response:
    return await _index(session, c)


@router.post("/admin/fields")
async def create(request: Request, c: CanManageFields, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        kind = text(form, "type")
        data: dict[str, Any] = {
            "key": text(form, "key"),
            "label": text(form, "label"),
            "labels": _labels(form),
            "type": kind,
            "required_to_solve": checked(form, "required_to_solve"),
            "position": number(form, "position", 0),
        }
        if kind == "dropdown":  # the options box is there for every type; only a list has options
            data["options"] = _options(form)
        field = await actions.do_create_field(session, c.actor, parse(FieldCreate, data))
        return done(request, "/admin/fields", message=_("The field {label} is created.", label=field.label))

    async def again(error: str, status: int) -> Response:
        return await _index(session, c, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.get("/admin/fields/{field_id}")
async def show(field_id: IdPath, c: CanManageFields, session: SessionDep) -> Response:
    return await _one(session, c, field_id)


@router.post("/admin/fields/{field_id}")
async def update(field_id: IdPath, request: Request, c: CanManageFields, session: SessionDep) -> Response:
    form = await request.form()
    field = await queries.get_field(session, c.actor, field_id)

    async def act() -> Response:
        data: dict[str, Any] = {
            "label": text(form, "label"),
            "labels": _labels(form),
            "required_to_solve": checked(form, "required_to_solve"),
            "active": checked(form, "active"),
            "position": number(form, "position", 0),
        }
        if field.type == "dropdown":
            data["options"] = _options(form)
        await actions.do_update_field(session, c.actor, field, parse(FieldUpdate, data))
        return done(request, f"/admin/fields/{field_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _one(session, c, field_id, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.post("/admin/fields/{field_id}/delete")
async def delete(field_id: IdPath, request: Request, c: CanManageFields, session: SessionDep) -> Response:
    field = await queries.get_field(session, c.actor, field_id)
    label = field.label
    await actions.do_delete_field(session, c.actor, field)
    return done(request, "/admin/fields", message=_("The field {label} is deleted.", label=label))
