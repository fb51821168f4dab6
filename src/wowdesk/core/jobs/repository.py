from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.db import dialect_of
from wowdesk.core.jobs.models import DEAD, DONE, QUEUED, RUNNING, Job
from wowdesk.core.sql import Stmt, driver

_COLUMNS = (
    "name",
    "payload",
    "workspace_id",
    "status",
    "attempts",
    "max_attempts",
    "run_at",
    "dedupe_key",
    "created_at",
    "updated_at",
)
_JOBS = cast(Table, Job.__table__)
_INSERT = {
    (dialect, dedupe): Stmt(
        insert.on_conflict_do_nothing(index_elements=["dedupe_key"]) if dedupe else insert
    )
    for dialect, factory in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
    for dedupe in (False, True)
    for insert in [factory(_JOBS).values({n: bindparam(n, type_=_JOBS.c[n].type) for n in _COLUMNS})]
}


class JobRepository:
    """Queries on the job outbox. Not workspace-scoped itself: runners see every workspace's jobs;
    admin views pass a workspace id to the list/get methods."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(
        self,
        *,
        name: str,
        payload: dict[str, Any],
        workspace_id: int | None,
        run_at: dt.datetime,
        dedupe_key: str | None,
        max_attempts: int,
        now: dt.datetime,
    ) -> None:
        values = dict(
            name=name,
            payload=payload,
            workspace_id=workspace_id,
            status=QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            run_at=run_at,
            dedupe_key=dedupe_key,
            created_at=now,
            updated_at=now,
        )
        db = await driver(self.session)
        await db.run(_INSERT[(db.name, dedupe_key is not None)], values)

    async def claim(self, *, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Job]:
        """Take up to `limit` due jobs (or jobs whose runner's lease ran out) for this worker."""
        due = or_(
            and_(Job.status == QUEUED, Job.run_at <= now),
            and_(Job.status == RUNNING, Job.locked_until < now),
        )
        q = select(Job.id).where(due).order_by(Job.run_at, Job.id).limit(limit)
        if dialect_of(self.session) == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list((await self.session.execute(q)).scalars())
        if not ids:
            return []
        await self.session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(
                status=RUNNING,
                locked_by=worker,
                locked_until=now + lease,
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        rows = await self.session.execute(select(Job).where(Job.id.in_(ids)).order_by(Job.run_at, Job.id))
        return list(rows.scalars())

    async def finish(
        self, job_id: int, worker: str, now: dt.datetime, *, requeue_at: dt.datetime | None
    ) -> bool:
        """Mark a job done (or re-queue a periodic one). False if this worker lost the lease."""
        values: dict[str, Any]
        if requeue_at is not None:
            values = dict(
                status=QUEUED,
                run_at=requeue_at,
                attempts=0,
                locked_by=None,
                locked_until=None,
                last_error=None,
                updated_at=now,
                finished_at=now,
            )
        else:
            values = dict(status=DONE, locked_by=None, locked_until=None, updated_at=now, finished_at=now)
        res = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker, Job.status == RUNNING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(res, "rowcount", 0))

    async def fail(
        self, job_id: int, worker: str, now: dt.datetime, error: str, *, retry_at: dt.datetime | None
    ) -> None:
        values: dict[str, Any] = dict(
            last_error=error[:4000], locked_by=None, locked_until=None, updated_at=now
        )
        if retry_at is None:
            values.update(status=DEAD, finished_at=now)
        else:
            values.update(status=QUEUED, run_at=retry_at)
        await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def ensure_periodic(self, name: str, now: dt.datetime) -> None:
        await self.insert(
            name=name,
            payload={},
            workspace_id=None,
            run_at=now,
            dedupe_key=f"periodic:{name}",
            max_attempts=1000,
            now=now,
        )

    async def purge_finished(self, before: dt.datetime) -> int:
        res = await self.session.execute(
            delete(Job).where(Job.status == DONE, Job.finished_at < before, Job.dedupe_key.is_(None))
        )
        return int(getattr(res, "rowcount", 0) or 0)

    # -- admin views (workspace-scoped) --------------------------------------------------------

    async def list_for_workspace(
        self, workspace_id: int, *, status: str | None, before_id: int | None, limit: int
    ) -> list[Job]:
        q = select(Job).where(Job.workspace_id == workspace_id)
        if status:
            q = q.where(Job.status == status)
        if before_id:
            q = q.where(Job.id < before_id)
        return list((await self.session.execute(q.order_by(Job.id.desc()).limit(limit))).scalars())

    async def find_for_workspace(self, workspace_id: int, job_id: int) -> Job | None:
        q = select(Job).where(Job.workspace_id == workspace_id, Job.id == job_id)
        return (await self.session.execute(q)).scalar_one_or_none()

    async def requeue(self, job: Job, now: dt.datetime) -> None:
        job.status, job.attempts, job.run_at, job.updated_at, job.finished_at = QUEUED, 0, now, now, None
        await self.session.flush()

    async def counts(self) -> dict[str, int]:
        rows = await self.session.execute(select(Job.status, func.count()).group_by(Job.status))
        return {str(s): int(n) for s, n in rows.all()}
