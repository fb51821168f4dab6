"""The event log: domain events kept for a few days so a client that reconnects gets exactly what
it missed (the agent stream's ``last_event_id``, like Zulip's event queues).

Events whose class sets ``logged = True`` are appended by the unit of work just before it commits,
numbered by a per-workspace sequence taken at that moment. The sequence's row stays locked until
the commit, so within a workspace entries commit in the order of their numbers: a reader that has
seen number N has seen everything below it, and never sees a number appear below one it has seen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, ForeignKey, String, Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.counters import advance, current_value
from wowdesk.core.db import Base, BigId, JSONType
from wowdesk.core.events import PENDING_EVENTS, Event
from wowdesk.core.sql import Stmt, driver, insert_row

COUNTER = "events"
KEEP = dt.timedelta(days=3)


class EventLogEntry(Base):
    __tablename__ = "event_log"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime]


@dataclass(slots=True)
class LoggedEvent:
    seq: int
    name: str
    payload: dict[str, Any]


_T = cast(Table, EventLogEntry.__table__)
_INSERT = Stmt(insert_row(_T, ("workspace_id", "seq", "name", "payload", "created_at")))
_AFTER = Stmt(
    select(_T.c.seq, _T.c.name, _T.c.payload)
    .where(_T.c.workspace_id == bindparam("ws"), _T.c.seq > bindparam("after"))
    .order_by(_T.c.seq)
    .limit(bindparam("limit")),
    into=LoggedEvent,
)
_OLDEST = Stmt(select(_T.c.seq).where(_T.c.workspace_id == bindparam("ws")).order_by(_T.c.seq).limit(1))
_PURGE = Stmt(delete(_T).where(_T.c.created_at < bindparam("before", type_=_T.c.created_at.type)))


async def log_pending(session: AsyncSession, at: dt.datetime) -> None:
    """Number and store this unit of work's logged events (called by the unit of work, last)."""
    pending: list[Event] = session.info.get(PENDING_EVENTS) or []
    by_workspace: dict[int, list[int]] = {}
    for i, event in enumerate(pending):
        if type(event).logged and event.log_id is None:
            by_workspace.setdefault(event.workspace_id, []).append(i)
    if not by_workspace:
        return
    db = await driver(session)
    for workspace_id, positions in sorted(by_workspace.items()):
        last = await advance(session, workspace_id, COUNTER, len(positions))
        rows = []
        for seq, i in enumerate(positions, start=last - len(positions) + 1):
            event = pending[i] = pending[i].model_copy(update={"log_id": seq})
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "seq": seq,
                    "name": event.name,
                    "payload": event.model_dump(mode="json"),
                    "created_at": at,
                }
            )
        await db.run_many(_INSERT, rows)


async def events_after(
    session: AsyncSession, workspace_id: int, after: int, limit: int = 1000
) -> list[LoggedEvent]:
    return await (await driver(session)).all(_AFTER, {"ws": workspace_id, "after": after, "limit": limit})


async def oldest_kept(session: AsyncSession, workspace_id: int) -> int | None:
    value = await (await driver(session)).scalar(_OLDEST, {"ws": workspace_id})
    return int(value) if value is not None else None


async def latest(session: AsyncSession, workspace_id: int) -> int:
    return await current_value(session, workspace_id, COUNTER)


async def purge(session: AsyncSession, at: dt.datetime) -> int:
    return await (await driver(session)).run(_PURGE, {"before": at - KEEP})
