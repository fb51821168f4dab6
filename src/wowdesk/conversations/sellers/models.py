"""Buyer-seller messaging's tables (ORM models: the schema and its migration 0020) and the plain
records the repository reads and writes them as (``core.sql``, ADR 0009).

A buyer-seller thread *is* a conversation (``conversations``, on the workspace's "marketplace"
channel) about one order; these tables add who the seller is, how the buyer is masked to them,
what was flagged, and how long the seller took to answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, WorkspaceMixin

FLAG_STATUSES = ("held", "released", "rejected", "delivered")


class SellerApiKey(IdMixin, WorkspaceMixin, Base):
    """A seller's key to the seller API (``/api/v1/seller/...``): shown once, kept as its SHA-256."""

    __workspace_index__ = False
    __tablename__ = "seller_api_keys"
    __table_args__ = (Index("ix_seller_api_keys_ws_seller", "workspace_id", "seller_id", "id"),)

    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(40))  # agent:3
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class SellerThread(IdMixin, WorkspaceMixin, Base):
    """The seller's side of a conversation about one of their orders (one thread per order)."""

    __workspace_index__ = False
    __tablename__ = "seller_threads"
    __table_args__ = (
        UniqueConstraint("workspace_id", "order_id"),
        UniqueConstraint("conversation_id"),
        Index("ix_seller_threads_ws_seller_activity", "workspace_id", "seller_id", "last_message_at", "id"),
        # Where a reply to a relay address goes (the e-mail channel, when it lands).
        Index("ix_seller_threads_ws_alias", "workspace_id", "alias"),
    )

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    order_external_id: Mapped[str] = mapped_column(String(200))  # what the seller knows it by
    order_number: Mapped[str] = mapped_column(String(64))
    alias: Mapped[str] = mapped_column(String(16))  # the buyer's masked code for this seller
    opened_by: Mapped[str] = mapped_column(String(16))  # customer | seller
    # The first buyer message the seller has not answered yet (None: nothing waits).
    awaiting_since: Mapped[dt.datetime | None]
    last_message_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]


class MessageFlag(IdMixin, WorkspaceMixin, Base):
    """A message that tried to take the buyer off the platform: what was found, and the review.
    A seller's flagged message is ``held`` (the customer does not see it) until an agent
    ``released`` or ``rejected`` it; a buyer's is ``delivered`` (masked to the seller) and noted."""

    __workspace_index__ = False
    __tablename__ = "message_flags"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_message_flags_ws_status_id", "workspace_id", "status", "id"),
        Index("ix_message_flags_ws_conversation", "workspace_id", "conversation_id", "id"),
    )

    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id", ondelete="CASCADE"))
    author_kind: Mapped[str] = mapped_column(String(16))  # seller | customer
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # [{kind, text}]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    released_message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime]


class SellerResponse(IdMixin, WorkspaceMixin, Base):
    """One answered wait: from the first unanswered buyer message to the seller's next reply."""

    __workspace_index__ = False
    __tablename__ = "seller_responses"
    __table_args__ = (Index("ix_seller_responses_ws_seller_asked", "workspace_id", "seller_id", "asked_at"),)

    seller_id: Mapped[int] = mapped_column(BigId, ForeignKey("sellers.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    asked_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime]
    # Milliseconds (an integer: the prepared statements' float conversion differs per driver).
    milliseconds: Mapped[int] = mapped_column(BigInteger)


class SellerMessagingSettings(IdMixin, WorkspaceMixin, Base):
    """A workspace's domains: its own (relay addresses, allowed links) and other allowed ones."""

    __workspace_index__ = False
    __tablename__ = "seller_messaging_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    mail_domain: Mapped[str] = mapped_column(String(253))
    allowed_domains: Mapped[list[str]] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime]


# -- records ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SellerKeyRow:
    id: int
    workspace_id: int
    seller_id: int
    name: str
    prefix: str
    key_hash: str
    created_by: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(slots=True)
class ThreadRow:
    id: int
    workspace_id: int
    conversation_id: int
    seller_id: int
    order_id: int
    customer_id: int
    order_external_id: str
    order_number: str
    alias: str
    opened_by: str
    awaiting_since: dt.datetime | None
    last_message_at: dt.datetime
    created_at: dt.datetime


@dataclass(slots=True)
class FlagRow:
    id: int
    workspace_id: int
    message_id: int
    conversation_id: int
    seller_id: int
    author_kind: str
    findings: list[dict[str, Any]]
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None
    released_message_id: int | None
    created_at: dt.datetime


@dataclass(slots=True)
class ResponseRow:
    id: int
    workspace_id: int
    seller_id: int
    conversation_id: int
    asked_at: dt.datetime
    answered_at: dt.datetime
    milliseconds: int


@dataclass(slots=True)
class MessagingSettingsRow:
    id: int
    workspace_id: int
    mail_domain: str
    allowed_domains: list[str]
    updated_at: dt.datetime
