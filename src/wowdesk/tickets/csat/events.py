"""Events of satisfaction surveys, kept in the event log like the tickets' own (agents' streams
carry them; automations can react to a rating)."""

from __future__ import annotations

from typing import ClassVar

from wowdesk.core.events import Event


class SatisfactionSurveySent(Event):
    name = "ticket.satisfaction_survey_sent"
    logged: ClassVar[bool] = True
    ticket_id: int
    survey_id: int
    sent_via: str  # chat | ticket
    language: str


class SatisfactionRated(Event):
    name = "ticket.satisfaction_rated"
    logged: ClassVar[bool] = True
    ticket_id: int
    survey_id: int
    rating: str  # good | bad
    previous_rating: str | None  # the rating it replaced (a customer may change their mind)
    comment: str | None
    assignee_id: int | None  # the agent and team of the solve the survey was sent for
    team_id: int | None
