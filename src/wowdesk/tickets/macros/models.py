"""The macros table (ORM model: schema and migration) and the plain record the repository reads
and writes it as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Macro(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A named bundle of ticket changes and a reply: shared (``owner_id`` null) or an agent's own."""

    __workspace_index__ = False  # its index leads with workspace_id
    __tablename__ = "macros"
    __table_args__ = (Index("ix_macros_ws_owner_position", "workspace_id", "owner_id", "position"),)

    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # per language
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    reply: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)  # {texts, public}
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(slots=True)
class MacroRow:
    id: int
    workspace_id: int
    owner_id: int | None
    name: str
    names: dict[str, Any]
    actions: list[Any]
    reply: dict[str, Any] | None
    active: bool
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
