"""Domain events: frozen records named ``<noun>.<past_verb>``, buffered inside a unit of work and
published only after it commits (dropped if it rolls back). See docs/events.md for the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.jobs.models import JOBS_DUE, QUEUED, Job

PENDING_EVENTS = "wowdesk.pending_events"
# session.info key: {event name: [durable listeners]} — listeners that must not miss an event get a
# job row written in the same transaction as the event (a transactional outbox), not a bus message.
# A listener is a job name, or (job name, condition): then only the events the condition accepts (a
# test of the event's own fields, no I/O) cost a job row.
DURABLE_LISTENERS = "wowdesk.durable_listeners"

_REGISTRY: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every domain event. Subclasses set ``name`` and add their fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: ClassVar[str] = ""
    # Kept in the event log (core.eventlog) for streams that resume: set by the classes agents see.
    logged: ClassVar[bool] = False

    workspace_id: int
    occurred_at: dt.datetime
    actor: str | None = None  # "agent:12", "customer:7", "system", "apikey:3"
    log_id: int | None = None  # its number in the workspace's event log, once logged

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in _REGISTRY and _REGISTRY[cls.name].__qualname__ != cls.__qualname__:
                raise TypeError(f"duplicate event name {cls.name!r}")
            _REGISTRY[cls.name] = cls

    def envelope(self) -> dict[str, Any]:
        return {"name": self.name, "data": self.model_dump(mode="json")}


def event_from_envelope(envelope: dict[str, Any]) -> Event | None:
    cls = _REGISTRY.get(str(envelope.get("name")))
    return cls.model_validate(envelope["data"]) if cls else None


DurableListener = str | tuple[str, Callable[[Event], bool]]


def record_event(session: AsyncSession, event: Event) -> None:
    """Buffer an event in the unit of work; it is published after commit. Durable listeners of
    this event get their job written now, in the same transaction."""
    session.info.setdefault(PENDING_EVENTS, []).append(event)
    listeners: list[DurableListener] | None = session.info.get(DURABLE_LISTENERS, {}).get(event.name)
    if not listeners:
        return
    written = False
    for listener in listeners:
        if isinstance(listener, tuple):
            job_name, condition = listener
            if not condition(event):
                continue
        else:
            job_name = listener
        written = True
        session.add(
            Job(
                name=job_name,
                payload=event.envelope(),
                workspace_id=event.workspace_id,
                status=QUEUED,
                attempts=0,
                max_attempts=8,
                run_at=event.occurred_at,
                created_at=event.occurred_at,
                updated_at=event.occurred_at,
            )
        )
    if written:
        session.info[JOBS_DUE] = True


def take_pending_events(session: AsyncSession) -> list[Event]:
    return list(session.info.pop(PENDING_EVENTS, []))


def discard_pending_events(session: AsyncSession) -> None:
    session.info.pop(PENDING_EVENTS, None)
