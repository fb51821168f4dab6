"""The conversations domain's tables (ORM models: schema and migrations) and the plain records its
repository reads and writes them as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Channel(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A channel account of the workspace (Chatwoot's inbox): a web-chat widget now; e-mail
    addresses, LINE and WeChat accounts … later. ``settings`` is the kind's own configuration."""

    __tablename__ = "channels"

    kind: Mapped[str] = mapped_column(String(20))  # webchat
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))
    identity_secret: Mapped[str] = mapped_column(String(100))  # HMAC key of identity_hash
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Conversation(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_ws_activity", "workspace_id", "last_message_at", "id"),
        Index("ix_conversations_ws_status_id", "workspace_id", "status", "id"),
        Index("ix_conversations_ws_customer", "workspace_id", "customer_id", "channel_id", "id"),
        Index("ix_conversations_ws_assignee", "workspace_id", "assignee_id", "id"),
        # The inbox's view counts read this index alone (migration 0008).
        Index("ix_conversations_ws_status_assignee_team", "workspace_id", "status", "assignee_id", "team_id"),
        # A ticket's chat: where the requester is told things (tickets.outreach; migration 0014).
        Index("ix_conversations_ws_ticket", "workspace_id", "ticket_id"),
        # Contacts per order (analytics): migration 0019.
        Index("ix_conversations_ws_order", "workspace_id", "order_id"),
        Index("ix_conversations_ws_created", "workspace_id", "created_at"),
    )

    channel_id: Mapped[int] = mapped_column(BigId, ForeignKey("channels.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(10))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # How far each side has got: the customer's widget received / read, the agents read.
    customer_received_seq: Mapped[int] = mapped_column(Integer, default=0)
    customer_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    agent_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"))
    last_message_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    # Why the customer got in touch (policies.reasons) and the order it is about (commerce).
    contact_reason: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="SET NULL"))


class Message(IdMixin, WorkspaceMixin, Base):
    __workspace_index__ = False
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # A client's retry of the same message is the same message (NULLs never collide).
        UniqueConstraint("conversation_id", "client_id"),
        Index("ix_messages_ws_id", "workspace_id", "id"),
    )

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(10))  # incoming (from the customer) | outgoing
    kind: Mapped[str] = mapped_column(String(16))  # text | attachment | activity | template
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    author_kind: Mapped[str] = mapped_column(String(16))  # customer | agent | system | bot
    author_id: Mapped[int | None] = mapped_column(BigId)
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | failed (channels' delivery)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class ChatFile(IdMixin, WorkspaceMixin, Base):
    """A file sent in a chat: uploaded first, then named by the message that carries it."""

    __workspace_index__ = False
    __tablename__ = "chat_files"
    __table_args__ = (
        Index("ix_chat_files_ws_message", "workspace_id", "message_id"),
        Index("ix_chat_files_orphans", "message_id", "created_at"),
    )

    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="CASCADE"))
    uploaded_by: Mapped[str] = mapped_column(String(40))  # customer:7 | agent:3
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    # The file's address is /api/v1/chat-files/{id}/{access_key}: a link a customer's browser (which
    # sends no credentials with it) can open, that nobody can guess.
    access_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime]


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class ChannelRow:
    id: int
    workspace_id: int
    kind: str
    name: str
    team_id: int | None
    identity_secret: str
    settings: dict[str, Any]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class ConversationRow:
    id: int
    workspace_id: int
    channel_id: int
    customer_id: int
    status: str
    priority: str
    assignee_id: int | None
    team_id: int | None
    language: str | None
    last_seq: int
    customer_received_seq: int
    customer_read_seq: int
    agent_read_seq: int
    ticket_id: int | None
    last_message_at: dt.datetime
    resolved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_reason: str | None = None
    order_id: int | None = None


def new_conversation(
    *,
    workspace_id: int,
    channel_id: int,
    customer_id: int,
    status: str,
    team_id: int | None,
    language: str | None,
    at: dt.datetime,
    order_id: int | None = None,
) -> ConversationRow:
    """A conversation not yet written: no messages, nobody assigned, nothing read."""
    return ConversationRow(
        id=0,
        workspace_id=workspace_id,
        channel_id=channel_id,
        customer_id=customer_id,
        status=status,
        priority="normal",
        assignee_id=None,
        team_id=team_id,
        language=language,
        last_seq=0,
        customer_received_seq=0,
        customer_read_seq=0,
        agent_read_seq=0,
        ticket_id=None,
        last_message_at=at,
        resolved_at=None,
        created_at=at,
        updated_at=at,
        order_id=order_id,
    )


@dataclass(slots=True)
class MessageRow:
    id: int
    workspace_id: int
    conversation_id: int
    seq: int
    direction: str
    kind: str
    private: bool
    author_kind: str
    author_id: int | None
    body: str
    client_id: str | None
    status: str
    error: str | None
    created_at: dt.datetime


@dataclass(slots=True)
class ChatFileRow:
    id: int
    workspace_id: int
    message_id: int | None
    uploaded_by: str
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    access_key: str
    created_at: dt.datetime
