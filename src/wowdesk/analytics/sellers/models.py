"""Seller metrics' tables (ORM models: schema and migration) and the plain records the repository
reads and writes them as (``core.sql``, ADR 0009). Rates are never stored: counts are, and rates
are computed from them, so a threshold is compared exactly (``defective × 10000 > bp × orders``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class SellerMetricSettings(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A workspace's thresholds, in basis points (1% = 100). Absent: the defaults of ``schemas``."""

    __workspace_index__ = False  # its unique index leads with workspace_id
    __tablename__ = "seller_metric_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    window_days: Mapped[int] = mapped_column(Integer)
    min_orders: Mapped[int] = mapped_column(Integer)
    odr_at_risk_bp: Mapped[int] = mapped_column(Integer)
    odr_suspend_bp: Mapped[int] = mapped_column(Integer)
    cancel_at_risk_bp: Mapped[int] = mapped_column(Integer)
    late_at_risk_bp: Mapped[int] = mapped_column(Integer)
    complaint_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)


class SellerScorecard(IdMixin, WorkspaceMixin, Base):
    """The latest evaluation of one seller: the counts it was judged on and what it concluded."""

    __workspace_index__ = False  # its unique index leads with workspace_id
    __tablename__ = "seller_scorecards"
    __table_args__ = (UniqueConstraint("workspace_id", "seller_id"),)

    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id", ondelete="CASCADE"))
    computed_at: Mapped[dt.datetime]
    since: Mapped[dt.datetime]
    orders: Mapped[int] = mapped_column(Integer)
    defective_orders: Mapped[int] = mapped_column(Integer)
    complaint_orders: Mapped[int] = mapped_column(Integer)
    claim_orders: Mapped[int] = mapped_column(Integer)
    chargeback_orders: Mapped[int] = mapped_column(Integer)
    cancelled_out_of_stock: Mapped[int] = mapped_column(Integer)
    due_to_ship: Mapped[int] = mapped_column(Integer)
    shipped_late: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    median_response_ms: Mapped[int | None] = mapped_column(BigInteger)  # whole milliseconds
    judged: Mapped[str] = mapped_column(String(16))  # active | at_risk | suspended | too_few_orders
    crossed: Mapped[list[str]] = mapped_column(JSONType, default=list)  # which thresholds


@dataclass(slots=True)
class SettingsRow:
    id: int
    workspace_id: int
    window_days: int
    min_orders: int
    odr_at_risk_bp: int
    odr_suspend_bp: int
    cancel_at_risk_bp: int
    late_at_risk_bp: int
    complaint_reasons: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class ScorecardRow:
    id: int
    workspace_id: int
    seller_id: int
    computed_at: dt.datetime
    since: dt.datetime
    orders: int
    defective_orders: int
    complaint_orders: int
    claim_orders: int
    chargeback_orders: int
    cancelled_out_of_stock: int
    due_to_ship: int
    shipped_late: int
    responses: int
    median_response_ms: int | None
    judged: str
    crossed: list[Any]
