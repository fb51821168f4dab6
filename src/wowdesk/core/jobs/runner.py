"""The job runner: claims due jobs and runs each in its own unit of work.

The handler's writes and the "done" mark commit together, so a job whose effects are in the
database is never run twice; a crash before that commit leaves the row claimed until its lease runs
out, then another runner takes it again (at-least-once for effects outside the database, which
handlers make idempotent). Failures are retried with exponential backoff and jitter; after
``max_attempts`` the job is ``dead`` and shown to admins (``GET /api/v1/jobs?status=dead``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import traceback
import uuid

from wowdesk.core.jobs.models import Job
from wowdesk.core.jobs.registry import JobContext, JobRegistry, JobSpec
from wowdesk.core.jobs.repository import JobRepository
from wowdesk.core.uow import JOBS_TOPIC, UnitOfWorkFactory

log = logging.getLogger("wowdesk.jobs")


def backoff(spec: JobSpec | None, attempt: int) -> float:
    base = spec.backoff_base if spec else 5.0
    cap = spec.backoff_max if spec else 3600.0
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return float(delay * (0.75 + random.random() / 2))  # noqa: S311 - jitter, not security


def max_attempts(spec: JobSpec, job: Job) -> int:
    """The attempts a job gets: the lower of its row's limit (set by whoever enqueued it) and its
    spec's. A periodic job keeps its row's (large) limit: dying would stop it for good."""
    return job.max_attempts if spec.every else min(job.max_attempts, spec.max_attempts)


class JobRunner:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        registry: JobRegistry,
        *,
        poll_interval: float = 1.0,
        lease_seconds: int = 300,
        batch_size: int = 20,
        name: str | None = None,
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.poll_interval = poll_interval
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.worker = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        uow.bus.on_signal(JOBS_TOPIC, self._wake.set)

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.ensure_periodic()
        self._task = asyncio.create_task(self.run_forever(), name=f"wowdesk-jobs-{self.worker}")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout=30)
            except TimeoutError:  # a handler that will not finish: its job returns when the lease ends
                log.warning("job runner %s: a job did not finish within 30 s of stopping", self.worker)
            except asyncio.CancelledError:
                pass

    def wake(self) -> None:
        self._wake.set()

    async def ensure_periodic(self) -> None:
        specs = self.registry.periodic()
        if not specs:
            return
        async with self.uow() as session:
            repo = JobRepository(session)
            for spec in specs:
                await repo.ensure_periodic(spec.name, self.uow.clock.now())

    async def run_forever(self) -> None:
        log.info("job runner %s started", self.worker)
        while not self._stopping.is_set():
            try:
                n = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job runner loop failed; retrying")
                n = 0
            if n >= self.batch_size:
                continue  # there may be more due right now
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
        log.info("job runner %s stopped", self.worker)

    # -- one round -----------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim a batch of due jobs and run them one after another; return how many ran."""
        async with self.uow() as session:
            jobs = await JobRepository(session).claim(
                worker=self.worker, now=self.uow.clock.now(), lease=self.lease, limit=self.batch_size
            )
        for job in jobs:
            if self._stopping.is_set():
                break  # unclaimed work goes back when the lease ends
            await self._run(job)
        return len(jobs)

    async def _run(self, job: Job) -> None:
        spec = self.registry.get(job.name)
        ctx = JobContext(
            id=job.id,
            name=job.name,
            workspace_id=job.workspace_id,
            payload=dict(job.payload),
            attempt=job.attempts,
            now=self.uow.clock.now(),
        )
        try:
            if spec is None:
                raise LookupError(f"no handler registered for job {job.name!r}")
            async with self.uow() as session:
                await spec.handler(session, ctx)
                requeue = ctx.now + spec.every if spec.every else None
                if not await JobRepository(session).finish(
                    job.id, self.worker, self.uow.clock.now(), requeue_at=requeue
                ):
                    raise _LeaseLost
        except _LeaseLost:
            log.warning("job %s (%s): lease lost; its effects were rolled back", job.id, job.name)
        except Exception as exc:
            await self._failed(job, spec, exc)

    async def _failed(self, job: Job, spec: JobSpec | None, exc: Exception) -> None:
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        now = self.uow.clock.now()
        final = spec is None or job.attempts >= max_attempts(spec, job)
        retry_at = None if final else now + dt.timedelta(seconds=backoff(spec, job.attempts))
        if final:
            log.error("job %s (%s) is dead after %s attempts: %s", job.id, job.name, job.attempts, error)
        else:
            log.warning(
                "job %s (%s) attempt %s failed, retry at %s: %s",
                job.id,
                job.name,
                job.attempts,
                retry_at,
                error,
            )
        async with self.uow() as session:
            await JobRepository(session).fail(job.id, self.worker, now, error, retry_at=retry_at)


class _LeaseLost(Exception):
    pass
