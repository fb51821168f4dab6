from __future__ import annotations

from wowdesk.core.events import Event


class TicketCreated(Event):
    name = "ticket.created"
    ticket_id: int
    number: int
    requester_id: int
    assignee_id: int | None
    team_id: int | None
    status: str
    priority: str


class TicketUpdated(Event):
    name = "ticket.updated"
    ticket_id: int
    changes: dict[str, list[object]]


class TicketCommentAdded(Event):
    name = "ticket.comment_added"
    ticket_id: int
    comment_id: int
    public: bool
    author: str
