"""Canned responses: shared ones (supervisors and admins) and each agent's own, inserted in a reply
by typing ``/shortcut``; placeholders are filled with the customer's, ticket's and agent's details."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import INBOX_MANAGE
from wowdesk.core.errors import Forbidden
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.inbox import actions, queries
from wowdesk.inbox.models import CannedResponse
from wowdesk.inbox.schemas import CannedIn, CannedUpdate
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done
from wowdesk.web.forms import FormLike, checked, parse, text
from wowdesk.web.routes.admin.common import admin_page, or_again

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
PLACEHOLDERS = (
    ("{{ customer.name }}", N_("the customer's name")),
    ("{{ ticket.number }}", N_("the ticket's number")),
    ("{{ agent.name }}", N_("your name")),
)


def _mine_to_manage(c: Console, row: CannedResponse) -> CannedResponse:
    """Shared responses are managed by those who may manage the inbox; personal ones by their owner."""
    if row.owner_id is None and not c.can(INBOX_MANAGE):
        raise Forbidden(N_("Only supervisors and admins change what everyone shares."))
    return row


def _typed(form: FormLike) -> dict[str, Any]:
    """What the agent typed, to show again with the reason it was refused."""
    return {
        "shortcut": text(form, "shortcut"),
        "title": text(form, "title"),
        "body": text(form, "body"),
        "language": text(form, "language"),
        "shared": checked(form, "shared"),
    }


def _placeholders() -> list[tuple[str, str]]:
    return [(code, _(words)) for code, words in PLACEHOLDERS]


async def _index(
    session: AsyncSession,
    c: Console,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = await queries.list_canned(session, c.actor)
    manager = c.can(INBOX_MANAGE)
    return await admin_page(
        session,
        c,
        "admin/canned.html",
        "canned",
        status=status,
        canned=rows,
        manager=manager,
        languages=LANGUAGES,
        placeholders=_placeholders(),
        values=values or {"shared": manager},
        error=error,
    )


async def _one(
    session: AsyncSession,
    c: Console,
    row: CannedResponse,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    if values is None:
        values = {
            "shortcut": row.shortcut,
            "title": row.title,
            "body": row.body,
            "language": row.language or "",
        }
    return await admin_page(
        session,
        c,
        "admin/canned_one.html",
        "canned",
        status=status,
        item=row,
        languages=LANGUAGES,
        placeholders=_placeholders(),
        values=values,
        error=error,
    )


@router.get("/admin/canned")
async def index(c: ConsoleDep, session: SessionDep) -> Response:
    return await _index(session, c)


@router.post("/admin/canned")
async def create(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        data = parse(
            CannedIn,
            {
                "shortcut": text(form, "shortcut"),
                "title": text(form, "title"),
                "body": text(form, "body"),
                "language": text(form, "language") or None,
                "shared": c.can(INBOX_MANAGE) and checked(form, "shared"),
            },
        )
        row = await actions.do_create_canned(session, c.actor, data)
        return done(
            request, "/admin/canned", message=_("/{shortcut} is ready to use.", shortcut=row.shortcut)
        )

    async def again(error: str, status: int) -> Response:
        return await _index(session, c, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.get("/admin/canned/{canned_id}")
async def show(canned_id: IdPath, c: ConsoleDep, session: SessionDep) -> Response:
    row = _mine_to_manage(c, await queries.get_canned(session, c.actor, canned_id))
    return await _one(session, c, row)


@router.post("/admin/canned/{canned_id}")
async def update(canned_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()
    row = _mine_to_manage(c, await queries.get_canned(session, c.actor, canned_id))

    async def act() -> Response:
        data = parse(
            CannedUpdate,
            {
                "shortcut": text(form, "shortcut"),
                "title": text(form, "title"),
                "body": text(form, "body"),
                "language": text(form, "language") or None,
            },
        )
        await actions.do_update_canned(session, c.actor, row, data)
        return done(request, f"/admin/canned/{canned_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _one(session, c, row, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.post("/admin/canned/{canned_id}/delete")
async def delete(canned_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    row = _mine_to_manage(c, await queries.get_canned(session, c.actor, canned_id))
    shortcut = row.shortcut
    await actions.do_delete_canned(session, c.actor, row)
    return done(request, "/admin/canned", message=_("/{shortcut} is deleted.", shortcut=shortcut))
