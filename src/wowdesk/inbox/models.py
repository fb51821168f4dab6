"""The inbox's tables: saved views and canned responses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class InboxView(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A saved filter over the inbox: the agent's own (``owner_id``) or shared with everyone."""

    __workspace_index__ = False
    __tablename__ = "inbox_views"
    __table_args__ = (Index("ix_inbox_views_ws_owner", "workspace_id", "owner_id", "position"),)

    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CannedResponse(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A reply an agent inserts by typing ``/shortcut`` in the composer: shared, or their own."""

    __workspace_index__ = False
    __tablename__ = "canned_responses"
    __table_args__ = (Index("ix_canned_responses_ws_shortcut", "workspace_id", "shortcut"),)

    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))  # None: any language
