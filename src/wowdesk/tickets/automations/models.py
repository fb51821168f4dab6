"""The automations' tables: the rules, and the firings of time-based rules (each fires once per
ticket and per state of the ticket it measured from)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, IdMixin, JSONType, TimestampMixin, WorkspaceMixin


class Automation(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A rule: an event trigger (``kind`` "trigger": runs when one of ``events`` happens to a
    ticket) or a time-based rule ("schedule": checked every few minutes against open tickets).
    Rules run in ``position`` order; ``conditions`` is {"all": […], "any": […]}, ``actions`` a
    list (``effects``)."""

    __workspace_index__ = False
    __tablename__ = "automations"
    __table_args__ = (Index("ix_automations_ws_kind_position", "workspace_id", "kind", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Signs the rule's webhook requests (HMAC-SHA256); shown to admins, renewable.
    signing_secret: Mapped[str] = mapped_column(String(64))


class AutomationFiring(WorkspaceMixin, Base):
    """A time-based rule fired on a ticket, for the ticket's state named by ``key`` (e.g. the
    moment its status last changed): the same state never fires the rule twice."""

    __tablename__ = "automation_firings"
    __table_args__ = (Index("ix_automation_firings_ticket", "ticket_id"),)

    automation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("automations.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    fired_at: Mapped[dt.datetime]
