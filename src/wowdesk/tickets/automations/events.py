"""Events of the automations."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class TicketAttentionRequested(Event):
    """A rule asked for agents to be told about a ticket: its assignee, its team, or one agent.
    The notifications room decides how each is told (their devices and settings)."""

    name = "ticket.attention_requested"
    logged: ClassVar[bool] = False
    ticket_id: int
    number: int
    to: str  # assignee | team | agent
    agent_id: int | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    message: dict[str, str]  # per language
    automation_id: int
