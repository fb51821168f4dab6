from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE
from wowdesk.api.idempotency import create_once
from wowdesk.core.actor import Actor
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets.automations import actions, queries
from wowdesk.tickets.automations.schemas import AutomationCreate, AutomationOut, AutomationUpdate

router = APIRouter(prefix="/api/v1/automations", tags=["automations"], route_class=StandardJSONRoute)
# Every route is for admins: a refusal comes before the body is even read.
ActorDep = Annotated[Actor, Depends(needs(AUTOMATIONS_MANAGE))]


@router.get(
    "", response_model=list[AutomationOut], summary="Automation rules, in the order they run (admins)"
)
async def list_automations(
    session: SessionDep,
    actor: ActorDep,
    kind: Literal["trigger", "schedule"] | None = Query(default=None),
) -> list[AutomationOut]:
    return [queries.automation_out(r) for r in await queries.list_automations(session, actor, kind)]


@router.get("/vocabulary", summary="What rules may test and do: events, condition fields, actions")
async def vocabulary(actor: ActorDep) -> dict[str, Any]:
    return queries.vocabulary()


@router.post(
    "",
    response_model=AutomationOut,
    status_code=201,
    summary="Create a trigger (runs on ticket events) or a time-based rule (checked every 5 minutes)",
    description="Rules are validated when saved: their fields, operators, values, and the teams, "
    "agents, custom fields, calendars and macros they name.",
)
async def create_automation(
    data: AutomationCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> AutomationOut:
        return queries.automation_out(await actions.do_create_automation(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/{automation_id}", response_model=AutomationOut, summary="One automation rule")
async def get_automation(automation_id: IdPath, session: SessionDep, actor: ActorDep) -> AutomationOut:
    return queries.automation_out(await queries.get_automation(session, actor, automation_id))


@router.patch("/{automation_id}", response_model=AutomationOut, summary="Change, reorder or turn off a rule")
async def update_automation(
    automation_id: IdPath, data: AutomationUpdate, session: SessionDep, actor: ActorDep
) -> AutomationOut:
    rule = await queries.get_automation(session, actor, automation_id)
    return queries.automation_out(await actions.do_update_automation(session, actor, rule, data))


@router.post(
    "/{automation_id}/signing-secret",
    response_model=AutomationOut,
    summary="Renew the secret that signs the rule's webhook requests",
)
async def renew_secret(automation_id: IdPath, session: SessionDep, actor: ActorDep) -> AutomationOut:
    rule = await queries.get_automation(session, actor, automation_id)
    return queries.automation_out(await actions.do_renew_signing_secret(session, actor, rule))


@router.delete("/{automation_id}", status_code=204, summary="Delete a rule")
async def delete_automation(automation_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_automation(
        session, actor, await queries.get_automation(session, actor, automation_id)
    )
    return Response(status_code=204)
