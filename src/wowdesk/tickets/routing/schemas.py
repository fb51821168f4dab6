"""Routing rules in and out of the API, and what routing a ticket did."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.tickets.schemas import Channel, TicketOut

Strategy = Literal["manual", "round_robin", "least_loaded", "skills"]
# Who may receive tickets: online agents; online or away (their console still open); or every
# active agent who is not out of office, even offline (the ticket waits for their next shift).
Presence = Literal["online", "online_or_away", "in_office"]
Fallback = Literal["least_loaded", "round_robin", "queue"]
RequesterLanguage = Literal["en", "zh-Hant", "zh-Hans"]

STRATEGIES: tuple[str, ...] = ("manual", "round_robin", "least_loaded", "skills")
PRESENCES: tuple[str, ...] = ("online", "online_or_away", "in_office")
FALLBACKS: tuple[str, ...] = ("least_loaded", "round_robin", "queue")
LANGUAGES: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans")
MAX_CAPACITY = 500
MAX_FIELD_SKILLS = 20


class RoutingRuleIn(StrictModel):
    """The whole rule (PUT replaces it; what is left out takes its default)."""

    strategy: Strategy
    ticket_capacity: int = Field(default=20, ge=1, le=MAX_CAPACITY)
    presence: Presence = "online_or_away"
    language_skills: dict[RequesterLanguage, DbId] = Field(default_factory=dict)
    channel_skills: dict[Channel, DbId] = Field(default_factory=dict)
    field_skills: list[str] = Field(default_factory=list, max_length=MAX_FIELD_SKILLS)
    fallback: Fallback = "least_loaded"
    reassign_on_offline: bool = False

    @field_validator("field_skills")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class RoutingRuleOut(BaseModel):
    team_id: int
    strategy: str
    ticket_capacity: int
    presence: str
    language_skills: dict[str, int]
    channel_skills: dict[str, int]
    field_skills: list[str]
    fallback: str
    reassign_on_offline: bool
    updated_at: dt.datetime | None  # None: the team has no rule (tickets are assigned by hand)


class RouteOut(BaseModel):
    """`assigned`: routing chose someone (maybe the same agent); `queued`: nobody had room, the
    ticket waits in the team's queue as it was."""

    outcome: Literal["assigned", "queued"]
    via: str  # "routing:round_robin", "routing:skills>least_loaded" …
    ticket: TicketOut
