"""Writes for accounts. Every function takes the unit of work's session and the acting Actor,
checks what the rule needs, records events, and never commits."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import events as ev
from wowdesk.accounts.models import Agent, ApiKey, AuthSession, SecurityEvent, Skill, Team, Workspace
from wowdesk.accounts.permissions import (
    AGENTS_MANAGE,
    APIKEYS_ALL,
    APIKEYS_OWN,
    ROUTING_MANAGE,
    TEAMS_MANAGE,
)
from wowdesk.accounts.repository import AUTH_EPOCH, AccountsRepository, WorkspaceDirectory
from wowdesk.accounts.schemas import AgentCreate, AgentUpdate, TeamCreate, TeamUpdate, WorkspaceCreate
from wowdesk.core.actor import Actor
from wowdesk.core.counters import next_value
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.security import digest, hash_password, new_secret, verify_password
from wowdesk.core.uow import now

API_KEY_PREFIX = "wdk_"
SESSION_PREFIX = "wds_"


async def do_record_security_event(
    session: AsyncSession,
    workspace_id: int,
    kind: str,
    *,
    agent_id: int | None = None,
    actor: str | None = None,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        SecurityEvent(
            workspace_id=workspace_id,
            kind=kind,
            agent_id=agent_id,
            actor=actor,
            email=email,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
            detail=detail or {},
            created_at=now(session),
        )
    )
    await session.flush()


# -- workspaces and agents ---------------------------------------------------------------------------


async def do_create_workspace(
    session: AsyncSession, data: WorkspaceCreate, *, is_demo: bool = False
) -> tuple[Workspace, Agent]:
    directory = WorkspaceDirectory(session)
    if await directory.slug_taken(data.slug):
        raise Conflict(N_("A workspace with the slug {slug} exists already."), slug=data.slug)
    t = now(session)
    ws = await directory.add(
        Workspace(
            slug=data.slug,
            name=data.name,
            default_language=data.default_language,
            time_zone=data.time_zone,
            currency=data.currency,
            is_demo=is_demo,
            created_at=t,
            updated_at=t,
        )
    )
    system = Actor.system(ws.id)
    record_event(
        session, ev.WorkspaceCreated(workspace_id=ws.id, occurred_at=t, slug=ws.slug, actor="system")
    )
    admin = await do_create_agent(
        session,
        system,
        AgentCreate(
            email=data.admin_email,
            name=data.admin_name,
            role="admin",
            password=data.admin_password,
            language=data.default_language,
            time_zone=data.time_zone,
        ),
    )
    return ws, admin


async def do_create_agent(session: AsyncSession, actor: Actor, data: AgentCreate) -> Agent:
    actor.require(AGENTS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    if await repo.agent_by_email(data.email):
        raise Conflict(N_("An agent with the e-mail {email} exists already."), email=data.email)
    t = now(session)
    agent = await repo.add(
        Agent(
            email=data.email,
            name=data.name,
            role=data.role,
            password_hash=hash_password(data.password) if data.password else None,
            language=data.language,
            time_zone=data.time_zone,
            active=True,
            token_version=1,
            created_at=t,
            updated_at=t,
        )
    )
    record_event(
        session,
        ev.AgentCreated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            agent_id=agent.id,
            role=agent.role,
        ),
    )
    await do_record_security_event(
        session,
        actor.workspace_id,
        "agent.created",
        agent_id=agent.id,
        actor=actor.ref,
        detail={"role": agent.role},
    )
    return agent


async def do_update_agent(
    session: AsyncSession,
    actor: Actor,
    agent: Agent,
    data: AgentUpdate,
    *,
    current_password: str | None = None,
) -> Agent:
    """Change an agent. Admins change anyone; an agent changes their own name, language, time zone
    and password — a new password for oneself needs the current one, whatever the role, so that a
    token or API key alone is not enough to take an account over."""
    changes: dict[str, list[object]] = {}
    own_profile_only = data.model_fields_set <= {"name", "language", "time_zone", "password"}
    is_self = actor.kind == "agent" and actor.id == agent.id
    if not (actor.can(AGENTS_MANAGE) or (own_profile_only and is_self)):
        raise Forbidden()
    if is_self and data.password is not None:
        ok = await anyio.to_thread.run_sync(verify_password, agent.password_hash, current_password or "")
        if not ok:
            raise InvalidInput(N_("To set a new password, give your current password."))
    repo = AccountsRepository(session, actor.workspace_id)
    t = now(session)
    for field in ("name", "role", "language", "time_zone", "active", "chat_capacity"):
        if field in data.model_fields_set:
            new = getattr(data, field)
            if new is None:
                raise InvalidInput(N_("{field} cannot be empty."), field=field)
            old = getattr(agent, field)
            if new != old:
                changes[field] = [old, new]
                setattr(agent, field, new)
    losing_admin = ("role" in changes and changes["role"][0] == "admin") or (
        "active" in changes and agent.role == "admin" and not agent.active
    )
    if losing_admin and await repo.count_active_admins() == 0:  # counts after this change
        raise Conflict(N_("A workspace needs at least one active admin."))
    if "password" in data.model_fields_set and data.password:
        agent.password_hash = hash_password(data.password)
        changes["password"] = ["***", "***"]
    if "password" in changes or "role" in changes or ("active" in changes and not agent.active):
        agent.token_version += 1  # existing tokens and sessions stop working
        await repo.revoke_sessions(agent.id, t)
    if changes:
        agent.updated_at = t
        await session.flush()
        await next_value(session, actor.workspace_id, AUTH_EPOCH)
        record_event(
            session,
            ev.AgentUpdated(
                workspace_id=actor.workspace_id,
                occurred_at=t,
                actor=actor.ref,
                agent_id=agent.id,
                changes=changes,
            ),
        )
        if {"role", "active", "password"} & changes.keys():
            await do_record_security_event(
                session,
                actor.workspace_id,
                "agent.updated",
                agent_id=agent.id,
                actor=actor.ref,
                detail={k: changes[k] for k in changes if k in ("role", "active", "password")},
            )
    return agent


async def do_record_login(
    session: AsyncSession,
    workspace_id: int,
    agent: Agent | None,
    *,
    success: bool,
    email: str,
    ip: str | None,
    user_agent: str | None,
    method: str,
) -> None:
    t = now(session)
    if success and agent is not None:
        agent.last_login_at = t
    await do_record_security_event(
        session,
        workspace_id,
        "login.succeeded" if success else "login.failed",
        agent_id=agent.id if agent else None,
        email=email,
        ip=ip,
        user_agent=user_agent,
        detail={"method": method},
    )


# -- console sessions -----------------------------------------------------------------------------------


async def do_start_session(
    session: AsyncSession,
    agent: Agent,
    *,
    lifetime: dt.timedelta,
    remember: bool = True,
    ip: str | None,
    user_agent: str | None,
) -> tuple[AuthSession, str]:
    """A remembered session lasts ``lifetime``; one that is not is extended by ``lifetime`` from
    each use (``do_extend_session``), so it ends after that long without a request."""
    t = now(session)
    token = new_secret(SESSION_PREFIX)
    auth = AuthSession(
        workspace_id=agent.workspace_id,
        agent_id=agent.id,
        token_hash=digest(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=t,
        expires_at=t + lifetime,
        last_seen_at=t,
        remember=remember,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(auth)
    await session.flush()
    return auth, token


async def do_extend_session(
    session: AsyncSession, workspace_id: int, session_id: int, expires_at: dt.datetime
) -> None:
    """Move an idle-limited session's end: it was used just now."""
    await AccountsRepository(session, workspace_id).extend_session(session_id, now(session), expires_at)


async def do_end_session(session: AsyncSession, auth: AuthSession) -> None:
    auth.revoked_at = now(session)
    await session.flush()


# -- API keys -----------------------------------------------------------------------------------------------


async def do_create_api_key(
    session: AsyncSession, actor: Actor, *, name: str, agent_id: int | None = None
) -> tuple[ApiKey, str]:
    owner_id = agent_id if agent_id is not None else actor.id
    if owner_id is None:
        raise InvalidInput(N_("Say which agent the key acts for."))
    actor.require(APIKEYS_ALL if owner_id != actor.id else APIKEYS_OWN)
    repo = AccountsRepository(session, actor.workspace_id)
    owner = await repo.agent(owner_id)
    if owner is None:
        raise NotFound(N_("Agent not found."))
    if not owner.active:
        raise Conflict(N_("This agent is deactivated."))
    t = now(session)
    key = new_secret(API_KEY_PREFIX)
    api_key = await repo.add(
        ApiKey(agent_id=owner.id, name=name, prefix=key[:10], key_hash=digest(key), created_at=t)
    )
    record_event(
        session,
        ev.ApiKeyCreated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            api_key_id=api_key.id,
            agent_id=owner.id,
        ),
    )
    await do_record_security_event(
        session,
        actor.workspace_id,
        "apikey.created",
        agent_id=owner.id,
        actor=actor.ref,
        detail={"api_key_id": api_key.id, "name": name},
    )
    return api_key, key


async def do_revoke_api_key(session: AsyncSession, actor: Actor, api_key: ApiKey) -> ApiKey:
    actor.require(APIKEYS_ALL if api_key.agent_id != actor.id else APIKEYS_OWN)
    if api_key.revoked_at is None:
        t = now(session)
        api_key.revoked_at = t
        await session.flush()
        await next_value(session, actor.workspace_id, AUTH_EPOCH)
        record_event(
            session,
            ev.ApiKeyRevoked(
                workspace_id=actor.workspace_id,
                occurred_at=t,
                actor=actor.ref,
                api_key_id=api_key.id,
                agent_id=api_key.agent_id,
            ),
        )
        await do_record_security_event(
            session,
            actor.workspace_id,
            "apikey.revoked",
            agent_id=api_key.agent_id,
            actor=actor.ref,
            detail={"api_key_id": api_key.id},
        )
    return api_key


# -- teams and skills ---------------------------------------------------------------------------------------


async def _check_agents(repo: AccountsRepository, ids: list[int]) -> None:
    found = {a.id for a in await repo.agents_by_ids(list(set(ids)))}
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput(N_("Unknown agent ids: {ids}."), ids=", ".join(map(str, missing)))


async def do_create_team(session: AsyncSession, actor: Actor, data: TeamCreate) -> Team:
    actor.require(TEAMS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    if await repo.team_by_name(data.name):
        raise Conflict(N_("A team named {name} exists already."), name=data.name)
    await _check_agents(repo, data.member_ids)
    t = now(session)
    team = await repo.add(Team(name=data.name, description=data.description, created_at=t, updated_at=t))
    await repo.set_team_members(team.id, data.member_ids)
    record_event(
        session,
        ev.TeamChanged(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            team_id=team.id,
            member_ids=sorted(set(data.member_ids)),
        ),
    )
    return team


async def do_update_team(session: AsyncSession, actor: Actor, team: Team, data: TeamUpdate) -> Team:
    actor.require(TEAMS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    t = now(session)
    if data.name is not None and data.name != team.name:
        if await repo.team_by_name(data.name):
            raise Conflict(N_("A team named {name} exists already."), name=data.name)
        team.name = data.name
    if data.description is not None:
        team.description = data.description
    if data.member_ids is not None:
        await _check_agents(repo, data.member_ids)
        await repo.set_team_members(team.id, data.member_ids)
    team.updated_at = t
    await session.flush()
    members = (await repo.team_members([team.id]))[team.id]
    record_event(
        session,
        ev.TeamChanged(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            team_id=team.id,
            member_ids=members,
        ),
    )
    return team


async def do_create_skill(session: AsyncSession, actor: Actor, name: str, description: str = "") -> Skill:
    actor.require(TEAMS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    if await repo.skill_by_name(name):
        raise Conflict(N_("A skill named {name} exists already."), name=name)
    t = now(session)
    return await repo.add(Skill(name=name, description=description, created_at=t, updated_at=t))


async def do_update_skill(
    session: AsyncSession,
    actor: Actor,
    skill: Skill,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Skill:
    """Rename a skill or change its description (names stay unique in the workspace)."""
    actor.require(TEAMS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    if name is not None and name != skill.name:
        if await repo.skill_by_name(name):
            raise Conflict(N_("A skill named {name} exists already."), name=name)
        skill.name = name
    if description is not None:
        skill.description = description
    skill.updated_at = now(session)
    await session.flush()
    return skill


async def do_set_agent_skills(
    session: AsyncSession, actor: Actor, agent: Agent, levels: dict[int, int]
) -> None:
    actor.require(TEAMS_MANAGE)
    repo = AccountsRepository(session, actor.workspace_id)
    known = {s.id for s in await repo.skills_by_ids(list(levels))}
    missing = sorted(set(levels) - known)
    if missing:
        raise InvalidInput(N_("Unknown skill ids: {ids}."), ids=", ".join(map(str, missing)))
    await repo.set_agent_skills(agent.id, levels)


# -- chat presence ----------------------------------------------------------------------------------------

AVAILABILITY = ("online", "away", "offline")


async def do_set_availability(session: AsyncSession, actor: Actor, availability: str) -> Agent:
    """The agent says whether they take chats now. Not a change of who they are: cached
    credentials stay valid (no auth epoch bump)."""
    if availability not in AVAILABILITY:
        raise InvalidInput(N_("Availability is online, away or offline."))
    if actor.kind != "agent" or actor.id is None:
        raise Forbidden()
    agent = await AccountsRepository(session, actor.workspace_id).agent(actor.id)
    if agent is None:
        raise NotFound(N_("Agent not found."))
    t = now(session)
    agent.last_seen_at = t
    if agent.availability != availability:
        agent.availability = availability
        record_event(
            session,
            ev.AgentPresenceChanged(
                workspace_id=actor.workspace_id,
                occurred_at=t,
                actor=actor.ref,
                agent_id=agent.id,
                availability=availability,
            ),
        )
    await session.flush()
    return agent


async def do_touch_presence(session: AsyncSession, actor: Actor) -> None:
    """A console of the agent is connected (its heartbeat)."""
    if actor.kind == "agent" and actor.id is not None:
        await AccountsRepository(session, actor.workspace_id).touch_agent(actor.id, now(session))


async def do_note_assignment(session: AsyncSession, workspace_id: int, agent_id: int) -> None:
    """The agent was just given a chat: last in the round-robin order now."""
    await AccountsRepository(session, workspace_id).note_assignment(agent_id, now(session))


# -- out of office ------------------------------------------------------------------------------------------

MAX_OUT_OF_OFFICE = dt.timedelta(days=366)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def do_set_out_of_office(
    session: AsyncSession, actor: Actor, agent: Agent, out: bool, until: dt.datetime | None = None
) -> Agent:
    """Mark an agent out of office (for good, or `until` a moment within a year) or back. An agent
    sets their own; others need ROUTING_MANAGE. Out of office, they are given no tickets or chats;
    the change is an ``agent.updated`` event (ticket routing may hand their tickets on)."""
    if not (actor.can(ROUTING_MANAGE) or (actor.kind == "agent" and actor.id == agent.id)):
        raise Forbidden()
    t = now(session)
    if not out and until is not None:
        raise InvalidInput(N_("An end is given only with out of office."))
    if until is not None and until.tzinfo is None:
        raise InvalidInput(N_("Give the end of the absence with its time zone."))
    if until is not None and not t < until <= t + MAX_OUT_OF_OFFICE:
        raise InvalidInput(N_("The end of the absence must be in the future, within a year."))
    was = (agent.out_of_office, agent.out_of_office_until)
    if was[0] and was[1] is not None and was[1] <= t:
        was = (False, None)  # that absence is over already
    if was == (out, until):
        return agent
    agent.out_of_office, agent.out_of_office_until = out, until
    agent.updated_at = t
    await session.flush()
    record_event(
        session,
        ev.AgentUpdated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            agent_id=agent.id,
            changes={
                "out_of_office": [was[0], out],
                "out_of_office_until": [_iso(was[1]), _iso(until)],
            },
        ),
    )
    return agent
