"""Events of ticket links, kept in the event log (agents' streams carry them)."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class _LinkEvent(Event):
    logged: ClassVar[bool] = True


class TicketsMerged(_LinkEvent):
    name = "ticket.merged"
    ticket_id: int  # the winner
    merged_ids: list[int]


class TicketLinked(_LinkEvent):
    """``ticket_id`` —kind→ ``target_id`` now (a split, a follow-up, an incident of a problem)."""

    name = "ticket.linked"
    ticket_id: int
    kind: str
    target_id: int


class TicketUnlinked(_LinkEvent):
    name = "ticket.unlinked"
    ticket_id: int
    kind: str
    target_id: int
