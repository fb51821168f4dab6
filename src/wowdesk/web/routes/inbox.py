"""The inbox: one list of conversations and tickets, its views (built-in and saved), their counts,
filters and text search, a page at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from wowdesk.accounts import queries as accounts
from wowdesk.conversations import queries as chat
from wowdesk.core.errors import DomainError, InvalidInput
from wowdesk.core.i18n import _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.inbox import actions, queries
from wowdesk.inbox.schemas import ViewFilters, ViewIn, ViewUpdate
from wowdesk.tickets import queries as tickets
from wowdesk.web.console import ConsoleDep, ConsoleRoute, done, fragment, page, wants_fragment
from wowdesk.web.forms import FormErrors, checked, many, parse, text, whole
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 25
FILTER_PARAMS = ("kind", "status", "priority", "channel", "assignee", "team", "my_teams", "tag")


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/inbox", status_code=303)


def filters_from(params: QueryParams | Any, base: ViewFilters) -> ViewFilters:
    """The filters a query string (or a view form) asks for. Without any filter field the view's
    own filters hold; a search (``q``) narrows whatever holds."""
    explicit = params.get("filtered") == "1" or any(params.get(k) for k in FILTER_PARAMS)
    data: dict[str, Any] = base.model_dump() if not explicit else {}
    if explicit:
        assignee = text(params, "assignee")
        data = {
            "kinds": many(params, "kind"),
            "statuses": many(params, "status"),
            "priorities": many(params, "priority"),
            "channels": many(params, "channel"),
            "assignee": whole(assignee) if assignee else None,
            "team_ids": [whole(t) for t in many(params, "team")],
            "my_teams": checked(params, "my_teams"),
            "tag": text(params, "tag") or None,
            "fields": {
                k.removeprefix("field."): v.strip()
                for k, v in params.multi_items()
                if k.startswith("field.") and isinstance(v, str) and v.strip()
            },
        }
    q = text(params, "q")
    data["q"] = q or (None if explicit else base.q)
    return parse(ViewFilters, data)


async def _filter_choices(session: AsyncSession, c: Any) -> dict[str, Any]:
    return {
        "agents": await accounts.list_agents(session, c.actor, active=True, limit=500),
        "teams": [t for t, _members in await accounts.list_teams(session, c.actor)],
        "fields": await tickets.list_fields(session, c.actor, active_only=True),
        "channels": await chat.list_channels(session, c.actor.workspace_id),
    }


@router.get("/inbox")
async def inbox(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    params = request.query_params
    key = text(params, "view") or "open"
    error = None
    try:
        view = await queries.get_view(session, c.actor, key, c.language)
    except DomainError:
        view = await queries.get_view(session, c.actor, "open", c.language)
        error = _("That view does not exist (any more); here is All open instead.")
    try:
        filters = filters_from(params, view.filters)
    except FormErrors as exc:
        filters, error = view.filters, str(exc.message)
    custom = filters != view.filters
    try:
        result = await queries.inbox_page(
            session, c.actor, filters, cursor=text(params, "cursor") or None, limit=PAGE_SIZE
        )
    except InvalidInput as exc:
        result = await queries.inbox_page(session, c.actor, view.filters, limit=PAGE_SIZE)
        error, filters, custom = exc.localized(None), view.filters, False
    first_page = not text(params, "cursor")
    context = {
        "view": view,
        "view_key": view.key,
        "filters": filters,
        "custom": custom,
        "q": filters.q or "",
        "items": result.items,
        "next_url": _page_url(params, result.next_cursor) if result.next_cursor else None,
        "first_url": _page_url(params, None) if not first_page else None,
        "flash": error,
    }
    if wants_fragment(request):
        return JSONResponse(
            {"ok": True, "html": {"[data-inbox-list]": fragment("inbox/_list.html", **context)}}
        )
    return page(
        c, "inbox/index.html", **await frame(session, c, **context, **await _filter_choices(session, c))
    )


def _page_url(params: QueryParams, cursor: str | None) -> str:
    kept = [(k, v) for k, v in params.multi_items() if k not in ("cursor", "fragment")]
    if cursor:
        kept.append(("cursor", cursor))
    return "/inbox?" + urlencode(kept)


@router.get("/inbox/counts")
async def counts(c: ConsoleDep, session: SessionDep) -> Response:
    """How many each of the agent's views holds (``more``: at least that many)."""
    views = await queries.list_views(session, c.actor, c.language)
    found = await queries.view_counts(session, c.actor, views)
    return JSONResponse(
        {v.key: {"count": v.count, "more": v.more} for v in found}, headers={"Cache-Control": "no-store"}
    )


@router.post("/inbox/views")
async def save_view(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()
    filters = filters_from(form, ViewFilters())
    data = parse(
        ViewIn,
        {"name": text(form, "name"), "filters": filters.model_dump(), "shared": checked(form, "shared")},
    )
    view = await actions.do_create_view(session, c.actor, data)
    return done(request, f"/inbox?view={view.id}")


@router.post("/inbox/views/{view_id}")
async def update_view(view_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    view = await queries.get_saved_view(session, c.actor, view_id)
    form = await request.form()
    filters = filters_from(form, ViewFilters()).model_dump()
    data = parse(ViewUpdate, {"name": text(form, "name") or view.name, "filters": filters})
    await actions.do_update_view(session, c.actor, view, data)
    return done(request, f"/inbox?view={view.id}")


@router.post("/inbox/views/{view_id}/delete")
async def delete_view(view_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    view = await queries.get_saved_view(session, c.actor, view_id)
    await actions.do_delete_view(session, c.actor, view)
    return done(request, "/inbox")
