"""The durable side of surveys: a listener on ``ticket.updated`` (only solves cost a job) that
queues the survey for the workspace's delay, and the job that sends it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.events import Event
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.tickets.csat import actions
from wowdesk.tickets.events import TicketUpdated


def solved(event: Event) -> bool:
    """The condition: a ticket.updated event whose status became solved (no I/O)."""
    if not isinstance(event, TicketUpdated):
        return False
    change = event.changes.get("status")
    return change is not None and len(change) == 2 and change[1] == "solved" and change[0] != "solved"


async def on_ticket_solved(session: AsyncSession, job: JobContext) -> None:
    event = TicketUpdated.model_validate(job.payload["data"])
    await actions.do_schedule_survey(session, event.workspace_id, event.ticket_id, event.occurred_at)


async def send_survey(session: AsyncSession, job: JobContext) -> None:
    if job.workspace_id is None:
        raise ValueError(f"{actions.SEND_JOB} needs a workspace")
    await actions.do_send_survey(
        session, job.workspace_id, int(job.payload["ticket_id"]), int(job.payload.get("delay_minutes", 0))
    )


JOBS = [JobSpec(name=actions.SEND_JOB, handler=send_survey)]

# (event name, job, condition) triples: the composition root wires each event to its job, written
# only for the events the condition accepts.
LISTENERS = [
    (TicketUpdated.name, JobSpec(name="tickets.csat.on_ticket_solved", handler=on_ticket_solved), solved),
]
