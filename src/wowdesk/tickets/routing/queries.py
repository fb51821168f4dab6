"""Reads of ticket routing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import ROUTING_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.tickets.routing.models import RuleRow
from wowdesk.tickets.routing.repository import RoutingRepository
from wowdesk.tickets.routing.schemas import RoutingRuleOut


async def get_routing_rule(session: AsyncSession, actor: Actor, team_id: int) -> RuleRow:
    """The team's rule; a team without one assigns by hand (the defaults, ``updated_at`` None)."""
    actor.require(ROUTING_MANAGE)
    await accounts.get_team(session, actor, team_id)  # another workspace's team is a 404
    found = await RoutingRepository(session, actor.workspace_id).rule(team_id)
    return found if found is not None else RuleRow(team_id=team_id)


def describe_rule(rule: RuleRow) -> RoutingRuleOut:
    return RoutingRuleOut(
        team_id=rule.team_id,
        strategy=rule.strategy,
        ticket_capacity=rule.ticket_capacity,
        presence=rule.presence,
        language_skills={k: int(v) for k, v in (rule.language_skills or {}).items()},
        channel_skills={k: int(v) for k, v in (rule.channel_skills or {}).items()},
        field_skills=list(rule.field_skills or []),
        fallback=rule.fallback,
        reassign_on_offline=rule.reassign_on_offline,
        updated_at=rule.updated_at,
    )
