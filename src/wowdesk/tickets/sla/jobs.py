"""Durable jobs of the SLA: a timer's warning and its due moment. Each is planned for one run of
one timer (its ticket, metric, run number and due time); a job whose run is over does nothing, and
the marks it makes are state, so running a job twice (or two runners racing) marks once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.tickets.actions import react
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.sla.tracking import DUE_JOB, NEAR_JOB, do_fire_mark


async def fire_mark(session: AsyncSession, job: JobContext) -> None:
    """Make the marks due; the workspace's rules then react to the warning or the breach
    (escalate, notify, reprioritise) in the same unit of work."""
    if job.workspace_id is None:
        raise ValueError(f"{job.name} needs a workspace")
    if await do_fire_mark(session, job.workspace_id, job.payload, job.now):
        ticket = await TicketsRepository(session, job.workspace_id).ticket(int(job.payload["ticket_id"]))
        if ticket is not None:
            await react(session, ticket)


JOBS = [
    JobSpec(name=NEAR_JOB, handler=fire_mark),
    JobSpec(name=DUE_JOB, handler=fire_mark),
]
