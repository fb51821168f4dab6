from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.models import (
    Agent,
    AgentSkill,
    ApiKey,
    AuthSession,
    SecurityEvent,
    Skill,
    Team,
    TeamMember,
    Workspace,
)
from wowdesk.core.db import dialect_of
from wowdesk.core.repository import WorkspaceRepository
from wowdesk.core.sql import Stmt, Stmts, driver, in_list

# The name of a per-workspace counter bumped whenever a credential stops being what it was (an
# agent changed, a key revoked): whoever cached a checked credential compares it first
# (http.actor_cache), in every process, whoever made the change (API, CLI, a job).
AUTH_EPOCH = "auth-epoch"


# -- the reads every ticket assignment makes, prepared once (core.sql, ADR 0009) ------------------------

_A = cast(Table, Agent.__table__)
_T = cast(Table, Team.__table__)
_M = cast(Table, TeamMember.__table__)
_WS: Any = bindparam("ws")
_TEAM_EXISTS = Stmt(select(_T.c.id).where(_T.c.workspace_id == _WS, _T.c.id == bindparam("team")))
_AGENT_ACTIVE = Stmt(select(_A.c.active).where(_A.c.workspace_id == _WS, _A.c.id == bindparam("agent")))
_IS_MEMBER = Stmt(
    select(_M.c.agent_id).where(
        _M.c.workspace_id == _WS, _M.c.team_id == bindparam("team"), _M.c.agent_id == bindparam("agent")
    )
)
# Every access check on a conversation or a ticket of a team reads the agent's teams.
_TEAMS_OF = Stmt(
    select(_M.c.team_id)
    .where(_M.c.workspace_id == _WS, _M.c.agent_id == bindparam("agent"))
    .order_by(_M.c.team_id)
)


def _assignable(team: bool, availability: bool, at: bool, lock: bool) -> Stmt[Any]:
    q = select(_A.c.id).where(_A.c.workspace_id == _WS, _A.c.active.is_(True))
    if availability:
        q = q.where(in_list(_A.c.availability, "availability"), _A.c.last_seen_at >= bindparam("seen_after"))
    if at:
        q = q.where(or_(_A.c.out_of_office.is_(False), _A.c.out_of_office_until <= bindparam("at")))
    if team:
        members = select(_M.c.agent_id).where(_M.c.workspace_id == _WS, _M.c.team_id == bindparam("team"))
        q = q.where(_A.c.id.in_(members))
    q = q.order_by(_A.c.id)
    return Stmt(q.with_for_update() if lock else q)


_ASSIGNABLE = Stmts(_assignable)


class WorkspaceDirectory:
    """Lookups across workspaces (login by slug, API key by hash). The only unscoped queries."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_slug(self, slug: str) -> Workspace | None:
        return (
            await self.session.execute(select(Workspace).where(Workspace.slug == slug))
        ).scalar_one_or_none()

    async def by_id(self, workspace_id: int) -> Workspace | None:
        return await self.session.get(Workspace, workspace_id)

    async def slug_taken(self, slug: str) -> bool:
        return (await self.by_slug(slug)) is not None

    async def add(self, ws: Workspace) -> Workspace:
        self.session.add(ws)
        await self.session.flush()
        return ws

    async def api_key_by_hash(self, key_hash: str) -> tuple[ApiKey, Agent] | None:
        q = select(ApiKey, Agent).join(Agent, Agent.id == ApiKey.agent_id).where(ApiKey.key_hash == key_hash)
        row = (await self.session.execute(q)).first()
        return (row[0], row[1]) if row else None

    async def session_by_hash(self, token_hash: str) -> tuple[AuthSession, Agent] | None:
        q = (
            select(AuthSession, Agent)
            .join(Agent, Agent.id == AuthSession.agent_id)
            .where(AuthSession.token_hash == token_hash)
        )
        row = (await self.session.execute(q)).first()
        return (row[0], row[1]) if row else None

    async def all(self) -> list[Workspace]:
        return list((await self.session.execute(select(Workspace).order_by(Workspace.id))).scalars())

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(Workspace))).scalar_one())


class AccountsRepository(WorkspaceRepository):
    # -- agents --------------------------------------------------------------------------------
    async def agent(self, agent_id: int) -> Agent | None:
        return await self.by_id(Agent, agent_id)

    async def agent_by_email(self, email: str) -> Agent | None:
        q = self.scoped(Agent).where(Agent.email == email)
        return (await self.session.execute(q)).scalar_one_or_none()

    async def agents(
        self,
        *,
        active: bool | None = None,
        role: str | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Agent]:
        q = self.scoped(Agent)
        if active is not None:
            q = q.where(Agent.active.is_(active))
        if role:
            q = q.where(Agent.role == role)
        if after_id:
            q = q.where(Agent.id > after_id)
        return list((await self.session.execute(q.order_by(Agent.id).limit(limit))).scalars())

    async def agents_by_ids(self, ids: list[int]) -> list[Agent]:
        if not ids:
            return []
        return list((await self.session.execute(self.scoped(Agent).where(Agent.id.in_(ids)))).scalars())

    async def count_active_admins(self) -> int:
        q = (
            select(func.count())
            .select_from(Agent)
            .where(Agent.workspace_id == self.workspace_id, Agent.role == "admin", Agent.active.is_(True))
        )
        return int((await self.session.execute(q)).scalar_one())

    # -- teams -----------------------------------------------------------------------------------
    async def team(self, team_id: int) -> Team | None:
        return await self.by_id(Team, team_id)

    async def team_by_name(self, name: str) -> Team | None:
        return (await self.session.execute(self.scoped(Team).where(Team.name == name))).scalar_one_or_none()

    async def teams(self) -> list[Team]:
        return list((await self.session.execute(self.scoped(Team).order_by(Team.name))).scalars())

    async def team_members(self, team_ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {t: [] for t in team_ids}
        if not team_ids:
            return out
        q = (
            select(TeamMember.team_id, TeamMember.agent_id)
            .where(TeamMember.workspace_id == self.workspace_id, TeamMember.team_id.in_(team_ids))
            .order_by(TeamMember.agent_id)
        )
        for team_id, agent_id in (await self.session.execute(q)).all():
            out[team_id].append(agent_id)
        return out

    async def set_team_members(self, team_id: int, agent_ids: list[int]) -> None:
        await self.session.execute(
            delete(TeamMember).where(
                TeamMember.workspace_id == self.workspace_id, TeamMember.team_id == team_id
            )
        )
        for agent_id in sorted(set(agent_ids)):
            self.session.add(TeamMember(workspace_id=self.workspace_id, team_id=team_id, agent_id=agent_id))
        await self.session.flush()

    async def assignable(
        self,
        team_id: int | None,
        seen_after: dt.datetime,
        *,
        lock: bool = True,
        at: dt.datetime | None = None,
        availability: tuple[str, ...] | None = ("online",),
    ) -> list[Agent]:
        """Active agents with one of these availabilities whose console was seen after `seen_after`
        (any availability, seen or not, when None), not out of office at `at`: in the team, or
        anyone without one. Locked in id order on PostgreSQL, so two assignments at once count
        the same agent's chats and tickets one after the other."""
        q = self.scoped(Agent).where(Agent.active.is_(True))
        if availability is not None:
            q = q.where(Agent.availability.in_(availability), Agent.last_seen_at >= seen_after)
        if at is not None:
            q = q.where(or_(Agent.out_of_office.is_(False), Agent.out_of_office_until <= at))
        if team_id is not None:
            q = q.where(
                Agent.id.in_(
                    select(TeamMember.agent_id).where(
                        TeamMember.workspace_id == self.workspace_id, TeamMember.team_id == team_id
                    )
                )
            )
        q = q.order_by(Agent.id)
        if lock and dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        return list((await self.session.execute(q)).scalars())

    async def assignable_ids(
        self,
        team_id: int | None,
        seen_after: dt.datetime,
        *,
        lock: bool = True,
        at: dt.datetime | None = None,
        availability: tuple[str, ...] | None = ("online",),
    ) -> list[int]:
        """The ids of ``assignable(…)`` — the same agents, locked the same way — without loading
        them (ticket routing asks this on every new ticket of a team with a rule)."""
        db = await driver(self.session)
        stmt = _ASSIGNABLE(
            team_id is not None, availability is not None, at is not None, lock and db.name == "postgresql"
        )
        params: dict[str, Any] = {"ws": self.workspace_id}
        if team_id is not None:
            params["team"] = team_id
        if availability is not None:
            params["availability"] = list(availability)
            params["seen_after"] = seen_after
        if at is not None:
            params["at"] = at
        return [int(r[0]) for r in await db.all(stmt, params)]

    async def team_exists(self, team_id: int) -> bool:
        return (
            await (await driver(self.session)).one(_TEAM_EXISTS, {"ws": self.workspace_id, "team": team_id})
            is not None
        )

    async def agent_is_active(self, agent_id: int) -> bool:
        row = await (await driver(self.session)).one(
            _AGENT_ACTIVE, {"ws": self.workspace_id, "agent": agent_id}
        )
        return row is not None and bool(row[0])

    async def is_member(self, team_id: int, agent_id: int) -> bool:
        params = {"ws": self.workspace_id, "team": team_id, "agent": agent_id}
        return await (await driver(self.session)).one(_IS_MEMBER, params) is not None

    async def touch_agent(self, agent_id: int, at: dt.datetime) -> None:
        await self.session.execute(
            update(Agent)
            .where(Agent.workspace_id == self.workspace_id, Agent.id == agent_id)
            .values(last_seen_at=at)
            .execution_options(synchronize_session=False)
        )

    async def extend_session(self, session_id: int, at: dt.datetime, expires_at: dt.datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.workspace_id == self.workspace_id, AuthSession.id == session_id)
            .values(last_seen_at=at, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )

    async def note_assignment(self, agent_id: int, at: dt.datetime) -> None:
        await self.session.execute(
            update(Agent)
            .where(Agent.workspace_id == self.workspace_id, Agent.id == agent_id)
            .values(last_assigned_at=at)
            .execution_options(synchronize_session=False)
        )

    async def teams_of(self, agent_id: int) -> list[int]:
        rows = await (await driver(self.session)).all(_TEAMS_OF, {"ws": self.workspace_id, "agent": agent_id})
        return [int(r[0]) for r in rows]

    async def delete_team(self, team: Team) -> None:
        await self.session.delete(team)
        await self.session.flush()

    # -- skills ----------------------------------------------------------------------------------
    async def skills(self) -> list[Skill]:
        return list((await self.session.execute(self.scoped(Skill).order_by(Skill.name))).scalars())

    async def skill_by_name(self, name: str) -> Skill | None:
        return (await self.session.execute(self.scoped(Skill).where(Skill.name == name))).scalar_one_or_none()

    async def skills_by_ids(self, ids: list[int]) -> list[Skill]:
        if not ids:
            return []
        return list((await self.session.execute(self.scoped(Skill).where(Skill.id.in_(ids)))).scalars())

    async def agent_skills(self, agent_id: int) -> list[AgentSkill]:
        q = self.scoped(AgentSkill).where(AgentSkill.agent_id == agent_id).order_by(AgentSkill.skill_id)
        return list((await self.session.execute(q)).scalars())

    async def skill_levels(self, agent_ids: list[int]) -> dict[int, dict[int, int]]:
        """agent id → {skill id: level} for these agents, in one query."""
        out: dict[int, dict[int, int]] = {a: {} for a in agent_ids}
        if not agent_ids:
            return out
        q = select(AgentSkill.agent_id, AgentSkill.skill_id, AgentSkill.level).where(
            AgentSkill.workspace_id == self.workspace_id, AgentSkill.agent_id.in_(agent_ids)
        )
        for agent_id, skill_id, level in (await self.session.execute(q)).all():
            out[agent_id][skill_id] = level
        return out

    async def set_agent_skills(self, agent_id: int, levels: dict[int, int]) -> None:
        await self.session.execute(
            delete(AgentSkill).where(
                AgentSkill.workspace_id == self.workspace_id, AgentSkill.agent_id == agent_id
            )
        )
        for skill_id, level in sorted(levels.items()):
            self.session.add(
                AgentSkill(workspace_id=self.workspace_id, agent_id=agent_id, skill_id=skill_id, level=level)
            )
        await self.session.flush()

    # -- api keys, sessions, audit -----------------------------------------------------------------
    async def api_key(self, key_id: int) -> ApiKey | None:
        return await self.by_id(ApiKey, key_id)

    async def api_keys(self, agent_id: int | None) -> list[ApiKey]:
        q = self.scoped(ApiKey)
        if agent_id is not None:
            q = q.where(ApiKey.agent_id == agent_id)
        return list((await self.session.execute(q.order_by(ApiKey.id))).scalars())

    async def touch_api_key(self, key_id: int, now: dt.datetime) -> None:
        await self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))

    async def revoke_sessions(self, agent_id: int, now: dt.datetime) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(
                AuthSession.workspace_id == self.workspace_id,
                AuthSession.agent_id == agent_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    async def security_events(
        self, *, kind: str | None, before_id: int | None, limit: int
    ) -> list[SecurityEvent]:
        q = self.scoped(SecurityEvent)
        if kind:
            q = q.where(SecurityEvent.kind == kind)
        if before_id:
            q = q.where(SecurityEvent.id < before_id)
        return list((await self.session.execute(q.order_by(SecurityEvent.id.desc()).limit(limit))).scalars())
