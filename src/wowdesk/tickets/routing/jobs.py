"""Durable work of ticket routing: when an agent goes offline, out of office or is deactivated,
their tickets of each team whose rule says so go through routing again — one job per team, so
each transaction locks one team's rule and agents (always in the same order)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.events import AgentPresenceChanged, AgentUpdated
from wowdesk.core.events import Event
from wowdesk.core.jobs.registry import JobContext, JobSpec, enqueue
from wowdesk.tickets.events import TicketUpdated
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.routing import actions

REASSIGN_JOB = "tickets.routing.reassign"
DRAIN_JOB = "tickets.routing.drain"


def went_offline(event: Event) -> bool:
    return isinstance(event, AgentPresenceChanged) and event.availability == "offline"


def left(event: Event) -> bool:
    """Out of office from now, or deactivated."""
    if not isinstance(event, AgentUpdated):
        return False
    ooo, active = event.changes.get("out_of_office"), event.changes.get("active")
    return (ooo is not None and ooo[-1] is True) or (active is not None and active[-1] is False)


def came_back(event: Event) -> bool:
    """Online or away (taking work again), or out of office no more."""
    if isinstance(event, AgentPresenceChanged):
        return event.availability in ("online", "away")
    if isinstance(event, AgentUpdated):
        ooo = event.changes.get("out_of_office")
        return ooo is not None and ooo[-1] is False
    return False


def room_freed(event: Event) -> bool:
    """A ticket left someone's hands: solved, closed, or handed to another agent or to nobody.
    (Pending and on-hold still count against capacity; a ticket going there frees nothing.)"""
    if not isinstance(event, TicketUpdated):
        return False
    status, assignee = event.changes.get("status"), event.changes.get("assignee_id")
    return (status is not None and status[-1] in ("solved", "closed")) or (
        assignee is not None and assignee[0] is not None
    )


async def _drain_later(session: AsyncSession, workspace_id: int, team_id: int, job_id: int) -> None:
    await enqueue(
        session,
        DRAIN_JOB,
        {"team_id": team_id},
        workspace_id=workspace_id,
        dedupe_key=f"routing-drain:{team_id}:{job_id}",
    )


async def on_agent_back(session: AsyncSession, job: JobContext) -> None:
    data = job.payload["data"]
    workspace_id, agent_id = int(data["workspace_id"]), int(data["agent_id"])
    for team_id in await actions.routed_teams_of(session, workspace_id, agent_id):
        await _drain_later(session, workspace_id, team_id, job.id)


async def on_room_freed(session: AsyncSession, job: JobContext) -> None:
    data = job.payload["data"]
    workspace_id = int(data["workspace_id"])
    ticket = await TicketsRepository(session, workspace_id).ticket(int(data["ticket_id"]))
    if ticket is not None and ticket.team_id is not None:
        await _drain_later(session, workspace_id, ticket.team_id, job.id)


async def drain(session: AsyncSession, job: JobContext) -> None:
    """Give the team's waiting tickets to whoever has room now; a full batch queues the rest."""
    if job.workspace_id is None:
        raise ValueError("tickets.routing.drain needs a workspace")
    team_id = int(job.payload["team_id"])
    if await actions.do_drain_queue(session, job.workspace_id, team_id) >= actions.DRAIN_BATCH:
        await _drain_later(session, job.workspace_id, team_id, job.id)


async def on_agent_gone(session: AsyncSession, job: JobContext) -> None:
    """Enqueue the reassignment of the agent's tickets, team by team."""
    data = job.payload["data"]
    workspace_id, agent_id = int(data["workspace_id"]), int(data["agent_id"])
    if not await actions.gone(session, workspace_id, agent_id):
        return  # back already
    for team_id in await actions.routed_teams_of(session, workspace_id, agent_id, reassigning=True):
        await enqueue(
            session,
            REASSIGN_JOB,
            {"agent_id": agent_id, "team_id": team_id},
            workspace_id=workspace_id,
            dedupe_key=f"routing-reassign:{agent_id}:{team_id}:{job.id}",
        )


async def reassign(session: AsyncSession, job: JobContext) -> None:
    """Route one team's tickets of a gone agent again; a full batch queues the rest."""
    if job.workspace_id is None:
        raise ValueError("tickets.routing.reassign needs a workspace")
    agent_id, team_id = int(job.payload["agent_id"]), int(job.payload["team_id"])
    handled = await actions.do_reassign_from(session, job.workspace_id, agent_id, team_id)
    if handled >= actions.REASSIGN_BATCH:
        await enqueue(
            session,
            REASSIGN_JOB,
            job.payload,
            workspace_id=job.workspace_id,
            dedupe_key=f"routing-reassign:{agent_id}:{team_id}:{job.id}",
        )


JOBS = [JobSpec(name=REASSIGN_JOB, handler=reassign), JobSpec(name=DRAIN_JOB, handler=drain)]

# (event name, job, condition): only the events the condition accepts cost a job row.
LISTENERS = [
    (
        AgentPresenceChanged.name,
        JobSpec(name="tickets.routing.on_agent_offline", handler=on_agent_gone),
        went_offline,
    ),
    (AgentUpdated.name, JobSpec(name="tickets.routing.on_agent_left", handler=on_agent_gone), left),
    (
        AgentPresenceChanged.name,
        JobSpec(name="tickets.routing.on_agent_online", handler=on_agent_back),
        came_back,
    ),
    (AgentUpdated.name, JobSpec(name="tickets.routing.on_agent_returned", handler=on_agent_back), came_back),
    (TicketUpdated.name, JobSpec(name="tickets.routing.on_room_freed", handler=on_room_freed), room_freed),
]
