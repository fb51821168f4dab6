from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.jobs.repository import JobRepository
from wowdesk.core.uow import mark_jobs_enqueued, now


@dataclasses.dataclass(frozen=True)
class JobContext:
    id: int
    name: str
    workspace_id: int | None
    payload: dict[str, Any]
    attempt: int
    now: dt.datetime


JobHandler = Callable[[AsyncSession, JobContext], Awaitable[None]]


@dataclasses.dataclass(frozen=True)
class JobSpec:
    name: str
    handler: JobHandler
    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_max: float = 3600.0
    # A periodic job has exactly one row that is re-queued every `every` after it runs.
    every: dt.timedelta | None = None


class JobRegistry:
    def __init__(self, specs: list[JobSpec] | None = None) -> None:
        self._specs: dict[str, JobSpec] = {}
        for spec in specs or []:
            self.add(spec)

    def add(self, spec: JobSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"job {spec.name!r} registered twice")
        self._specs[spec.name] = spec

    def get(self, name: str) -> JobSpec | None:
        return self._specs.get(name)

    def periodic(self) -> list[JobSpec]:
        return [s for s in self._specs.values() if s.every]

    def names(self) -> list[str]:
        return sorted(self._specs)


async def enqueue(
    session: AsyncSession,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    workspace_id: int | None,
    run_at: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> None:
    """Write a job into the outbox, in the caller's transaction. It runs only if that commits.

    With a ``dedupe_key`` a second enqueue of the same key is a no-op (the job exists already).
    """
    when = run_at or now(session)
    await JobRepository(session).insert(
        name=name,
        payload=payload or {},
        workspace_id=workspace_id,
        run_at=when,
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
        now=now(session),
    )
    mark_jobs_enqueued(session, when)
