from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Workspace(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"

    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(10), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # What refunds, credits and authority limits are counted in (ISO 4217, core.money).
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Agent(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change, deactivation or "sign out everywhere": older tokens stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[dt.datetime | None]
    # Chat presence: what the agent chose, when a console of theirs last said it is there, how many
    # chats they hold at once, and when they were last given one (round-robin order).
    availability: Mapped[str] = mapped_column(String(10), default="offline", server_default="offline")
    chat_capacity: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    last_seen_at: Mapped[dt.datetime | None]
    last_assigned_at: Mapped[dt.datetime | None]
    # Out of office (set by the agent or an admin): never given tickets or chats while it lasts —
    # for good when `out_of_office_until` is empty, else until then (tickets.routing).
    out_of_office: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    out_of_office_until: Mapped[dt.datetime | None]


class Team(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")


class TeamMember(WorkspaceMixin, Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Skill(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")


class AgentSkill(WorkspaceMixin, Base):
    __tablename__ = "agent_skills"

    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(Integer, default=3)


class ApiKey(IdMixin, WorkspaceMixin, Base):
    __tablename__ = "api_keys"

    agent_id: Mapped[int] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class AuthSession(IdMixin, WorkspaceMixin, Base):
    """A console login (cookie). Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "auth_sessions"

    agent_id: Mapped[int] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    # "Remember me": the cookie outlives the browser and the session its idle limit.
    remember: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class SecurityEvent(IdMixin, WorkspaceMixin, Base):
    """Audit of security-relevant facts: logins, failed logins, keys created and revoked, role changes."""

    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_ws_id", "workspace_id", "id"),)

    kind: Mapped[str] = mapped_column(String(40))
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="SET NULL"))
    actor: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime]
