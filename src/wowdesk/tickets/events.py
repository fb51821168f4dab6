"""Events of the tickets domain, all kept in the event log: agents' streams carry them."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class _TicketEvent(Event):
    logged: ClassVar[bool] = True


class TicketCreated(_TicketEvent):
    name = "ticket.created"
    ticket_id: int
    number: int
    requester_id: int
    assignee_id: int | None
    team_id: int | None
    status: str
    priority: str
    contact_reason: str | None = None
    order_id: int | None = None


class TicketUpdated(_TicketEvent):
    name = "ticket.updated"
    ticket_id: int
    changes: dict[str, list[object]]


class TicketCommentAdded(_TicketEvent):
    name = "ticket.comment_added"
    ticket_id: int
    comment_id: int
    public: bool
    author: str
    # A public reply (not the requester's own words) on a ticket whose replies go by e-mail: it is
    # e-mailed to the requester (tickets.email.jobs, whose condition reads only this field).
    email: bool = False
