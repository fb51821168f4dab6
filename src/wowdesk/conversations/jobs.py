"""Durable jobs of the conversations domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.conversations.repository import delete_file, orphan_files
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.core.uow import context

ORPHAN_AFTER = dt.timedelta(hours=24)


async def purge_orphan_files(session: AsyncSession, job: JobContext) -> None:
    """Files uploaded in a chat but never sent within a day are deleted, bytes and row."""
    storage = context(session).get("storage")
    for f in await orphan_files(session, job.now - ORPHAN_AFTER, 500):
        if storage is not None:
            await storage.delete(f.storage_key)
        await delete_file(session, f)


JOBS = [
    JobSpec(name="conversations.purge_orphan_files", handler=purge_orphan_files, every=dt.timedelta(hours=1)),
]
