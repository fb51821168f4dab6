"""Units of work: one transaction per request or job.

``async with uow() as session`` commits when the block succeeds and rolls back when it raises.
Events recorded and jobs enqueued inside the block leave only after the commit: events go to the
bus, and runners are woken if a job is already due. Actions never commit; they receive the session.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.bus import Bus
from wowdesk.core.clock import Clock
from wowdesk.core.db import Database
from wowdesk.core.events import DURABLE_LISTENERS, discard_pending_events, take_pending_events
from wowdesk.core.jobs.models import JOBS_DUE

log = logging.getLogger("wowdesk.uow")

CLOCK = "wowdesk.clock"
CONTEXT = "wowdesk.context"
JOBS_TOPIC = "jobs"


def now(session: AsyncSession) -> dt.datetime:
    """The current time of this unit of work (the runtime's clock; frozen in tests)."""
    clock: Clock | None = session.info.get(CLOCK)
    return clock.now() if clock else dt.datetime.now(dt.UTC)


def context(session: AsyncSession) -> dict[str, Any]:
    """Per-unit-of-work values the composition root puts there (e.g. settings-derived limits)."""
    ctx: dict[str, Any] = session.info.get(CONTEXT, {})
    return ctx


def mark_jobs_enqueued(session: AsyncSession, run_at: dt.datetime) -> None:
    if run_at <= now(session) + dt.timedelta(seconds=1):
        session.info[JOBS_DUE] = True


class UnitOfWorkFactory:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        clock: Clock,
        context: dict[str, Any] | None = None,
        durable_listeners: dict[str, list[str]] | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.clock = clock
        self.context = context or {}
        self.durable_listeners = durable_listeners or {}

    @asynccontextmanager
    async def __call__(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        maker = self.db.sessionmaker if write else self.db.read_sessionmaker
        async with maker() as session:
            session.info[CLOCK] = self.clock
            session.info[CONTEXT] = self.context
            session.info[DURABLE_LISTENERS] = self.durable_listeners
            try:
                yield session
                if write:
                    await session.commit()
                # A read session just closes: its snapshot is released and loaded objects stay
                # readable (a rollback would expire them).
            except BaseException:
                discard_pending_events(session)
                session.info.pop(JOBS_DUE, None)
                await session.rollback()
                raise
            events = take_pending_events(session)
            jobs_due = session.info.pop(JOBS_DUE, False)
        await self.after_commit(events, jobs_due)

    async def after_commit(self, events: list[Any], jobs_due: bool) -> None:
        try:
            if events:
                await self.bus.publish(events)
            if jobs_due:
                await self.bus.notify(JOBS_TOPIC)
        except Exception:  # the change is committed; a bus outage must not turn it into an error
            log.exception("publishing after commit failed")
