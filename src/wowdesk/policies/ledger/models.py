"""The ledger's tables (ORM models: schema and migration 0017) and the plain records the repository
reads and writes them as (``core.sql``, ADR 0009).

A ledger entry names the customer, order, shipment and ticket it was for by id, without foreign
keys to them: the ledger is a record of money and outlives what it points at (and orders belong to
the commerce room, tickets to a room above this one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin


class CompensationEntry(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "compensation_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_compensation_entries_ws_id", "workspace_id", "id"),
        Index("ix_compensation_entries_ws_order", "workspace_id", "order_id"),
        Index("ix_compensation_entries_ws_customer", "workspace_id", "customer_id", "id"),
        Index("ix_compensation_entries_ws_ticket", "workspace_id", "ticket_id", "id"),
        Index("ix_compensation_entries_ws_agent", "workspace_id", "agent_id", "id"),
        # The daily totals: who authorised what, when.
        Index("ix_compensation_entries_ws_authorised", "workspace_id", "authorised_by", "authorised_at"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[int] = mapped_column(BigId)
    order_id: Mapped[int | None] = mapped_column(BigId)
    shipment_id: Mapped[int | None] = mapped_column(BigId)
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    seller_id: Mapped[int | None] = mapped_column(BigId)  # the order's, when granted
    fulfilment: Mapped[str | None] = mapped_column(String(16))  # the order's, when granted
    agent_id: Mapped[int | None] = mapped_column(BigId)  # who asked; None for a policy
    actor: Mapped[str] = mapped_column(String(40))  # agent:3 | system
    policy_id: Mapped[int | None] = mapped_column(BigId)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason_code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    # Under whose authority it took effect (the asker within their limit, or the approver) and when.
    authorised_by: Mapped[int | None] = mapped_column(BigId)
    authorised_at: Mapped[dt.datetime | None]
    external_reference: Mapped[str | None] = mapped_column(String(200))  # the store's, once delivered
    failure_reason: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None]


class CompensationLog(IdMixin, WorkspaceMixin, Base):
    """The audit trail: every change of an entry's status, who made it, when and why."""

    __workspace_index__ = False
    __tablename__ = "compensation_log"
    __table_args__ = (Index("ix_compensation_log_ws_entry", "workspace_id", "entry_id", "id"),)

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("compensation_entries.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))  # granted | requested | approved | declined | …
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class CompensationApproval(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A request to grant above the asker's limit, and its decision."""

    __workspace_index__ = False
    __tablename__ = "compensation_approvals"
    __table_args__ = (
        UniqueConstraint("workspace_id", "entry_id"),
        Index("ix_compensation_approvals_ws_status", "workspace_id", "status", "id"),
    )

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("compensation_entries.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | declined
    requested_by: Mapped[int | None] = mapped_column(BigId)
    request_reason: Mapped[str | None] = mapped_column(Text)  # why it was above the limit
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None]


class CreditBalance(IdMixin, WorkspaceMixin, Base):
    """A customer's goodwill credit in one currency."""

    __workspace_index__ = False
    __tablename__ = "credit_balances"
    __table_args__ = (UniqueConstraint("workspace_id", "customer_id", "currency"),)

    customer_id: Mapped[int] = mapped_column(BigId)
    currency: Mapped[str] = mapped_column(String(3))
    balance_minor: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime]


class CreditSpend(IdMixin, WorkspaceMixin, Base):
    """Credit a customer spent (at the store's checkout, or applied by an agent)."""

    __workspace_index__ = False
    __tablename__ = "credit_spends"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_credit_spends_ws_customer", "workspace_id", "customer_id", "id"),
    )

    customer_id: Mapped[int] = mapped_column(BigId)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    order_reference: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    balance_after_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]


# -- records ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class EntryRow:
    id: int
    workspace_id: int
    kind: str
    status: str
    customer_id: int
    order_id: int | None
    shipment_id: int | None
    ticket_id: int | None
    seller_id: int | None
    fulfilment: str | None
    agent_id: int | None
    actor: str
    policy_id: int | None
    policy_version: int | None
    amount_minor: int
    currency: str
    reason_code: str
    note: str | None
    idempotency_key: str
    request_hash: str
    authorised_by: int | None
    authorised_at: dt.datetime | None
    external_reference: str | None
    failure_reason: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class LogRow:
    id: int
    workspace_id: int
    entry_id: int
    action: str
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    created_at: dt.datetime


@dataclass(slots=True)
class ApprovalRow:
    id: int
    workspace_id: int
    entry_id: int
    status: str
    requested_by: int | None
    request_reason: str | None
    decided_by: int | None
    decision_reason: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class BalanceRow:
    id: int
    workspace_id: int
    customer_id: int
    currency: str
    balance_minor: int
    updated_at: dt.datetime


@dataclass(slots=True)
class SpendRow:
    id: int
    workspace_id: int
    customer_id: int
    amount_minor: int
    currency: str
    order_reference: str | None
    note: str | None
    actor: str
    idempotency_key: str
    request_hash: str
    balance_after_minor: int
    created_at: dt.datetime
