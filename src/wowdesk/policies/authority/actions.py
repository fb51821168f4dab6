"""Writes of authority limits: a role's limits, an agent's overrides, and storing the defaults the
first time a workspace uses its limits. Nothing here commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import LIMITS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.events import record_event
from wowdesk.core.uow import now
from wowdesk.policies.authority import queries
from wowdesk.policies.authority.events import AuthorityLimitsChanged
from wowdesk.policies.authority.models import LimitRow
from wowdesk.policies.authority.repository import AuthorityRepository
from wowdesk.policies.authority.schemas import (
    KINDS,
    LIMIT_ROLES,
    AgentLimitsIn,
    AgentLimitsOut,
    LimitIn,
    RoleLimitsIn,
    RoleLimitsOut,
    default_limit,
)


def _row(
    workspace_id: int,
    subject: str,
    agent_id: int | None,
    kind: str,
    limit: LimitIn,
    currency: str,
    session: AsyncSession,
) -> LimitRow:
    t = now(session)
    return LimitRow(
        id=0,
        workspace_id=workspace_id,
        subject=subject,
        agent_id=agent_id,
        kind=kind,
        per_grant_minor=limit.per_grant_minor,
        per_day_minor=limit.per_day_minor,
        currency=currency,
        created_at=t,
        updated_at=t,
    )


async def ensure_stored(session: AsyncSession, workspace_id: int) -> None:
    """Store the default role limits, in the workspace's currency, unless it has limits already
    (the first grant or the first change of a limit calls this)."""
    repo = AuthorityRepository(session, workspace_id)
    if await repo.has_role_limits():
        return
    currency, _tz = await queries.workspace_money(session, workspace_id)
    rows = []
    for role in LIMIT_ROLES:
        for kind in KINDS:
            per_grant, per_day = default_limit(role, kind, currency)
            limit = LimitIn(per_grant_minor=per_grant, per_day_minor=per_day)
            rows.append(_row(workspace_id, f"role:{role}", None, kind, limit, currency, session))
    try:
        async with (await repo.db()).savepoint():
            await repo.insert_many(rows)
    except IntegrityError:  # another request stored them at the same moment: theirs stand
        pass


def _described(limits: dict[Any, LimitIn | None], currency: str) -> dict[str, Any]:
    return {str(k): None if v is None else v.model_dump() | {"currency": currency} for k, v in limits.items()}


async def do_set_role_limits(session: AsyncSession, actor: Actor, data: RoleLimitsIn) -> RoleLimitsOut:
    """Change the limits of the roles and kinds named; the others stay as they are."""
    actor.require(LIMITS_MANAGE)
    await ensure_stored(session, actor.workspace_id)
    repo = AuthorityRepository(session, actor.workspace_id)
    currency, _tz = await queries.workspace_money(session, actor.workspace_id)
    existing = {(r.subject, r.kind): r for r in await repo.all()}
    t = now(session)
    new: list[LimitRow] = []
    for role, kinds in data.roles.items():
        subject = f"role:{role}"
        for kind, limit in kinds.items():
            row = existing.get((subject, kind))
            if row is None:
                new.append(_row(actor.workspace_id, subject, None, kind, limit, currency, session))
                continue
            row.per_grant_minor, row.per_day_minor = limit.per_grant_minor, limit.per_day_minor
            row.currency, row.updated_at = currency, t
            await repo.update(row)
        record_event(
            session,
            AuthorityLimitsChanged(
                workspace_id=actor.workspace_id,
                occurred_at=t,
                actor=actor.ref,
                subject=subject,
                limits=_described(dict(kinds), currency),
            ),
        )
    await repo.insert_many(new)
    return await queries.get_role_limits(session, actor)


async def do_set_agent_limits(
    session: AsyncSession, actor: Actor, agent_id: int, data: AgentLimitsIn
) -> AgentLimitsOut:
    """Replace an agent's overrides: the kinds named override their role's limits, the others
    follow the role again."""
    actor.require(LIMITS_MANAGE)
    agent = await accounts.get_agent(session, actor, agent_id)
    repo = AuthorityRepository(session, actor.workspace_id)
    currency, _tz = await queries.workspace_money(session, actor.workspace_id)
    subject = f"agent:{agent.id}"
    await repo.delete_subject(subject)
    await repo.insert_many(
        [
            _row(actor.workspace_id, subject, agent.id, kind, limit, currency, session)
            for kind, limit in data.overrides.items()
        ]
    )
    changes: dict[Any, LimitIn | None] = {k: data.overrides.get(k) for k in KINDS}
    record_event(
        session,
        AuthorityLimitsChanged(
            workspace_id=actor.workspace_id,
            occurred_at=now(session),
            actor=actor.ref,
            subject=subject,
            limits=_described(changes, currency),
        ),
    )
    return await queries.get_agent_limits(session, actor, agent.id)
