"""Merging, splitting and linking tickets over the API (under /api/v1/tickets/{id}/…)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import TypeAdapter

from wowdesk.api.responses import JSON, model_response
from wowdesk.api.routes.tickets import TicketDep
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.links import actions, queries
from wowdesk.tickets.links.schemas import LinkIn, LinkOut, MergeIn, MergeOut, SplitIn
from wowdesk.tickets.schemas import TicketOut

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"], route_class=StandardJSONRoute)
_LINKS = TypeAdapter(list[LinkOut])


@router.post(
    "/{ticket_id}/merge",
    response_model=MergeOut,
    summary="Merge other tickets into this one (needs tickets.merge)",
    description="The ticket in the path wins. Each of `ids` gets an internal note, is closed and "
    "points at the winner; the winner takes their tags, notes what was merged, and its timeline "
    "and comments show theirs, interleaved. A closed ticket, the winner itself or an unknown "
    "ticket is refused (409, 422, 404) and nothing is merged.",
)
async def merge(ticket: TicketDep, data: MergeIn, session: SessionDep, actor: ActorDep) -> Response:
    losers = await actions.do_merge_tickets(session, actor, ticket, data.ids, data.comment)
    described = await ticket_queries.describe_tickets(session, actor.workspace_id, [ticket, *losers])
    return model_response(MergeOut(ticket=described[0], merged=described[1:]))


@router.post(
    "/{ticket_id}/split",
    response_model=TicketOut,
    status_code=201,
    summary="A new ticket from one message of this one (needs tickets.merge)",
)
async def split(ticket: TicketDep, data: SplitIn, session: SessionDep, actor: ActorDep) -> Response:
    new = await actions.do_split_ticket(session, actor, ticket, data.comment_id, data.subject)
    out = await ticket_queries.describe_ticket(session, actor.workspace_id, new)
    return model_response(out, status_code=201)


@router.get("/{ticket_id}/links", response_model=list[LinkOut], summary="The ticket's links, both ways")
async def list_links(ticket: TicketDep, session: SessionDep, actor: ActorDep) -> Response:
    return Response(_LINKS.dump_json(await queries.list_links(session, actor, ticket)), media_type=JSON)


@router.post(
    "/{ticket_id}/links",
    response_model=LinkOut,
    status_code=201,
    summary="Make this ticket an incident of a problem ticket",
    description="The problem must be of type problem and not closed (422 / 409); an incident "
    "belongs to one problem. Solving the problem solves its open incidents and tells their "
    "requesters, in their language.",
)
async def add_link(ticket: TicketDep, data: LinkIn, session: SessionDep, actor: ActorDep) -> Response:
    link = await actions.do_link_incident(session, actor, ticket, data.ticket_id)
    out = next(lk for lk in await queries.list_links(session, actor, ticket) if lk.id == link.id)
    return model_response(out, status_code=201)


@router.delete("/{ticket_id}/links/{link_id}", status_code=204, summary="Unlink an incident from its problem")
async def delete_link(ticket: TicketDep, link_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_unlink(session, actor, ticket, link_id)
    return Response(status_code=204)
