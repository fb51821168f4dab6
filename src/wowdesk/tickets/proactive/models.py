"""Proactive contacts: one row per stalled parcel the system told its customer about. Its unique
shipment is what makes the reaction happen once, however often the event is processed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin


class ProactiveContact(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False
    __tablename__ = "proactive_contacts"
    __table_args__ = (UniqueConstraint("workspace_id", "shipment_id"),)

    shipment_id: Mapped[int] = mapped_column(BigId)
    order_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int] = mapped_column(BigId)
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"))
    policy_id: Mapped[int | None] = mapped_column(BigId)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str | None] = mapped_column(String(16))  # automatic | suggest | None: no policy applied
    outcome: Mapped[dict[str, Any]]  # what was granted / suggested
    told_via: Mapped[str | None] = mapped_column(String(16))  # chat | ticket
    language: Mapped[str] = mapped_column(String(10))
    contacted_at: Mapped[dt.datetime | None]
