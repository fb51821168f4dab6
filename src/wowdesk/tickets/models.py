"""The tickets domain's tables (ORM models: the schema and its migrations) and the plain records
its repository reads and writes them as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Ticket(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_tickets_ws_status_id", "workspace_id", "status", "id"),
        Index("ix_tickets_ws_assignee_id", "workspace_id", "assignee_id", "id"),
        Index("ix_tickets_ws_team_id", "workspace_id", "team_id", "id"),
        Index("ix_tickets_ws_requester_id", "workspace_id", "requester_id", "id"),
        Index("ix_tickets_ws_updated", "workspace_id", "updated_at", "id"),
        # The inbox's view counts read this index alone (migration 0008).
        Index("ix_tickets_ws_status_assignee_team", "workspace_id", "status", "assignee_id", "team_id"),
        # Contacts per order (analytics) and an order's tickets (the side panel): migration 0019.
        Index("ix_tickets_ws_order", "workspace_id", "order_id"),
        Index("ix_tickets_ws_created", "workspace_id", "created_at"),
    )

    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    requester_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id"))
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20), default="api")
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    solved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    status_changed_at: Mapped[dt.datetime | None]  # what time-based rules measure "pending for" from
    # Why the customer got in touch (policies.reasons) and the order it is about (commerce).
    contact_reason: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="SET NULL"))
    # How public replies reach the requester besides the ticket itself: "email" (tickets.email: a
    # message left in the chat while nobody took chats), or null.
    replies_by: Mapped[str | None] = mapped_column(String(16))


class TicketTag(WorkspaceMixin, Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_ws_tag", "workspace_id", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


class TicketComment(IdMixin, WorkspaceMixin, Base):
    """A public reply (seen by the requester) or an internal note (`public` false)."""

    __tablename__ = "ticket_comments"
    __table_args__ = (Index("ix_ticket_comments_ticket_id", "ticket_id", "id"),)

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    author_kind: Mapped[str] = mapped_column(String(16))  # agent | customer | system
    author_id: Mapped[int | None] = mapped_column(BigId)
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean)
    via: Mapped[str] = mapped_column(String(20), default="api")
    created_at: Mapped[dt.datetime]


class TicketEvent(IdMixin, WorkspaceMixin, Base):
    """One line of the audit timeline: who did what, when, old → new."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id", "ticket_id", "id"),)

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(40))  # "agent:3", "customer:9", "system"
    via: Mapped[str | None] = mapped_column(String(40))  # "apikey:2", "token", "session", job name
    kind: Mapped[str] = mapped_column(String(32))  # created | changed | comment | attachment | …
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[Any] = mapped_column(JSONType, nullable=True)
    new: Mapped[Any] = mapped_column(JSONType, nullable=True)
    comment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ticket_comments.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime]


class TicketField(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A custom field definition: typed, validated on every write."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "ticket_fields"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # per language
    type: Mapped[str] = mapped_column(String(16))  # text | number | date | dropdown | checkbox
    options: Mapped[list[str]] = mapped_column(JSONType, default=list)
    required_to_solve: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Attachment(IdMixin, WorkspaceMixin, Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_ticket_id", "ticket_id"),)

    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ticket_comments.id", ondelete="SET NULL")
    )
    uploaded_by: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class TicketRow:
    id: int
    workspace_id: int
    number: int
    subject: str
    status: str
    priority: str
    type: str
    requester_id: int
    assignee_id: int | None
    team_id: int | None
    channel: str
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    solved_at: dt.datetime | None
    closed_at: dt.datetime | None
    status_changed_at: dt.datetime | None = None
    contact_reason: str | None = None
    order_id: int | None = None
    replies_by: str | None = None  # "email": public replies are e-mailed to the requester


@dataclass(slots=True)
class CommentRow:
    id: int
    workspace_id: int
    ticket_id: int
    author_kind: str
    author_id: int | None
    body: str
    public: bool
    via: str
    created_at: dt.datetime


@dataclass(slots=True)
class TimelineRow:
    id: int
    ticket_id: int
    actor: str
    via: str | None
    kind: str
    field: str | None
    old: Any
    new: Any
    comment_id: int | None
    created_at: dt.datetime


@dataclass(slots=True)
class FieldRow:
    id: int
    key: str
    label: str
    labels: dict[str, Any]
    type: str
    options: list[str]
    required_to_solve: bool
    active: bool
    position: int


@dataclass(slots=True)
class AttachmentRow:
    id: int
    workspace_id: int
    ticket_id: int | None
    comment_id: int | None
    uploaded_by: str
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    created_at: dt.datetime
