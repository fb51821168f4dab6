"""Durable jobs of the tickets domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.core.uow import context
from wowdesk.tickets import actions
from wowdesk.tickets.repository import delete_attachment, orphan_attachments

ORPHAN_AFTER = dt.timedelta(hours=24)


async def autoclose(session: AsyncSession, job: JobContext) -> None:
    """Close a ticket that stayed solved for the workspace's autoclose delay."""
    if job.workspace_id is None:
        raise ValueError("tickets.autoclose needs a workspace")
    await actions.do_close_solved(
        session, Actor.system(job.workspace_id), int(job.payload["ticket_id"]), str(job.payload["solved_at"])
    )


async def purge_orphan_attachments(session: AsyncSession, job: JobContext) -> None:
    """Uploads not attached to any ticket within a day are deleted, file and row. A file deleted in
    a transaction that then rolls back leaves a row without a file, still orphaned: the next run
    deletes it."""
    storage = context(session).get("storage")
    for a in await orphan_attachments(session, job.now - ORPHAN_AFTER, 500):
        if storage is not None:
            await storage.delete(a.storage_key)
        await delete_attachment(session, a)


JOBS = [
    JobSpec(name=actions.AUTOCLOSE_JOB, handler=autoclose),
    JobSpec(
        name="tickets.purge_orphan_attachments", handler=purge_orphan_attachments, every=dt.timedelta(hours=1)
    ),
]
