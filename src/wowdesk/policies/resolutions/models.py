"""Resolution policies (with every version of their document) and the suggestions they leave on
tickets. Cold paths (admins saving a policy, an agent taking a suggestion): the ORM is used."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin

MODES = ("automatic", "suggest")
SUGGESTION_STATUSES = ("open", "accepted", "dismissed")
SUGGESTION_KINDS = ("resolution", "offer")


class ResolutionPolicy(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A policy: its current version's document is kept here too (what evaluation reads)."""

    __workspace_index__ = False
    __tablename__ = "resolution_policies"
    __table_args__ = (Index("ix_resolution_policies_ws_trigger", "workspace_id", "trigger_kind", "enabled"),)

    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(16))  # automatic | suggest
    trigger_kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)  # the current version's number
    document: Mapped[dict[str, Any]]
    archived_at: Mapped[dt.datetime | None]  # deleted: hidden, but its versions stay on record


class ResolutionPolicyVersion(IdMixin, WorkspaceMixin, Base):
    """One saved version of a policy (every save makes one; none is ever changed)."""

    __workspace_index__ = False
    __tablename__ = "resolution_policy_versions"
    __table_args__ = (UniqueConstraint("workspace_id", "policy_id", "version"),)

    policy_id: Mapped[int] = mapped_column(BigId, ForeignKey("resolution_policies.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    saved_by: Mapped[str] = mapped_column(String(40))  # actor ref
    created_at: Mapped[dt.datetime]


class ResolutionSuggestion(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A policy's proposal for a ticket, waiting for an agent's click: a ``resolution`` (what the
    policy grants), or an ``offer`` (a reimbursement the customer may take up later, e.g. the
    fastest shipping of a replacement order). ``open_ticket_id`` is the ticket's id while the
    suggestion is open and NULL once decided: the unique constraint keeps one open suggestion of
    each kind per ticket and policy (NULLs never collide, on either database)."""

    __workspace_index__ = False
    __tablename__ = "resolution_suggestions"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "open_ticket_id", "policy_id", "kind", name="uq_resolution_suggestions_open"
        ),
        Index("ix_resolution_suggestions_ws_ticket", "workspace_id", "ticket_id", "id"),
    )

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    open_ticket_id: Mapped[int | None] = mapped_column(BigId)
    policy_id: Mapped[int] = mapped_column(BigId, ForeignKey("resolution_policies.id", ondelete="CASCADE"))
    policy_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # resolution | offer
    status: Mapped[str] = mapped_column(String(16))  # open | accepted | dismissed
    customer_id: Mapped[int] = mapped_column(BigId)
    order_id: Mapped[int] = mapped_column(BigId)
    shipment_id: Mapped[int | None] = mapped_column(BigId)
    proposal: Mapped[dict[str, Any]]  # evaluate.Proposal.as_dict()
    outcome: Mapped[dict[str, Any] | None]  # once accepted: the ledger entries and approvals
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime | None]
