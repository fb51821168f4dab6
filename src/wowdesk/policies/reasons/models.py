"""The contact reasons table (ORM model: schema and migration) and the plain record the repository
reads and writes it as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class ContactReason(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One reason of the taxonomy, two levels deep: a group (``parent_code`` null) or a reason
    within one. Codes are stable (tickets, reports and policies name them); names are per language."""

    __workspace_index__ = False  # its unique index leads with workspace_id
    __tablename__ = "contact_reasons"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    code: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(String(64))
    names: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(slots=True)
class ReasonRow:
    id: int
    workspace_id: int
    code: str
    parent_code: str | None
    names: dict[str, Any]
    active: bool
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
