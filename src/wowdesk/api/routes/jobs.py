"""The job outbox as admins see it: what is queued, what failed for good (dead), retry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from wowdesk.accounts.permissions import JOBS_MANAGE, JOBS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.jobs.models import DEAD
from wowdesk.core.jobs.repository import JobRepository
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.uow import now
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"], route_class=StandardJSONRoute)


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    status: str
    attempts: int
    max_attempts: int
    run_at: dt.datetime
    last_error: str | None
    payload: dict[str, Any]
    created_at: dt.datetime
    finished_at: dt.datetime | None


@router.get(
    "", response_model=list[JobOut], summary="Jobs of this workspace, newest first (filter by status)"
)
async def list_jobs(
    session: SessionDep,
    actor: Annotated[Actor, Depends(needs(JOBS_READ))],
    status: Literal["queued", "running", "done", "dead"] | None = None,
    before_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    limit: int = Query(50, ge=1, le=500),
) -> list[JobOut]:
    rows = await JobRepository(session).list_for_workspace(
        actor.workspace_id, status=status, before_id=before_id, limit=limit
    )
    return [JobOut.model_validate(j) for j in rows]


@router.post("/{job_id}/retry", response_model=JobOut, summary="Run a dead job again")
async def retry_job(
    job_id: IdPath, session: SessionDep, actor: Annotated[Actor, Depends(needs(JOBS_MANAGE))]
) -> JobOut:
    repo = JobRepository(session)
    job = await repo.find_for_workspace(actor.workspace_id, job_id)
    if job is None:
        raise NotFound(N_("Job not found."))
    if job.status != DEAD:
        raise Conflict(N_("Only dead jobs can be retried."))
    await repo.requeue(job, now(session))
    return JobOut.model_validate(job)
