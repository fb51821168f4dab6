"""The lost-parcel sweep: every 15 minutes, for each workspace with an enabled ``shipment_stalled``
policy, find the parcels its policies presume lost and mark them stalled (commerce records
``shipment.stalled``, whose durable listener contacts the customer).

One batch per unit of work: the periodic job queues one ``sweep_batch`` job per workspace; each
marks at most ``BATCH`` parcels (keyset pages of ``commerce.queries.stalled_candidates``) and
queues the next batch after the last id it saw, so a sweep of a million parcels is many short
transactions, and a crash resumes from the last committed batch. A parcel is marked once
(``do_mark_shipment_stalled`` is idempotent and the candidates exclude marked ones), so sweeps that
overlap or run again find nothing new to mark.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce import queries as commerce
from wowdesk.core.actor import Actor
from wowdesk.core.jobs.registry import JobContext, JobSpec, enqueue
from wowdesk.core.uow import now
from wowdesk.policies.resolutions import queries
from wowdesk.policies.resolutions.document import ShipmentStalled
from wowdesk.policies.resolutions.repository import workspaces_with

SWEEP_JOB = "policies.resolutions.lost_parcel_sweep"
BATCH_JOB = "policies.resolutions.sweep_batch"
EVERY = dt.timedelta(minutes=15)
BATCH = 500
REASON = "lost_parcel_policy"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


async def thresholds(
    session: AsyncSession, workspace_id: int, at: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(no progress before, promised before): the earliest moments any enabled policy of the
    workspace presumes a parcel lost at — the shortest of their delays."""
    progress: list[int] = []
    promised: list[int] = []
    for _policy, doc in await queries.acting_policies(session, workspace_id, "shipment_stalled"):
        trigger = doc.trigger
        assert isinstance(trigger, ShipmentStalled)
        if trigger.days_without_progress is not None:
            progress.append(trigger.days_without_progress)
        if trigger.days_past_promised is not None:
            promised.append(trigger.days_past_promised)
    return (
        at - dt.timedelta(days=min(progress)) if progress else None,
        at - dt.timedelta(days=min(promised)) if promised else None,
    )


async def start_workspace_sweep(session: AsyncSession, workspace_id: int) -> bool:
    """Queue the first batch of a workspace's sweep (False: no policy asks for one)."""
    at = now(session)
    no_progress_before, promised_before = await thresholds(session, workspace_id, at)
    if no_progress_before is None and promised_before is None:
        return False
    await enqueue(
        session,
        BATCH_JOB,
        {
            "after_id": 0,
            "no_progress_before": _iso(no_progress_before),
            "promised_before": _iso(promised_before),
            "started_at": at.isoformat(),
        },
        workspace_id=workspace_id,
        dedupe_key=f"lost-parcel-sweep:{workspace_id}:{at.isoformat()}:0",
    )
    return True


async def sweep_batch(
    session: AsyncSession, workspace_id: int, payload: dict[str, Any], *, limit: int = BATCH
) -> tuple[int, int | None]:
    """Mark one page of candidates after ``payload["after_id"]``; returns (how many were marked,
    the id to continue after, or None when the sweep of this workspace is done)."""
    system = Actor.system(workspace_id, via="lost-parcel-sweep")
    ids = await commerce.stalled_candidates(
        session,
        workspace_id,
        no_progress_before=_moment(payload.get("no_progress_before")),
        promised_before=_moment(payload.get("promised_before")),
        after_id=int(payload.get("after_id") or 0),
        limit=limit,
    )
    marked = 0
    for shipment_id in ids:
        if await commerce_actions.do_mark_shipment_stalled(session, system, shipment_id, reason=REASON):
            marked += 1
    return marked, (ids[-1] if len(ids) == limit else None)


async def run_sweep(session: AsyncSession, job: JobContext) -> None:
    for workspace_id in await workspaces_with(session, "shipment_stalled"):
        await start_workspace_sweep(session, workspace_id)


async def run_batch(session: AsyncSession, job: JobContext) -> None:
    if job.workspace_id is None:
        raise ValueError(f"{BATCH_JOB} needs a workspace")
    _marked, after = await sweep_batch(session, job.workspace_id, job.payload)
    if after is not None:
        await enqueue(
            session,
            BATCH_JOB,
            {**job.payload, "after_id": after},
            workspace_id=job.workspace_id,
            dedupe_key=f"lost-parcel-sweep:{job.workspace_id}:{job.payload.get('started_at')}:{after}",
        )


JOBS = [
    JobSpec(name=SWEEP_JOB, handler=run_sweep, every=EVERY),
    JobSpec(name=BATCH_JOB, handler=run_batch),
]
