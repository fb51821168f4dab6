"""SLA policies over the API (every agent reads them, admins manage them) and a ticket's timers."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter

from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import queries as tickets
from wowdesk.tickets.sla import actions, queries
from wowdesk.tickets.sla.schemas import PolicyCreate, PolicyOut, PolicyUpdate, TicketSlaOut

router = APIRouter(prefix="/api/v1", tags=["sla"], route_class=StandardJSONRoute)
_LIST = TypeAdapter(list[PolicyOut])


@router.get("/sla-policies", response_model=list[PolicyOut], summary="SLA policies in evaluation order")
async def list_policies(session: SessionDep, actor: ActorDep) -> Response:
    rows = await queries.list_policies(session, actor)
    return Response(_LIST.dump_json([queries.policy_out(r) for r in rows]), media_type=JSON)


@router.post(
    "/sla-policies",
    response_model=PolicyOut,
    status_code=201,
    summary="Create an SLA policy (admins)",
    description="The first active policy (lowest position) whose conditions all hold applies to a "
    "ticket. Targets are minutes of business time on the policy's calendar (none: around the clock).",
)
async def create_policy(
    data: PolicyCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> PolicyOut:
        return queries.policy_out(await actions.do_create_policy(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/sla-policies/{policy_id}", response_model=PolicyOut)
async def get_policy(policy_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(queries.policy_out(await queries.get_policy(session, actor, policy_id)))


@router.patch("/sla-policies/{policy_id}", response_model=PolicyOut, summary="Change an SLA policy (admins)")
async def update_policy(
    policy_id: IdPath, data: PolicyUpdate, session: SessionDep, actor: ActorDep
) -> Response:
    row = await queries.get_policy(session, actor, policy_id)
    return model_response(queries.policy_out(await actions.do_update_policy(session, actor, row, data)))


@router.delete(
    "/sla-policies/{policy_id}",
    status_code=204,
    summary="Delete an SLA policy and its tickets' timers (admins; deactivate it to keep them)",
)
async def delete_policy(policy_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_policy(session, actor, await queries.get_policy(session, actor, policy_id))
    return Response(status_code=204)


@router.get(
    "/tickets/{ticket_id}/sla",
    response_model=TicketSlaOut,
    summary="A ticket's SLA timers: due times, time left, breaches and warnings",
)
async def ticket_sla(ticket_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    ticket = await tickets.get_ticket(session, actor, ticket_id)
    return model_response(await queries.ticket_sla(session, actor, ticket))
