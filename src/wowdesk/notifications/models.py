"""The notifications domain's tables (ORM models: schema and migrations) and the plain records its
repository reads and writes them as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin

MAX_ENDPOINT_LENGTH = 2000


class PushSubscription(IdMixin, WorkspaceMixin, Base):
    """One browser (device) of an agent that accepted push messages: the push service's address
    for it and the keys its messages are encrypted with (the browser's ``PushSubscription``)."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "endpoint"),
        Index("ix_push_subscriptions_ws_agent", "workspace_id", "agent_id", "id"),
    )

    agent_id: Mapped[int] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(MAX_ENDPOINT_LENGTH))
    p256dh: Mapped[str] = mapped_column(String(100))  # base64url, a 65-byte P-256 point
    auth: Mapped[str] = mapped_column(String(32))  # base64url, 16 bytes
    label: Mapped[str | None] = mapped_column(String(100))  # "Chrome on a laptop"
    created_at: Mapped[dt.datetime]
    last_success_at: Mapped[dt.datetime | None]
    last_failure_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row


class NotificationSetting(WorkspaceMixin, TimestampMixin, Base):
    """What an agent wants pushed to their devices (no row: everything)."""

    __tablename__ = "notification_settings"

    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    assignments: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    customer_replies: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class SubscriptionRow:
    id: int
    workspace_id: int
    agent_id: int
    endpoint: str
    p256dh: str
    auth: str
    label: str | None
    created_at: dt.datetime
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    failures: int


@dataclass(slots=True)
class SettingRow:
    workspace_id: int
    agent_id: int
    assignments: bool
    customer_replies: bool
    created_at: dt.datetime
    updated_at: dt.datetime
