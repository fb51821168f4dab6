"""Durable reactions of ticket links: a solved problem solves its incidents and tells their
requesters. Written with the solve (a listener on ``ticket.updated``), so it is never lost."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.events import Event
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.tickets.events import TicketUpdated
from wowdesk.tickets.links import actions


def solved(event: Event) -> bool:
    """A ticket became solved (whether it is a problem with incidents, the job finds out)."""
    return isinstance(event, TicketUpdated) and event.changes.get("status", [None, None])[-1] == "solved"


def _actor(workspace_id: int, problem_id: int) -> Actor:
    return Actor.system(workspace_id, via=f"problem:{problem_id}")


async def on_ticket_solved(session: AsyncSession, job: JobContext) -> None:
    event = TicketUpdated.model_validate(job.payload["data"])
    await actions.do_solve_incidents(session, _actor(event.workspace_id, event.ticket_id), event.ticket_id)


async def solve_incidents(session: AsyncSession, job: JobContext) -> None:
    """The next batch of a problem's incidents (queued by the previous one)."""
    if job.workspace_id is None:
        raise ValueError("tickets.solve_incidents needs a workspace")
    problem_id = int(job.payload["problem_id"])
    await actions.do_solve_incidents(
        session, _actor(job.workspace_id, problem_id), problem_id, after=int(job.payload.get("after", 0))
    )


JOBS = [JobSpec(name=actions.SOLVE_INCIDENTS_JOB, handler=solve_incidents)]

# (event name, job, condition) triples, wired by the composition root.
LISTENERS = [
    (
        TicketUpdated.name,
        JobSpec(name="tickets.on_ticket_solved", handler=on_ticket_solved),
        solved,
    ),
]
