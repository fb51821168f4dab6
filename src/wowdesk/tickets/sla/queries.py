"""Reads of the SLA: policies (every agent may read them) and a ticket's timers as they stand now
(due times, time left in business time, breach and warning)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.sla.models import PolicyRow, TimerRow
from wowdesk.tickets.sla.policies import clock_of
from wowdesk.tickets.sla.repository import SlaRepository
from wowdesk.tickets.sla.schemas import MAX_POLICIES, PolicyOut, PolicySummary, TicketSlaOut, TimerOut
from wowdesk.tickets.sla.timers import (
    METRICS,
    RUNNING,
    Clock,
    near_window_us,
    remaining_us,
    state_of,
    used_now,
)

__all__ = ["PolicyRow"]


async def list_policies(session: AsyncSession, actor: Actor) -> list[PolicyRow]:
    """Every policy in evaluation order (inactive ones too)."""
    actor.require(TICKETS_READ)
    return await SlaRepository(session, actor.workspace_id).policies(limit=MAX_POLICIES)


async def get_policy(session: AsyncSession, actor: Actor, policy_id: int) -> PolicyRow:
    actor.require(TICKETS_READ)
    row = await SlaRepository(session, actor.workspace_id).policy(policy_id)
    if row is None:
        raise NotFound(N_("SLA policy not found."))
    return row


def policy_out(row: PolicyRow) -> PolicyOut:
    return PolicyOut(
        id=row.id,
        name=row.name,
        description=row.description,
        position=row.position,
        active=row.active,
        channels=list(row.channels),
        customer_tags=list(row.customer_tags),
        ticket_tags=list(row.ticket_tags),
        calendar_id=row.calendar_id,
        targets={p: dict(m) for p, m in row.targets.items()},
        near_breach_minutes=row.near_breach_minutes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def check_calendar_unused(session: AsyncSession, workspace_id: int, calendar_id: int) -> None:
    """Refuse to let a calendar go while a policy counts on it (``accounts.calendars`` asks)."""
    name = await SlaRepository(session, workspace_id).policy_using_calendar(calendar_id)
    if name is not None:
        raise Conflict(
            N_("The SLA policy {policy} uses this calendar; give it another calendar first."), policy=name
        )


def timer_out(t: TimerRow, at: dt.datetime, clock: Clock) -> TimerOut:
    left = remaining_us(t, at, clock)
    near = t.near_breach_at is not None or (
        t.status == RUNNING and near_window_us(t, clock) > 0 and left <= near_window_us(t, clock)
    )
    return TimerOut(
        metric=t.metric,
        state=state_of(t),
        target_minutes=round(t.target_seconds / 60, 2),
        due_at=t.due_at if t.status in (RUNNING, "fulfilled") else None,
        near_breach=near,
        breached=t.breached_at is not None or (t.status == RUNNING and left < 0),
        near_breach_at=t.near_breach_at,
        breached_at=t.breached_at,
        fulfilled_at=t.fulfilled_at,
        business_seconds_used=used_now(t, at, clock) // 1_000_000,
        business_seconds_remaining=int(left / 1_000_000),
        policy_id=t.policy_id,
    )


async def ticket_sla(session: AsyncSession, actor: Actor, ticket: TicketRow) -> TicketSlaOut:
    """The ticket's timers now: one per metric its policy has a target for."""
    actor.require(TICKETS_READ)
    repo = SlaRepository(session, actor.workspace_id)
    timers = await repo.timers(ticket.id)
    policy = await repo.policy(timers[0].policy_id) if timers else None
    if policy is None:
        return TicketSlaOut(ticket_id=ticket.id, policy=None, time_zone="UTC", timers=[])
    clock = await clock_of(session, policy)
    at = now(session)
    order = {m: i for i, m in enumerate(METRICS)}
    return TicketSlaOut(
        ticket_id=ticket.id,
        policy=PolicySummary(id=policy.id, name=policy.name, calendar_id=policy.calendar_id),
        time_zone=clock.calendar.time_zone,
        timers=[timer_out(t, at, clock) for t in sorted(timers, key=lambda t: order.get(t.metric, 9))],
    )
