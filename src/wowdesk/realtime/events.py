"""Events of the realtime layer itself: not stored, never logged, only fanned out to sockets."""

from __future__ import annotations

from typing import Literal

from wowdesk.core.events import Event

ViewingState = Literal["viewing", "typing", "left"]


class Viewing(Event):
    """An agent has a conversation or ticket open (``viewing``), is writing in it (``typing``), or
    closed it (``left``): the collision indicator of everyone else who has it open. ``ask``: the
    sender just arrived and wants the others to say they are there too."""

    name = "agent.viewing"
    target: str  # "ticket:12" | "conversation:5"
    state: ViewingState
    ask: bool = False
    who_id: int
    who_name: str
    # Who may see a conversation (the same rule as its messages); None for tickets.
    team_id: int | None = None
    assignee_id: int | None = None
