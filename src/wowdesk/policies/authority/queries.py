"""Reads of authority limits: a role's, an agent's (their overrides over their role's), and the
day a daily total is counted over (the workspace's time zone)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import APPROVALS_DECIDE, COMPENSATION_GRANT, LIMITS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Forbidden
from wowdesk.policies.authority.models import LimitRow
from wowdesk.policies.authority.repository import AuthorityRepository
from wowdesk.policies.authority.schemas import (
    KINDS,
    LIMIT_ROLES,
    AgentLimitsOut,
    Day,
    Limit,
    RoleLimitsOut,
    default_limit,
)


async def workspace_money(session: AsyncSession, workspace_id: int) -> tuple[str, str]:
    """The workspace's (currency, time zone)."""
    ws = await accounts.get_workspace(session, workspace_id)
    return ws.currency, ws.time_zone


def day_of(at: dt.datetime, time_zone: str) -> Day:
    """The calendar day `at` falls on in `time_zone`, as a UTC range (23 or 25 hours long on the
    days clocks change)."""
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone)
    start = dt.datetime(local.year, local.month, local.day, tzinfo=zone)
    following = start.date() + dt.timedelta(days=1)
    end = dt.datetime(following.year, following.month, following.day, tzinfo=zone)
    return Day(
        date=start.date(), time_zone=time_zone, start=start.astimezone(dt.UTC), end=end.astimezone(dt.UTC)
    )


def _limit(row: LimitRow) -> Limit:
    return Limit(row.kind, row.per_grant_minor, row.per_day_minor, row.currency, row.subject)


def _effective(rows: list[LimitRow], role: str, agent_id: int | None, currency: str) -> dict[str, Limit]:
    by_subject = {(r.subject, r.kind): r for r in rows}
    out: dict[str, Limit] = {}
    for kind in KINDS:
        row = by_subject.get((f"agent:{agent_id}", kind)) or by_subject.get((f"role:{role}", kind))
        if row is not None:
            out[kind] = _limit(row)
        else:
            per_grant, per_day = default_limit(role, kind, currency)
            out[kind] = Limit(kind, per_grant, per_day, currency, f"default:{role}")
    return out


async def limits_of(
    session: AsyncSession, workspace_id: int, role: str | None, agent_id: int | None
) -> dict[str, Limit]:
    """The limits in force for an agent of `role` (their overrides, else the role's, else the
    defaults), per kind."""
    currency, _tz = await workspace_money(session, workspace_id)
    role = role if role in LIMIT_ROLES else "agent"
    rows = await AuthorityRepository(session, workspace_id).of(role, agent_id)
    return _effective(rows, role, agent_id, currency)


async def limits_for(session: AsyncSession, actor: Actor) -> dict[str, Limit]:
    """The limits of whoever acts: the system (a policy acting on its own) has none."""
    if actor.kind == "system":
        currency, _tz = await workspace_money(session, actor.workspace_id)
        return {k: Limit(k, None, None, currency, "system") for k in KINDS}
    return await limits_of(session, actor.workspace_id, actor.role, actor.id)


async def get_role_limits(session: AsyncSession, actor: Actor) -> RoleLimitsOut:
    """Every role's limits (anyone who grants may see them)."""
    if not (actor.can(COMPENSATION_GRANT) or actor.can(LIMITS_MANAGE)):
        raise Forbidden()
    currency, _tz = await workspace_money(session, actor.workspace_id)
    rows = await AuthorityRepository(session, actor.workspace_id).all()
    roles = {
        role: {k: v.out() for k, v in _effective(rows, role, None, currency).items()} for role in LIMIT_ROLES
    }
    stored = any(r.subject.startswith("role:") for r in rows)
    return RoleLimitsOut(currency=currency, stored=stored, roles=roles)


async def get_agent_limits(session: AsyncSession, actor: Actor, agent_id: int) -> AgentLimitsOut:
    """An agent's overrides and the limits in force for them (admins, supervisors, the agent)."""
    own = actor.kind == "agent" and actor.id == agent_id and actor.can(COMPENSATION_GRANT)
    if not (own or actor.can(LIMITS_MANAGE) or actor.can(APPROVALS_DECIDE)):
        raise Forbidden()
    agent = await accounts.get_agent(session, actor, agent_id)
    currency, _tz = await workspace_money(session, actor.workspace_id)
    role = agent.role if agent.role in LIMIT_ROLES else "agent"
    rows = await AuthorityRepository(session, actor.workspace_id).of(role, agent.id)
    overrides = {r.kind: _limit(r).out() for r in rows if r.subject == f"agent:{agent.id}"}
    effective = {k: v.out() for k, v in _effective(rows, role, agent.id, currency).items()}
    return AgentLimitsOut(
        agent_id=agent.id, role=agent.role, currency=currency, overrides=overrides, effective=effective
    )
