"""Events of tickets answered by e-mail, kept in the event log: the console refreshes a ticket's
timeline when one arrives (agents' streams carry them like every ``ticket.*`` event)."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class TicketEmailSent(Event):
    """A public reply went out: to the SMTP server (``via`` "smtp") or, with none configured, into
    the outbox directory (``via`` "outbox": written, not delivered)."""

    name = "ticket.email_sent"
    logged: ClassVar[bool] = True
    ticket_id: int
    comment_id: int
    to: str
    via: str


class TicketEmailFailed(Event):
    """A public reply could not be e-mailed, for good: ``reason`` is the server's refusal, the last
    temporary failure, or ``no_address`` (the requester has no e-mail address)."""

    name = "ticket.email_failed"
    logged: ClassVar[bool] = True
    ticket_id: int
    comment_id: int
    to: str | None
    reason: str
