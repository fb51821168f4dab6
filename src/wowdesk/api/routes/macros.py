"""Macros over the API: the shared and the caller's own, and applying one to a ticket (or
previewing what it would do)."""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import TypeAdapter

from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.api.routes.tickets import TicketDep, _etag, _if_match, current_on_stale
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.macros import actions, queries
from wowdesk.tickets.macros.schemas import (
    MacroApplied,
    MacroApplyIn,
    MacroCreate,
    MacroOut,
    MacroPreview,
    MacroPreviewIn,
    MacroUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["macros"], route_class=StandardJSONRoute)
_MACROS = TypeAdapter(list[MacroOut])


@router.get("/macros", response_model=list[MacroOut], summary="Shared macros and your own")
async def list_macros(
    session: SessionDep, actor: ActorDep, active: bool | None = Query(None, description="Only active ones")
) -> Response:
    rows = await queries.list_macros(session, actor, active_only=bool(active))
    return Response(_MACROS.dump_json([queries.macro_out(r) for r in rows]), media_type=JSON)


@router.post(
    "/macros",
    response_model=MacroOut,
    status_code=201,
    summary="Add a macro (shared: needs macros.manage)",
    description="Actions, agents, teams, custom fields and placeholders are checked now: an "
    "unknown one is a 422 naming it.",
)
async def create_macro(data: MacroCreate, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> MacroOut:
        return queries.macro_out(await actions.do_create_macro(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/macros/{macro_id}", response_model=MacroOut)
async def get_macro(macro_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(queries.macro_out(await queries.get_macro(session, actor, macro_id)))


@router.patch("/macros/{macro_id}", response_model=MacroOut)
async def update_macro(macro_id: IdPath, data: MacroUpdate, session: SessionDep, actor: ActorDep) -> Response:
    row = await queries.get_macro(session, actor, macro_id)
    return model_response(queries.macro_out(await actions.do_update_macro(session, actor, row, data)))


@router.delete("/macros/{macro_id}", status_code=204)
async def delete_macro(macro_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_macro(session, actor, await queries.get_macro(session, actor, macro_id))
    return Response(status_code=204)


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}/preview",
    response_model=MacroPreview,
    summary="What applying the macro would do now, its reply rendered",
    description="Nothing is written. The reply's language: `language` if given, else the "
    "requester's for a public reply and yours for an internal note (falling back to English).",
)
async def preview_macro(
    ticket: TicketDep,
    macro_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    data: MacroPreviewIn | None = None,
) -> Response:
    macro = await queries.get_macro(session, actor, macro_id)
    language = data.language if data else None
    return model_response(await queries.preview(session, actor, ticket, macro, language))


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}/apply",
    response_model=MacroApplied,
    summary="Apply a macro: its changes and reply in one step, one new version",
    description="Send `If-Match` with the ticket's ETag to refuse it if the ticket changed "
    "meanwhile (409 with `current_version` and the ticket as it is now under `current`). "
    "`body`/`public` replace the macro's reply as you edited it.",
)
async def apply_macro(
    ticket: TicketDep,
    macro_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    data: MacroApplyIn | None = None,
    if_match: str | None = Header(None),
) -> Response:
    macro = await queries.get_macro(session, actor, macro_id)
    data = data or MacroApplyIn()
    async with current_on_stale(session, ticket):
        comment = await actions.do_apply_macro(
            session,
            actor,
            ticket,
            macro,
            expected_version=_if_match(if_match),
            language=data.language,
            body=data.body,
            public=data.public,
        )
    out = MacroApplied(
        ticket=await ticket_queries.describe_ticket(session, actor.workspace_id, ticket),
        comment=await ticket_queries.describe_comment(
            session, actor.workspace_id, comment, has_attachments=False
        )
        if comment
        else None,
    )
    return model_response(out, headers={"ETag": _etag(ticket)})
