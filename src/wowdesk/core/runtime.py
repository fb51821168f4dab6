"""The process-wide services one WowDesk process holds: database, bus, clock, jobs, storage,
rate limiter, token signer. Built by the composition root (``wowdesk.main.build_runtime``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from wowdesk.core.bus import Bus
from wowdesk.core.clock import Clock
from wowdesk.core.db import Database, refresh_statistics
from wowdesk.core.jobs.registry import JobRegistry
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.ratelimit import RateLimiter
from wowdesk.core.security import TokenSigner
from wowdesk.core.storage import Storage
from wowdesk.core.uow import UnitOfWorkFactory
from wowdesk.settings import Settings

log = logging.getLogger("wowdesk")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: Bus
    clock: Clock
    uow: UnitOfWorkFactory
    jobs: JobRegistry
    storage: Storage
    limiter: RateLimiter
    signer: TokenSigner
    runner: JobRunner | None = None
    started: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    async def start(self, *, run_jobs: bool) -> None:
        async with self.uow() as session:  # a restarted server plans with current statistics
            await refresh_statistics(session)
        await self.bus.start()
        if run_jobs:
            s = self.settings
            self.runner = JobRunner(
                self.uow,
                self.jobs,
                poll_interval=s.job_poll_interval,
                lease_seconds=s.job_lease_seconds,
                batch_size=s.job_batch_size,
            )
            await self.runner.start()
        self.started = True

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
        await self.bus.stop()
        close = getattr(self.limiter, "close", None)
        if close is not None:
            await close()
        await self.db.dispose()
        self.started = False
