"""Durable jobs of the notifications domain: one push to one device."""

from __future__ import annotations

import base64

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.notifications import push
from wowdesk.notifications.actions import SEND_ATTEMPTS, SEND_JOB, do_record_push, push_config


class PushDeferred(Exception):
    """The push service asked to be tried again later (429, 5xx): the runner retries the job."""


async def send_push(session: AsyncSession, job: JobContext) -> None:
    """POST the encrypted message to the device's push service, then write what it answered. The
    request goes out before the unit of work's first statement, so on SQLite the single writer is
    not held while waiting for it. A timeout, a network error, 429 or 5xx raise: the job runner
    retries with backoff."""
    if job.workspace_id is None:
        raise ValueError(f"{SEND_JOB} needs a workspace")
    p = job.payload
    endpoint = str(p["endpoint"])
    status = await push.post(
        push_config(session), endpoint, base64.b64decode(p["body"]), topic=str(p["topic"]), now=job.now
    )
    outcome = push.outcome(status)
    if outcome is push.Outcome.RETRY:
        raise PushDeferred(f"the push service answered {status}")
    await do_record_push(session, job.workspace_id, int(p["subscription_id"]), endpoint, outcome)


JOBS = [JobSpec(name=SEND_JOB, handler=send_push, max_attempts=SEND_ATTEMPTS, backoff_base=10.0)]
