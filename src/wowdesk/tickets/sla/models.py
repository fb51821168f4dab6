"""The SLA tables and the plain records their repository reads them as (``core.sql``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class SlaPolicy(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """Targets per priority, in minutes of business time: ``{"urgent": {"first_reply": 30,
    "next_reply": 60, "resolution": 480}, …}``. The first active policy (by position) whose
    conditions all hold applies to a ticket; an empty condition always holds."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        Index("ix_sla_policies_ws_position", "workspace_id", "position", "id"),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)  # any of these channels
    customer_tags: Mapped[list[str]] = mapped_column(JSONType, default=list)  # the requester has one
    ticket_tags: Mapped[list[str]] = mapped_column(JSONType, default=list)  # the ticket has one
    calendar_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("business_calendars.id"))
    targets: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    near_breach_minutes: Mapped[int] = mapped_column(Integer, default=30)


class SlaTimer(IdMixin, WorkspaceMixin, Base):
    """One metric of one ticket. Business time is kept in microseconds: ``used_us`` is what
    earlier runs used; the current run started at ``running_since`` and ends at ``due_at``.
    ``run`` grows at every (re)start, so jobs scheduled for an earlier run do nothing."""

    __workspace_index__ = False  # its indexes lead with workspace_id or ticket_id
    __tablename__ = "ticket_sla_timers"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric"),
        Index("ix_ticket_sla_timers_ws_status_due", "workspace_id", "status", "due_at"),
    )

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("sla_policies.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(16))  # first_reply | next_reply | resolution
    status: Mapped[str] = mapped_column(String(12))  # waiting | idle | running | paused | fulfilled
    target_seconds: Mapped[int] = mapped_column(Integer)
    used_us: Mapped[int] = mapped_column(BigInteger, default=0)
    run: Mapped[int] = mapped_column(Integer, default=0)
    running_since: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    near_at: Mapped[dt.datetime | None]
    fulfilled_at: Mapped[dt.datetime | None]
    breached_at: Mapped[dt.datetime | None]
    near_breach_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


# -- records ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PolicyRow:
    id: int
    workspace_id: int
    name: str
    description: str
    position: int
    active: bool
    channels: list[str]
    customer_tags: list[str]
    ticket_tags: list[str]
    calendar_id: int | None
    targets: dict[str, Any]
    near_breach_minutes: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class TimerRow:
    id: int
    workspace_id: int
    ticket_id: int
    policy_id: int
    metric: str
    status: str
    target_seconds: int
    used_us: int
    run: int
    running_since: dt.datetime | None
    due_at: dt.datetime | None
    near_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    breached_at: dt.datetime | None
    near_breach_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
