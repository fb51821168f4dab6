"""What the satisfaction API takes and gives: settings, a rating, a survey, responses, reports."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel

Rating = Literal["good", "bad"]
GroupBy = Literal["none", "agent", "team", "day"]

MAX_COMMENT = 1000  # characters of a customer's comment
# A survey goes out at most 12 hours after the solve: before autoclose (at least a day) closes the
# ticket, which then takes no reply.
MAX_DELAY_MINUTES = 12 * 60
SURVEY_DAYS = 28  # how long a survey link takes (and changes) a rating
DEFAULT_ENABLED = True
DEFAULT_DELAY_MINUTES = 60  # time to reopen a ticket solved by mistake before the customer is asked


class CsatSettingsIn(StrictModel):
    enabled: bool
    delay_minutes: int = Field(ge=0, le=MAX_DELAY_MINUTES)
    # The address customers reach this server at (e.g. https://help.example.com); the survey links
    # start with it. Empty: the address the settings were saved from.
    link_base_url: str | None = Field(default=None, max_length=300)

    @field_validator("link_base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if not v:
            return None
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise Invalid(N_("The link address is an http:// or https:// address without ? or #."))
        return v.rstrip("/")


class CsatSettingsOut(BaseModel):
    enabled: bool
    delay_minutes: int
    link_base_url: str | None
    updated_at: dt.datetime | None  # None: never saved (the defaults)


class RatingIn(StrictModel):
    rating: Rating
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)

    @field_validator("comment")
    @classmethod
    def _comment(cls, v: str | None) -> str | None:
        return v or None


class SurveyOut(BaseModel):
    """A ticket's survey as agents see it."""

    id: int
    ticket_id: int
    language: str
    sent_at: dt.datetime
    sent_via: str
    rating: Rating | None
    comment: str | None
    rated_at: dt.datetime | None
    assignee_id: int | None
    team_id: int | None
    expires_at: dt.datetime


class PublicSurveyOut(BaseModel):
    """A survey as its customer (or a mobile SDK holding the link's token) sees it."""

    language: str
    question: str  # in the survey's language
    footer: str  # "Your feedback helps us serve you better."
    ticket_number: int
    rating: Rating | None
    comment: str | None
    rated_at: dt.datetime | None
    expires_at: dt.datetime
    max_comment: int = MAX_COMMENT


class ResponseOut(BaseModel):
    id: int
    ticket_id: int
    ticket_number: int
    ticket_subject: str
    rating: Rating
    comment: str | None
    rated_at: dt.datetime
    sent_at: dt.datetime
    sent_via: str
    language: str
    assignee_id: int | None
    team_id: int | None


class ReportFigures(BaseModel):
    key: int | str | None = None  # agent or team id, "YYYY-MM-DD" (UTC), None: all / none
    name: str | None = None  # the agent's or team's name
    sent: int
    answered: int
    good: int
    bad: int
    score: float | None  # good / answered
    response_rate: float | None  # answered / sent


class ReportOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    from_: dt.datetime = Field(serialization_alias="from")
    to: dt.datetime
    group_by: GroupBy
    totals: ReportFigures
    groups: list[ReportFigures]
