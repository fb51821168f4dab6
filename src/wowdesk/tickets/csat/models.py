"""The satisfaction tables (ORM models: the schema and its migration 0011) and the plain records the
repository reads and writes them as (``core.sql``, ADR 0009)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin

RATINGS = ("good", "bad")
SENT_VIA = ("chat", "ticket")


class CsatSettings(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A workspace's survey settings: one row, or none (then ``schemas.DEFAULTS`` hold)."""

    __workspace_index__ = False  # its unique constraint leads with workspace_id
    __tablename__ = "csat_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean)
    delay_minutes: Mapped[int] = mapped_column(Integer)
    # Where customers open the survey links (the server's public address); None: the runtime's.
    link_base_url: Mapped[str | None] = mapped_column(String(300))


class SatisfactionSurvey(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """The survey of one ticket. Its link names it by id and carries a random token, of which only
    the SHA-256 is kept; the agent and team are the ticket's when it was solved (what reports count
    them under)."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "satisfaction_surveys"
    __table_args__ = (
        UniqueConstraint("workspace_id", "ticket_id"),
        Index("ix_satisfaction_surveys_ws_sent", "workspace_id", "sent_at", "id"),
        Index("ix_satisfaction_surveys_ws_rated", "workspace_id", "rated_at", "id"),
    )

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(10))
    solved_at: Mapped[dt.datetime]  # the solve it was (last) sent for
    sent_at: Mapped[dt.datetime]
    sent_via: Mapped[str] = mapped_column(String(16))  # chat | ticket
    rating: Mapped[str | None] = mapped_column(String(8))  # good | bad; None: not answered
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))


# -- records: what the repository returns -------------------------------------------------------------------


@dataclass(slots=True)
class SettingsRow:
    id: int
    workspace_id: int
    enabled: bool
    delay_minutes: int
    link_base_url: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class SurveyRow:
    id: int
    workspace_id: int
    ticket_id: int
    token_digest: str
    language: str
    solved_at: dt.datetime
    sent_at: dt.datetime
    sent_via: str
    rating: str | None
    comment: str | None
    rated_at: dt.datetime | None
    assignee_id: int | None
    team_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(slots=True)
class ResponseRow:
    """An answered survey with its ticket's number and subject (the responses list)."""

    id: int
    ticket_id: int
    rating: str | None
    comment: str | None
    rated_at: dt.datetime | None
    sent_at: dt.datetime
    sent_via: str
    language: str
    assignee_id: int | None
    team_id: int | None
    number: int
    subject: str


@dataclass(slots=True)
class Tally:
    """Report figures of one group (``key`` None for the whole range or for "no agent/team")."""

    key: int | str | None
    sent: int
    answered: int
    good: int
    bad: int
