"""The authority limits table (ORM model: schema and migration 0017) and its plain record
(``core.sql``, ADR 0009).

One row per (subject, kind): ``role:agent`` / ``role:supervisor`` / ``role:admin`` for a role's
limits, ``agent:<id>`` for one agent's override. A missing amount is "no limit"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, TimestampMixin, WorkspaceMixin


class AuthorityLimit(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    __workspace_index__ = False  # its unique constraint leads with workspace_id
    __tablename__ = "authority_limits"
    __table_args__ = (UniqueConstraint("workspace_id", "subject", "kind"),)

    subject: Mapped[str] = mapped_column(String(40))  # role:<role> | agent:<id>
    # Set for an agent's override, so it goes with the agent.
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # refund | goodwill_credit | …
    per_grant_minor: Mapped[int | None] = mapped_column(BigInteger)  # None: no limit
    per_day_minor: Mapped[int | None] = mapped_column(BigInteger)  # None: no limit
    currency: Mapped[str] = mapped_column(String(3))


@dataclass(slots=True)
class LimitRow:
    id: int
    workspace_id: int
    subject: str
    agent_id: int | None
    kind: str
    per_grant_minor: int | None
    per_day_minor: int | None
    currency: str
    created_at: dt.datetime
    updated_at: dt.datetime
