"""Reactions of the tickets domain to other domains' events, delivered durably (as jobs)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.customers.events import CustomerMerged
from wowdesk.tickets import actions


async def on_customer_merged(session: AsyncSession, job: JobContext) -> None:
    event = CustomerMerged.model_validate(job.payload["data"])
    actor = Actor(kind="system", workspace_id=event.workspace_id, via=f"merge:{event.source_id}")
    await actions.do_move_requester(session, actor, event.source_id, event.customer_id)


# (event name, job) pairs: the composition root wires each event to its job.
LISTENERS = [
    (CustomerMerged.name, JobSpec(name="tickets.on_customer_merged", handler=on_customer_merged)),
]
