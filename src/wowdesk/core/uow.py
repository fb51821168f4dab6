"""Units of work: one transaction per request or job.

``async with uow() as session`` commits when the block succeeds and rolls back when it raises.
Events recorded and jobs enqueued inside the block leave only after the commit: events go to the
bus, and runners are woken if a job is already due. Actions never commit; they receive the session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.bus import Bus
from wowdesk.core.clock import Clock
from wowdesk.core.db import Database
from wowdesk.core.eventlog import log_pending
from wowdesk.core.events import (
    DURABLE_LISTENERS,
    DurableListener,
    discard_pending_events,
    take_pending_events,
)
from wowdesk.core.jobs.models import JOBS_DUE
from wowdesk.core.sql import attach_sqlite, detach
from wowdesk.core.sqlite_inline import Lease, retry_busy

log = logging.getLogger("wowdesk.uow")

CLOCK = "wowdesk.clock"
CONTEXT = "wowdesk.context"
JOBS_TOPIC = "jobs"
ON_COMMIT = "wowdesk.on_commit"


def now(session: AsyncSession) -> dt.datetime:
    """The current time of this unit of work (the runtime's clock; frozen in tests)."""
    clock: Clock | None = session.info.get(CLOCK)
    return clock.now() if clock else dt.datetime.now(dt.UTC)


def context(session: AsyncSession) -> dict[str, Any]:
    """Per-unit-of-work values the composition root puts there (e.g. settings-derived limits)."""
    ctx: dict[str, Any] = session.info.get(CONTEXT, {})
    return ctx


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call `callback` once this unit of work has committed, before its events are published (not
    at all if it rolls back): what the caller promised on commit, an acknowledgement, goes out
    before the fan-out of what the change caused."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


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
        durable_listeners: dict[str, list[DurableListener]] | None = None,
    ) -> None:
        self.db = db
        self.bus = bus
        self.clock = clock
        self.context = context or {}
        self.durable_listeners = durable_listeners or {}

    @asynccontextmanager
    async def __call__(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        if self.db.sqlite is None:
            async with self._unit(write) as session:
                yield session
            return
        # SQLite: the unit of work holds its connection (core.sqlite_inline.SqlitePool) and lends it
        # to the ORM; prepared statements (core.sql) run on it directly.
        async with (
            self.db.sqlite.transaction(write=write) as lease,
            self._unit(write, lease=lease) as session,
        ):
            yield session

    @asynccontextmanager
    async def _unit(self, write: bool, *, lease: Lease | None = None) -> AsyncIterator[AsyncSession]:
        maker = self.db.sessionmaker if write else self.db.read_sessionmaker
        session = maker()
        try:
            session.info[CLOCK] = self.clock
            session.info[CONTEXT] = self.context
            session.info[DURABLE_LISTENERS] = self.durable_listeners
            if lease is not None:
                attach_sqlite(session, lease)
            try:
                yield session
                if write:
                    await log_pending(session, now(session))
                # The ORM's changes and, if it was used at all, its commit.
                if write and (lease is None or session.in_transaction()):
                    await session.commit()
                if write and lease is not None and lease.conn is not None and lease.conn.in_transaction:
                    await retry_busy(lease.conn.commit, lease.busy_timeout)
                # A read session just closes: its snapshot is released and loaded objects stay
                # readable (a rollback would expire them).
            except BaseException:
                discard_pending_events(session)
                session.info.pop(JOBS_DUE, None)
                session.info.pop(ON_COMMIT, None)
                await session.rollback()  # the lease rolls back what is left when it ends
                raise
            events = take_pending_events(session)
            jobs_due = session.info.pop(JOBS_DUE, False)
            committed: list[Callable[[], None]] = session.info.pop(ON_COMMIT, None) or []
        finally:
            if lease is None:  # a pooled PostgreSQL connection must go back even if we are cancelled
                await asyncio.shield(session.close())
            elif session.in_transaction() or len(session.sync_session.identity_map):
                # The SQLite connection is the pool's, returned by pool.transaction() whatever
                # happens; a session the ORM never used holds nothing to close (~14 µs saved).
                await session.close()
            detach(session)
        for callback in committed:
            try:
                callback()
            except Exception:  # the change is committed; the events must still go out
                log.exception("an on-commit callback failed")
        await self.after_commit(events, jobs_due)

    async def after_commit(self, events: list[Any], jobs_due: bool) -> None:
        try:
            if events:
                await self.bus.publish(events)
            if jobs_due:
                await self.bus.notify(JOBS_TOPIC)
        except Exception:  # the change is committed; a bus outage must not turn it into an error
            log.exception("publishing after commit failed")
