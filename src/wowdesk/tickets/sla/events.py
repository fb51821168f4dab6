"""Events of the SLA, kept in the event log like every ticket event (agents' streams carry them,
and the ticket page refreshes on them). Automations act on them: escalate, notify, reprioritise."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from wowdesk.core.events import Event


class _SlaEvent(Event):
    logged: ClassVar[bool] = True
    ticket_id: int
    metric: str  # first_reply | next_reply | resolution
    due_at: dt.datetime
    policy_id: int


class TicketSlaNearBreach(_SlaEvent):
    """A target is close: the policy's warning time (in business time) before it is due."""

    name = "ticket.sla_near_breach"


class TicketSlaBreached(_SlaEvent):
    """A target was missed: its due moment passed before it was fulfilled."""

    name = "ticket.sla_breached"
