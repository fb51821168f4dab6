"""Reads for accounts: ``get_`` raises NotFound, ``find_`` returns None, ``list_`` returns lists,
``resolve_`` turns a credential into an Actor (or None)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.business_time import BusinessTimeError, Calendar, Holiday, WeeklySchedule
from wowdesk.accounts.models import (
    Agent,
    AgentSkill,
    ApiKey,
    AuthSession,
    SecurityEvent,
    Skill,
    Team,
    Workspace,
)
from wowdesk.accounts.permissions import APIKEYS_ALL, AUDIT_READ, permissions_for
from wowdesk.accounts.repository import AUTH_EPOCH, AccountsRepository, WorkspaceDirectory
from wowdesk.core.actor import Actor
from wowdesk.core.counters import current_value
from wowdesk.core.errors import Forbidden, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.security import TokenSigner, digest
from wowdesk.core.validation import normalize_email

API_KEY_TOUCH_EVERY = dt.timedelta(minutes=10)


def actor_for(agent: Agent, via: str) -> Actor:
    return Actor(
        kind="agent",
        workspace_id=agent.workspace_id,
        id=agent.id,
        role=agent.role,
        name=agent.name,
        permissions=permissions_for(agent.role),
        via=via,
        language=agent.language,
        time_zone=agent.time_zone,
    )


async def find_workspace(session: AsyncSession, slug: str) -> Workspace | None:
    return await WorkspaceDirectory(session).by_slug(slug)


async def get_workspace(session: AsyncSession, workspace_id: int) -> Workspace:
    ws = await WorkspaceDirectory(session).by_id(workspace_id)
    if ws is None:
        raise NotFound(N_("Workspace not found."))
    return ws


async def list_workspaces(session: AsyncSession) -> list[Workspace]:
    return await WorkspaceDirectory(session).all()


async def count_workspaces(session: AsyncSession) -> int:
    return await WorkspaceDirectory(session).count()


async def find_login(
    session: AsyncSession, workspace_slug: str, email: str
) -> tuple[Workspace | None, Agent | None]:
    ws = await WorkspaceDirectory(session).by_slug(workspace_slug.strip().lower())
    if ws is None:
        return None, None
    try:
        normalized = normalize_email(email)
    except ValueError:
        return ws, None
    agent = await AccountsRepository(session, ws.id).agent_by_email(normalized)
    return ws, agent


async def resolve_access_token(
    session: AsyncSession, signer: TokenSigner, token: str, now: dt.datetime
) -> Actor | None:
    claims = signer.verify(token, now)
    if claims is None:
        return None
    if not (1 <= claims.user_id <= MAX_DB_ID and 1 <= claims.workspace_id <= MAX_DB_ID):
        return None  # no such agent; never let an impossible id reach the database
    agent = await AccountsRepository(session, claims.workspace_id).agent(claims.user_id)
    if agent is None or not agent.active or agent.token_version != claims.version:
        return None
    return actor_for(agent, "token")


async def resolve_api_key(session: AsyncSession, key: str, now: dt.datetime) -> tuple[Actor, bool] | None:
    """The actor an API key acts for, and whether its last-used time is stale enough to update."""
    found = await WorkspaceDirectory(session).api_key_by_hash(digest(key))
    if found is None:
        return None
    api_key, agent = found
    if api_key.revoked_at is not None or not agent.active:
        return None
    stale = api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_EVERY
    return actor_for(agent, f"apikey:{api_key.id}"), stale


async def resolve_session(
    session: AsyncSession, token: str, now: dt.datetime
) -> tuple[Actor, AuthSession] | None:
    found = await WorkspaceDirectory(session).session_by_hash(digest(token))
    if found is None:
        return None
    auth, agent = found
    if auth.revoked_at is not None or auth.expires_at <= now or not agent.active:
        return None
    return actor_for(agent, "session"), auth


async def auth_epoch(session: AsyncSession, workspace_id: int) -> int:
    """Changes whenever an agent or API key of the workspace changes (see AUTH_EPOCH)."""
    return await current_value(session, workspace_id, AUTH_EPOCH)


async def touch_api_key(session: AsyncSession, workspace_id: int, api_key_id: int, now: dt.datetime) -> None:
    await AccountsRepository(session, workspace_id).touch_api_key(api_key_id, now)


# -- agents, teams, skills -------------------------------------------------------------------------------


async def get_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    agent = await AccountsRepository(session, actor.workspace_id).agent(agent_id)
    if agent is None:
        raise NotFound(N_("Agent not found."))
    return agent


async def find_agent(session: AsyncSession, workspace_id: int, agent_id: int) -> Agent | None:
    return await AccountsRepository(session, workspace_id).agent(agent_id)


async def find_agent_by_email(session: AsyncSession, workspace_id: int, email: str) -> Agent | None:
    return await AccountsRepository(session, workspace_id).agent_by_email(normalize_email(email))


async def list_agents(
    session: AsyncSession,
    actor: Actor,
    *,
    active: bool | None = None,
    role: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Agent]:
    return await AccountsRepository(session, actor.workspace_id).agents(
        active=active, role=role, after_id=after_id, limit=limit
    )


async def agent_names(session: AsyncSession, workspace_id: int, ids: set[int | None]) -> dict[int, str]:
    """The names of these agents of the workspace, in one query."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return {a.id: a.name for a in await AccountsRepository(session, workspace_id).agents_by_ids(wanted)}


async def get_team(session: AsyncSession, actor: Actor, team_id: int) -> Team:
    team = await AccountsRepository(session, actor.workspace_id).team(team_id)
    if team is None:
        raise NotFound(N_("Team not found."))
    return team


async def find_team(session: AsyncSession, workspace_id: int, team_id: int) -> Team | None:
    return await AccountsRepository(session, workspace_id).team(team_id)


async def list_teams(session: AsyncSession, actor: Actor) -> list[tuple[Team, list[int]]]:
    repo = AccountsRepository(session, actor.workspace_id)
    teams = await repo.teams()
    members = await repo.team_members([t.id for t in teams])
    return [(t, members[t.id]) for t in teams]


async def team_member_ids(session: AsyncSession, actor: Actor, team_id: int) -> list[int]:
    return (await AccountsRepository(session, actor.workspace_id).team_members([team_id]))[team_id]


async def teams_of(session: AsyncSession, actor: Actor, agent_id: int) -> list[int]:
    return await AccountsRepository(session, actor.workspace_id).teams_of(agent_id)


async def is_team_member(session: AsyncSession, workspace_id: int, team_id: int, agent_id: int) -> bool:
    return await AccountsRepository(session, workspace_id).is_member(team_id, agent_id)


async def team_exists(session: AsyncSession, workspace_id: int, team_id: int) -> bool:
    """Whether the team is the workspace's (one indexed read; no team loaded)."""
    return await AccountsRepository(session, workspace_id).team_exists(team_id)


async def agent_is_active(session: AsyncSession, workspace_id: int, agent_id: int) -> bool:
    """Whether the agent is the workspace's and active (one indexed read; no agent loaded)."""
    return await AccountsRepository(session, workspace_id).agent_is_active(agent_id)


async def list_skills(session: AsyncSession, actor: Actor) -> list[Skill]:
    return await AccountsRepository(session, actor.workspace_id).skills()


async def get_skill(session: AsyncSession, actor: Actor, skill_id: int) -> Skill:
    found = await AccountsRepository(session, actor.workspace_id).skills_by_ids([skill_id])
    if not found:
        raise NotFound(N_("Skill not found."))
    return found[0]


async def skill_levels(
    session: AsyncSession, workspace_id: int, agent_ids: list[int]
) -> dict[int, dict[int, int]]:
    """agent id → {skill id: level (1-5)} for these agents of the workspace, in one query."""
    return await AccountsRepository(session, workspace_id).skill_levels(agent_ids)


async def list_agent_skills(session: AsyncSession, actor: Actor, agent_id: int) -> list[AgentSkill]:
    return await AccountsRepository(session, actor.workspace_id).agent_skills(agent_id)


# -- keys and audit ----------------------------------------------------------------------------------------


async def get_api_key(session: AsyncSession, actor: Actor, key_id: int) -> ApiKey:
    key = await AccountsRepository(session, actor.workspace_id).api_key(key_id)
    if key is None or (key.agent_id != actor.id and not actor.can(APIKEYS_ALL)):
        raise NotFound(N_("API key not found."))
    return key


async def list_api_keys(session: AsyncSession, actor: Actor) -> list[ApiKey]:
    owner = None if actor.can(APIKEYS_ALL) else actor.id
    return await AccountsRepository(session, actor.workspace_id).api_keys(owner)


async def list_security_events(
    session: AsyncSession, actor: Actor, *, kind: str | None, before_id: int | None, limit: int
) -> list[SecurityEvent]:
    if not actor.can(AUDIT_READ):
        raise Forbidden()
    return await AccountsRepository(session, actor.workspace_id).security_events(
        kind=kind, before_id=before_id, limit=limit
    )


# -- chat presence ----------------------------------------------------------------------------------------

PRESENCE_TIMEOUT = dt.timedelta(seconds=90)  # a console that has not said it is there is not


async def assignable_agents(
    session: AsyncSession,
    workspace_id: int,
    team_id: int | None,
    at: dt.datetime,
    *,
    lock: bool = True,
    availability: tuple[str, ...] | None = ("online",),
) -> list[Agent]:
    """Agents who take chats now (online, their console seen within PRESENCE_TIMEOUT, not out of
    office), of the team or of any team when there is none; `lock`ed for an assignment on
    PostgreSQL. Ticket routing also asks for agents who are away (their console still there), or
    for every active agent who is in office (`availability` None)."""
    return await AccountsRepository(session, workspace_id).assignable(
        team_id, at - PRESENCE_TIMEOUT, lock=lock, at=at, availability=availability
    )


async def assignable_agent_ids(
    session: AsyncSession,
    workspace_id: int,
    team_id: int | None,
    at: dt.datetime,
    *,
    lock: bool = True,
    availability: tuple[str, ...] | None = ("online",),
) -> list[int]:
    """The ids of ``assignable_agents`` (the same agents, locked the same way), in id order."""
    return await AccountsRepository(session, workspace_id).assignable_ids(
        team_id, at - PRESENCE_TIMEOUT, lock=lock, at=at, availability=availability
    )


def out_of_office(agent: Agent, at: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """Whether the agent is out of office at `at`, and until when (None: until they say otherwise)."""
    if not agent.out_of_office or (agent.out_of_office_until is not None and agent.out_of_office_until <= at):
        return False, None
    return True, agent.out_of_office_until


# -- business hours ---------------------------------------------------------------------------------------


def business_calendar(time_zone: str, weekly: dict[str, str], holidays: list[str]) -> Calendar:
    """A calendar from its settings (``{"mon": "09:00-12:00, 13:00-18:00", …}``, holidays as
    ``YYYY-MM-DD`` or yearly ``MM-DD``); raises BusinessTimeError (a 422) on anything wrong."""
    return Calendar(time_zone, WeeklySchedule(dict(weekly)), [Holiday.parse(h, h) for h in holidays])


def opening(calendar: Calendar, at: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """Open at `at`? And if not, when it opens next (None if never within the horizon)."""
    if calendar.is_open(at):
        return True, None
    try:
        return False, calendar.next_open(at)
    except BusinessTimeError:
        return False, None
