"""Events of macros, kept in the event log (agents' streams carry them)."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class MacroApplied(Event):
    name = "ticket.macro_applied"
    logged: ClassVar[bool] = True
    ticket_id: int
    macro_id: int
    comment_id: int | None
