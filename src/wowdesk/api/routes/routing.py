"""Ticket routing: teams' rules, routing a ticket now, agents' out-of-office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as accounts
from wowdesk.accounts.models import Agent
from wowdesk.accounts.permissions import AGENTS_READ
from wowdesk.accounts.schemas import OutOfOfficeIn, OutOfOfficeOut
from wowdesk.core.actor import Actor
from wowdesk.core.uow import now
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.routing import actions, queries
from wowdesk.tickets.routing.schemas import RouteOut, RoutingRuleIn, RoutingRuleOut

router = APIRouter(prefix="/api/v1", tags=["routing"], route_class=StandardJSONRoute)

CanReadAgents = Annotated[Actor, Depends(needs(AGENTS_READ))]


@router.get(
    "/teams/{team_id}/routing",
    response_model=RoutingRuleOut,
    summary="A team's routing rule (a team without one assigns by hand)",
)
async def get_rule(team_id: IdPath, session: SessionDep, actor: ActorDep) -> RoutingRuleOut:
    return queries.describe_rule(await queries.get_routing_rule(session, actor, team_id))


@router.put(
    "/teams/{team_id}/routing",
    response_model=RoutingRuleOut,
    summary="Set a team's routing rule: strategy, capacity, who receives tickets, skills, fallback",
)
async def put_rule(
    team_id: IdPath, data: RoutingRuleIn, session: SessionDep, actor: ActorDep
) -> RoutingRuleOut:
    return queries.describe_rule(await actions.do_set_routing_rule(session, actor, team_id, data))


@router.post(
    "/tickets/{ticket_id}/route",
    response_model=RouteOut,
    summary="Route a ticket now by its team's rule",
    description="409 when the ticket has no team, is solved or closed, or its team assigns by hand.",
)
async def route_ticket(ticket_id: IdPath, session: SessionDep, actor: ActorDep) -> RouteOut:
    ticket = await ticket_queries.get_ticket(session, actor, ticket_id, for_update=True)
    routed = await actions.do_route_ticket(session, actor, ticket)
    return RouteOut(
        outcome="assigned" if routed.assigned else "queued",
        via=routed.via,
        ticket=await ticket_queries.describe_ticket(session, actor.workspace_id, ticket),
    )


# -- out of office -----------------------------------------------------------------------------------------


def _absence(session: SessionDep, agent: Agent) -> OutOfOfficeOut:
    out, until = accounts.out_of_office(agent, now(session))
    return OutOfOfficeOut(agent_id=agent.id, out_of_office=out, until=until)


@router.get("/me/out-of-office", response_model=OutOfOfficeOut, summary="Whether you are out of office")
async def get_my_absence(session: SessionDep, actor: ActorDep) -> OutOfOfficeOut:
    return _absence(session, await accounts.get_agent(session, actor, actor.id or 0))


@router.put(
    "/me/out-of-office",
    response_model=OutOfOfficeOut,
    summary="Say you are out of office (for good, or until a time) or back",
)
async def put_my_absence(data: OutOfOfficeIn, session: SessionDep, actor: ActorDep) -> OutOfOfficeOut:
    agent = await accounts.get_agent(session, actor, actor.id or 0)
    await account_actions.do_set_out_of_office(session, actor, agent, data.out_of_office, data.until)
    return _absence(session, agent)


@router.get("/agents/{agent_id}/out-of-office", response_model=OutOfOfficeOut)
async def get_absence(agent_id: IdPath, session: SessionDep, actor: CanReadAgents) -> OutOfOfficeOut:
    return _absence(session, await accounts.get_agent(session, actor, agent_id))


@router.put(
    "/agents/{agent_id}/out-of-office",
    response_model=OutOfOfficeOut,
    summary="Mark an agent out of office or back (yourself, or anyone with routing.manage)",
)
async def put_absence(
    agent_id: IdPath, data: OutOfOfficeIn, session: SessionDep, actor: ActorDep
) -> OutOfOfficeOut:
    agent = await accounts.get_agent(session, actor, agent_id)
    await account_actions.do_set_out_of_office(session, actor, agent, data.out_of_office, data.until)
    return _absence(session, agent)
