"""Claims against sellers: the platform refunded a customer for a seller-fulfilled order and
claims the amount back. One claim per ledger entry (the refund it recovers)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Claim(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False
    __tablename__ = "seller_claims"
    __table_args__ = (
        UniqueConstraint("workspace_id", "ledger_entry_id"),
        Index("ix_seller_claims_ws_status", "workspace_id", "status", "id"),
        Index("ix_seller_claims_ws_seller", "workspace_id", "seller_id", "id"),
        Index("ix_seller_claims_ws_order", "workspace_id", "order_id"),
    )

    seller_id: Mapped[int] = mapped_column(BigId)
    order_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int] = mapped_column(BigId)
    shipment_id: Mapped[int | None] = mapped_column(BigId)
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    ledger_entry_id: Mapped[int] = mapped_column(BigId)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str] = mapped_column(Text)
    evidence_links: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime]
    status_changed_by: Mapped[str] = mapped_column(String(40))
