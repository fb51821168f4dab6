"""Me, agents, teams, skills, API keys, security audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from wowdesk.accounts import actions, queries
from wowdesk.accounts.models import Agent
from wowdesk.accounts.permissions import AGENTS_READ, AUDIT_READ, TEAMS_MANAGE
from wowdesk.accounts.schemas import (
    AgentCreate,
    AgentOut,
    AgentSkillsIn,
    AgentUpdate,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    MeOut,
    Role,
    SecurityEventOut,
    SkillCreate,
    SkillOut,
    TeamCreate,
    TeamOut,
    TeamUpdate,
    WorkspaceOut,
)
from wowdesk.api.idempotency import create_once
from wowdesk.core.actor import Actor
from wowdesk.core.schemas import MAX_DB_ID, StrictModel
from wowdesk.core.validation import AgentLanguage, TimeZone
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=StandardJSONRoute)

CanReadAgents = Annotated[Actor, Depends(needs(AGENTS_READ))]
CanManageTeams = Annotated[Actor, Depends(needs(TEAMS_MANAGE))]


class MeUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    language: AgentLanguage | None = None
    time_zone: TimeZone | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)
    current_password: str | None = Field(default=None, max_length=200)


async def _me(session: SessionDep, actor: Actor, agent: Agent) -> MeOut:
    ws = await queries.get_workspace(session, actor.workspace_id)
    teams = await queries.teams_of(session, actor, agent.id)
    return MeOut(
        **AgentOut.model_validate(agent).model_dump(),
        workspace=WorkspaceOut.model_validate(ws),
        permissions=sorted(actor.permissions),
        team_ids=teams,
    )


@router.get("/me", response_model=MeOut, summary="The signed-in agent, their workspace and permissions")
async def get_me(session: SessionDep, actor: ActorDep) -> MeOut:
    return await _me(session, actor, await queries.get_agent(session, actor, actor.id or 0))


@router.patch("/me", response_model=MeOut, summary="Change your own name, language, time zone or password")
async def patch_me(data: MeUpdate, session: SessionDep, actor: ActorDep) -> MeOut:
    agent = await queries.get_agent(session, actor, actor.id or 0)
    update = AgentUpdate.model_validate(data.model_dump(exclude_unset=True, exclude={"current_password"}))
    await actions.do_update_agent(session, actor, agent, update, current_password=data.current_password)
    return await _me(session, actor, agent)


# -- agents ----------------------------------------------------------------------------------------------


@router.get("/agents", response_model=list[AgentOut], summary="Agents of the workspace")
async def list_agents(
    session: SessionDep,
    actor: CanReadAgents,
    active: bool | None = None,
    role: Role | None = None,
    after_id: int | None = Query(None, ge=0, le=MAX_DB_ID),
    limit: int = Query(100, ge=1, le=500),
) -> list[Agent]:
    return await queries.list_agents(session, actor, active=active, role=role, after_id=after_id, limit=limit)


@router.post("/agents", response_model=AgentOut, status_code=201, summary="Add an agent (admins)")
async def create_agent(data: AgentCreate, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> AgentOut:
        return AgentOut.model_validate(await actions.do_create_agent(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/agents/{agent_id}", response_model=AgentOut)
async def get_agent(agent_id: IdPath, session: SessionDep, actor: CanReadAgents) -> Agent:
    return await queries.get_agent(session, actor, agent_id)


@router.patch(
    "/agents/{agent_id}", response_model=AgentOut, summary="Change an agent's role, status, profile"
)
async def update_agent(agent_id: IdPath, data: AgentUpdate, session: SessionDep, actor: ActorDep) -> Agent:
    agent = await queries.get_agent(session, actor, agent_id)
    return await actions.do_update_agent(session, actor, agent, data)


@router.get("/agents/{agent_id}/skills", summary="An agent's skills and levels (1-5)")
async def get_agent_skills(
    agent_id: IdPath, session: SessionDep, actor: CanReadAgents
) -> list[dict[str, int]]:
    await queries.get_agent(session, actor, agent_id)
    return [
        {"skill_id": s.skill_id, "level": s.level}
        for s in await queries.list_agent_skills(session, actor, agent_id)
    ]


@router.put("/agents/{agent_id}/skills", summary="Set an agent's skills")
async def put_agent_skills(
    agent_id: IdPath, data: AgentSkillsIn, session: SessionDep, actor: CanManageTeams
) -> list[dict[str, int]]:
    agent = await queries.get_agent(session, actor, agent_id)
    await actions.do_set_agent_skills(session, actor, agent, {s.skill_id: s.level for s in data.skills})
    return [
        {"skill_id": s.skill_id, "level": s.level}
        for s in await queries.list_agent_skills(session, actor, agent_id)
    ]


# -- teams and skills ---------------------------------------------------------------------------------------


@router.get("/teams", response_model=list[TeamOut])
async def list_teams(session: SessionDep, actor: CanReadAgents) -> list[TeamOut]:
    return [
        TeamOut(id=t.id, name=t.name, description=t.description, member_ids=m)
        for t, m in await queries.list_teams(session, actor)
    ]


@router.post("/teams", response_model=TeamOut, status_code=201)
async def create_team(data: TeamCreate, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> TeamOut:
        team = await actions.do_create_team(session, actor, data)
        return TeamOut(
            id=team.id,
            name=team.name,
            description=team.description,
            member_ids=await queries.team_member_ids(session, actor, team.id),
        )

    return await create_once(request, session, actor, data, create)


@router.get("/teams/{team_id}", response_model=TeamOut)
async def get_team(team_id: IdPath, session: SessionDep, actor: CanReadAgents) -> TeamOut:
    team = await queries.get_team(session, actor, team_id)
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        member_ids=await queries.team_member_ids(session, actor, team.id),
    )


@router.patch("/teams/{team_id}", response_model=TeamOut)
async def update_team(team_id: IdPath, data: TeamUpdate, session: SessionDep, actor: ActorDep) -> TeamOut:
    team = await actions.do_update_team(session, actor, await queries.get_team(session, actor, team_id), data)
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        member_ids=await queries.team_member_ids(session, actor, team.id),
    )


@router.get("/skills", response_model=list[SkillOut])
async def list_skills(session: SessionDep, actor: CanReadAgents) -> list[SkillOut]:
    return [SkillOut.model_validate(s) for s in await queries.list_skills(session, actor)]


@router.post("/skills", response_model=SkillOut, status_code=201)
async def create_skill(data: SkillCreate, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    async def create() -> SkillOut:
        return SkillOut.model_validate(
            await actions.do_create_skill(session, actor, data.name, data.description)
        )

    return await create_once(request, session, actor, data, create)


# -- API keys and audit ----------------------------------------------------------------------------------


@router.get("/api-keys", response_model=list[ApiKeyOut], summary="Your API keys (admins: everyone's)")
async def list_api_keys(session: SessionDep, actor: ActorDep) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in await queries.list_api_keys(session, actor)]


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    summary="Create an API key; the key is shown in this answer only",
)
async def create_api_key(data: ApiKeyCreate, session: SessionDep, actor: ActorDep) -> ApiKeyCreated:
    api_key, secret = await actions.do_create_api_key(session, actor, name=data.name, agent_id=data.agent_id)
    return ApiKeyCreated(**ApiKeyOut.model_validate(api_key).model_dump(), key=secret)


@router.delete("/api-keys/{key_id}", status_code=204, summary="Revoke an API key")
async def revoke_api_key(key_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_revoke_api_key(session, actor, await queries.get_api_key(session, actor, key_id))
    return Response(status_code=204)


@router.get(
    "/audit/security-events",
    response_model=list[SecurityEventOut],
    summary="Logins, failed logins, keys created and revoked, role changes (admins)",
)
async def security_events(
    session: SessionDep,
    actor: Annotated[Actor, Depends(needs(AUDIT_READ))],
    kind: str | None = Query(None, max_length=40),
    before_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    limit: int = Query(50, ge=1, le=500),
) -> list[SecurityEventOut]:
    rows = await queries.list_security_events(session, actor, kind=kind, before_id=before_id, limit=limit)
    return [SecurityEventOut.model_validate(r) for r in rows]
