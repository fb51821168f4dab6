"""Durable jobs of the automations: webhook deliveries (retried with backoff) and the periodic run of
time-based rules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.automations import schedules, webhooks
from wowdesk.tickets.automations.engine import WEBHOOK_JOB
from wowdesk.tickets.automations.repository import AutomationsRepository
from wowdesk.tickets.repository import TicketsRepository

SCHEDULE_JOB = "tickets.automations_schedule"
SCHEDULE_EVERY = dt.timedelta(minutes=5)


async def deliver_webhook(session: AsyncSession, job: JobContext) -> None:
    """POST one delivery, signed with the rule's current secret. A rule deleted since has nothing to
    sign with: the delivery is dropped. The ticket is sent as it is now (the latest truth)."""
    if job.workspace_id is None:
        raise ValueError("a webhook delivery needs a workspace")
    p = job.payload
    rule = await AutomationsRepository(session, job.workspace_id).rule(int(p["automation_id"]))
    ticket = await TicketsRepository(session, job.workspace_id).ticket(int(p["ticket_id"]))
    if rule is None or ticket is None:
        return
    out = await ticket_queries.describe_ticket(session, job.workspace_id, ticket)
    body = webhooks.encode(
        {
            "delivery": str(job.id),
            "event": p["event"],
            "automation": {"id": rule.id, "name": rule.name},
            "occurred_at": p["occurred_at"],
            "ticket": out.model_dump(mode="json"),
        }
    )
    headers = {
        "WowDesk-Delivery": str(job.id),
        "WowDesk-Event": str(p["event"]),
        "WowDesk-Signature": webhooks.signature(rule.signing_secret, int(job.now.timestamp()), body),
    }
    await webhooks.post(str(p["url"]), body, headers)


async def run_schedules(session: AsyncSession, job: JobContext) -> None:
    await schedules.run_all(session, job.now)


JOBS = [
    JobSpec(name=WEBHOOK_JOB, handler=deliver_webhook, max_attempts=8, backoff_base=10.0),
    JobSpec(name=SCHEDULE_JOB, handler=run_schedules, every=SCHEDULE_EVERY),
]
