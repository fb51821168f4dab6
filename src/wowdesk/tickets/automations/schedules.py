"""Time-based rules ("pending for 3 business days → send a reminder"), run every few minutes by a
periodic job. A rule looks at tickets that are not closed; each fires at most once for one state of
a ticket: once per status change when it measures from ``status_changed``, once per change of the
ticket when it measures from ``updated``, once ever from ``created``. Its changes then go through
the triggers like any other change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.tickets.automations import engine
from wowdesk.tickets.automations.repository import BASES, AutomationsRepository, workspaces_with_schedules

BATCH = 200  # tickets per rule and run; the next run takes the rest


def _pick(rule: engine.Rule, at: dt.datetime) -> tuple[str, dt.datetime, list[str]]:
    """Which timestamp the rule measures from, the latest moment a ticket's may be to qualify
    (business hours never outrun wall-clock hours, so "more than N business hours" implies "more
    than N hours"), and the statuses it is limited to."""
    base, before = "updated", at
    for c in rule.required:
        if c.field.startswith("hours_since.") and c.op in ("gt", "gte"):
            base = c.field.removeprefix("hours_since.")
            before = at - dt.timedelta(hours=float(c.value))
            break
        if c.field.startswith("hours_since."):
            base = c.field.removeprefix("hours_since.")
    statuses: list[str] = []
    for c in rule.required:
        if c.field == "ticket.status" and c.op == "is":
            statuses = [c.value]
        elif c.field == "ticket.status" and c.op == "in":
            statuses = list(c.value)
    return base, before, [s for s in statuses if s != "closed"]


async def run_workspace(session: AsyncSession, workspace_id: int, at: dt.datetime) -> int:
    """Run the workspace's time-based rules once; how many times they fired."""
    fired = 0
    repo = AutomationsRepository(session, workspace_id)
    calendars: dict[int, Any] = {}
    for rule in await engine.rules(session, workspace_id, "schedule"):
        base, before, statuses = _pick(rule, at)
        for ticket in await repo.due_for(rule.id, base, before, statuses, BATCH):
            facts = await engine.facts_for(session, ticket, None, [rule], known_calendars=calendars)
            if not rule.matches(facts):
                continue
            stamp = getattr(ticket, BASES[base])
            if not await repo.record_firing(rule.id, ticket.id, f"{base}:{stamp.isoformat()}", at):
                continue
            await engine.fire(session, rule, ticket, "schedule")
            await engine.react(session, ticket)
            fired += 1
    return fired


async def run_all(session: AsyncSession, at: dt.datetime) -> int:
    total = 0
    for workspace_id in await workspaces_with_schedules(session):
        total += await run_workspace(session, workspace_id, at)
    return total
