"""The calendars' table and the plain record its repository reads it as (``core.sql``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class BusinessCalendar(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """Weekly opening hours in one IANA time zone, minus holidays.

    ``weekly`` is ``{"mon": ["09:00-12:00", "13:00-18:00"], …}`` (closed days absent);
    ``holidays`` is ``[{"date": "2026-10-10" | "10-10", "name": "…", "since": 2026?}, …]`` where
    ``MM-DD`` repeats every year (from ``since`` on, if given).
    """

    __workspace_index__ = False  # its index leads with workspace_id
    __tablename__ = "business_calendars"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekly: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    holidays: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(slots=True)
class CalendarRow:
    id: int
    workspace_id: int
    name: str
    time_zone: str
    weekly: dict[str, Any]
    holidays: list[dict[str, Any]]
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime
