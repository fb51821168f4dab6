"""The inbox over the API: views (built-in and saved) with their entries and counts, canned
responses. The console's inbox is the same data (``wowdesk.inbox``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AfterValidator, TypeAdapter

from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.core.i18n import current_language
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.inbox import actions, queries
from wowdesk.inbox.queries import BUILTIN_KEYS, PAGE_LIMIT
from wowdesk.inbox.schemas import (
    CannedIn,
    CannedOut,
    CannedUpdate,
    InboxPage,
    ViewCount,
    ViewFilters,
    ViewIn,
    ViewOut,
    ViewUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["inbox"], route_class=StandardJSONRoute)
_VIEWS = TypeAdapter(list[ViewOut])
_COUNTS = TypeAdapter(list[ViewCount])
_CANNED = TypeAdapter(list[CannedOut])


def _view_key(key: str) -> str:
    if key.isdigit() and not 1 <= int(key) <= MAX_DB_ID:
        raise ValueError(f"a saved view's id is a number from 1 to {MAX_DB_ID}")
    return key


ViewKey = Annotated[
    str,
    Path(
        pattern="^(" + "|".join(BUILTIN_KEYS) + "|[0-9]{1,30})$",
        description="A built-in view's word (" + ", ".join(BUILTIN_KEYS) + ") or a saved view's id",
    ),
    AfterValidator(_view_key),
]


@router.get("/views", response_model=list[ViewOut], summary="The inbox views: built-in, shared, your own")
async def list_views(session: SessionDep, actor: ActorDep) -> Response:
    return Response(
        _VIEWS.dump_json(await queries.list_views(session, actor, current_language())), media_type=JSON
    )


@router.post("/views", response_model=ViewOut, status_code=201, summary="Save a view (shared: supervisors)")
async def create_view(data: ViewIn, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> ViewOut:
        view = await actions.do_create_view(session, actor, data)
        return await queries.get_view(session, actor, str(view.id))

    return await create_once(request, session, actor, data, create)


@router.get("/views/counts", response_model=list[ViewCount], summary="How many each view holds")
async def view_counts(session: SessionDep, actor: ActorDep) -> Response:
    views = await queries.list_views(session, actor, current_language())
    return Response(_COUNTS.dump_json(await queries.view_counts(session, actor, views)), media_type=JSON)


@router.get(
    "/views/{key}", response_model=ViewOut, summary="A view by key (mine, unassigned, team, open, …) or id"
)
async def get_view(key: ViewKey, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await queries.get_view(session, actor, key, current_language()))


@router.get(
    "/views/{key}/items",
    response_model=InboxPage,
    summary="The conversations and tickets of a view, most recent activity first",
)
async def view_items(
    key: ViewKey,
    session: SessionDep,
    actor: ActorDep,
    q: str | None = Query(None, max_length=200, description="Words the tickets must contain"),
    cursor: str | None = Query(None, max_length=1000),
    limit: int = Query(25, ge=1, le=PAGE_LIMIT),
) -> Response:
    view = await queries.get_view(session, actor, key, current_language())
    filters = view.filters if not q else ViewFilters.model_validate({**view.filters.model_dump(), "q": q})
    return model_response(await queries.inbox_page(session, actor, filters, cursor=cursor, limit=limit))


@router.patch("/views/{view_id}", response_model=ViewOut, summary="Rename, refilter or reorder a saved view")
async def update_view(view_id: IdPath, data: ViewUpdate, session: SessionDep, actor: ActorDep) -> Response:
    view = await queries.get_saved_view(session, actor, view_id)
    await actions.do_update_view(session, actor, view, data)
    return model_response(await queries.get_view(session, actor, str(view.id)))


@router.delete("/views/{view_id}", status_code=204, summary="Delete a saved view")
async def delete_view(view_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_view(session, actor, await queries.get_saved_view(session, actor, view_id))
    return Response(status_code=204)


# -- canned responses -------------------------------------------------------------------------------------


@router.get(
    "/canned-responses", response_model=list[CannedOut], summary="Shared and your own canned responses"
)
async def list_canned(session: SessionDep, actor: ActorDep) -> Response:
    rows = await queries.list_canned(session, actor)
    return Response(_CANNED.dump_json([queries.canned_out(r) for r in rows]), media_type=JSON)


@router.post(
    "/canned-responses",
    response_model=CannedOut,
    status_code=201,
    summary="Add a canned response (shared: supervisors)",
)
async def create_canned(data: CannedIn, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> CannedOut:
        return queries.canned_out(await actions.do_create_canned(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/canned-responses/{canned_id}", response_model=CannedOut)
async def get_canned(canned_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(queries.canned_out(await queries.get_canned(session, actor, canned_id)))


@router.patch("/canned-responses/{canned_id}", response_model=CannedOut)
async def update_canned(
    canned_id: IdPath, data: CannedUpdate, session: SessionDep, actor: ActorDep
) -> Response:
    row = await queries.get_canned(session, actor, canned_id)
    return model_response(queries.canned_out(await actions.do_update_canned(session, actor, row, data)))


@router.delete("/canned-responses/{canned_id}", status_code=204)
async def delete_canned(canned_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_canned(session, actor, await queries.get_canned(session, actor, canned_id))
    return Response(status_code=204)
