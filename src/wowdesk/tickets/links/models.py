"""The ticket links table (ORM model: schema and migration) and its plain record.

A link reads ``ticket_id`` —kind→ ``target_id``: the loser is ``merged_into`` the winner, a
follow-up is ``follow_up_of`` the closed ticket, a split ticket is ``split_from`` the one the
message came from, an incident is ``incident_of`` its problem. A ticket has at most one link of
each kind (one merge target, one problem …)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, WorkspaceMixin

KINDS = ("merged_into", "follow_up_of", "split_from", "incident_of")


class TicketLink(IdMixin, WorkspaceMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "ticket_links"
    __table_args__ = (
        UniqueConstraint("workspace_id", "ticket_id", "kind"),
        Index("ix_ticket_links_ws_target_kind", "workspace_id", "target_id", "kind"),
    )

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(40))  # "agent:3", "system"
    created_at: Mapped[dt.datetime]


@dataclass(slots=True)
class LinkRow:
    id: int
    workspace_id: int
    ticket_id: int
    kind: str
    target_id: int
    created_by: str
    created_at: dt.datetime
