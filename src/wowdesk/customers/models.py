"""The customers domain's tables (ORM models: schema and migrations) and the plain records its
repository reads and writes them as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Customer(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_ws_merged_id", "workspace_id", "merged_into_id", "id"),)

    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(10))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))


class CustomerIdentity(IdMixin, WorkspaceMixin, Base):
    """How a customer is reached on one channel: an e-mail address, an E.164 phone number, a LINE
    user id … Unique per workspace: one channel account belongs to one customer."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "value"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class CustomerRow:
    id: int
    workspace_id: int
    name: str
    language: str | None
    time_zone: str | None
    tags: list[str]
    custom_attributes: dict[str, Any]
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class IdentityRow:
    id: int
    customer_id: int
    channel: str
    value: str
    verified: bool
    created_at: dt.datetime
