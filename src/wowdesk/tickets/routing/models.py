"""A team's routing rule (ORM: schema and migration 0012) and the record the repository reads it as."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, JSONType, TimestampMixin, WorkspaceMixin

DEFAULT_CAPACITY = 20


class TeamRouting(WorkspaceMixin, TimestampMixin, Base):
    """How a team's tickets find an agent. A team without a row assigns by hand (manual)."""

    __workspace_index__ = False  # looked up by team (its primary key), always with workspace_id
    __tablename__ = "team_routing"

    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    strategy: Mapped[str] = mapped_column(String(16), default="manual")
    # Work an agent may hold before routing passes them over: unsolved tickets + chats held.
    ticket_capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    presence: Mapped[str] = mapped_column(String(16), default="online_or_away")
    # Required skills: requester language → skill id, ticket channel → skill id, and custom field
    # keys whose value names a skill.
    language_skills: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    channel_skills: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    field_skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    fallback: Mapped[str] = mapped_column(String(16), default="least_loaded")
    reassign_on_offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Round robin: the agent who got the team's last routed ticket (the next one goes to whoever follows).
    last_agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))


@dataclass(slots=True)
class RuleRow:
    team_id: int
    strategy: str = "manual"
    ticket_capacity: int = DEFAULT_CAPACITY
    presence: str = "online_or_away"
    language_skills: dict[str, Any] = field(default_factory=dict)
    channel_skills: dict[str, Any] = field(default_factory=dict)
    field_skills: list[str] = field(default_factory=list)
    fallback: str = "least_loaded"
    reassign_on_offline: bool = False
    last_agent_id: int | None = None
    updated_at: dt.datetime | None = None
