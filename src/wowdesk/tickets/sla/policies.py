"""Which policy applies to a ticket, the clock it counts on, and a new timer of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.calendars import queries as calendars
from wowdesk.customers import queries as customers
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.sla.models import PolicyRow, TimerRow
from wowdesk.tickets.sla.timers import WAITING, Clock


def matches(policy: PolicyRow, channel: str, ticket_tags: list[str], customer_tags: list[str]) -> bool:
    """Every condition of the policy holds (an empty one always does)."""
    if policy.channels and channel not in policy.channels:
        return False
    if policy.ticket_tags and not set(policy.ticket_tags) & set(ticket_tags):
        return False
    return not policy.customer_tags or bool(set(policy.customer_tags) & set(customer_tags))


async def choose(
    session: AsyncSession, ticket: TicketRow, tags: list[str], policies: list[PolicyRow]
) -> PolicyRow | None:
    customer_tags: list[str] | None = None
    for policy in policies:
        if policy.customer_tags and customer_tags is None:  # read only when a condition asks
            customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
            customer_tags = list(customer.tags or []) if customer is not None else []
        if matches(policy, ticket.channel, tags, customer_tags or []):
            return policy
    return None


async def clock_of(session: AsyncSession, policy: PolicyRow) -> Clock:
    calendar = await calendars.business_calendar(session, policy.workspace_id, policy.calendar_id)
    return Clock(calendar=calendar, near_seconds=policy.near_breach_minutes * 60)


def target_seconds(policy: PolicyRow, priority: str, metric: str) -> int | None:
    minutes = (policy.targets.get(priority) or {}).get(metric)
    return int(minutes) * 60 if minutes else None


def new_timer(ticket: TicketRow, policy: PolicyRow, metric: str, seconds: int, at: dt.datetime) -> TimerRow:
    return TimerRow(
        id=0,
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        policy_id=policy.id,
        metric=metric,
        status=WAITING,
        target_seconds=seconds,
        used_us=0,
        run=0,
        running_since=None,
        due_at=None,
        near_at=None,
        fulfilled_at=None,
        breached_at=None,
        near_breach_at=None,
        created_at=at,
        updated_at=at,
    )
