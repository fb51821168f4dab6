"""Merges, splits and links in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.tickets.schemas import CommentOut, TicketOut

MAX_MERGED = 50


class MergeIn(StrictModel):
    """Zendesk's shape: the ticket in the path wins; `ids` are merged into it."""

    ids: list[DbId] = Field(min_length=1, max_length=MAX_MERGED)
    comment: str | None = Field(default=None, max_length=10_000, description="Added to every note")

    @field_validator("ids")
    @classmethod
    def _unique(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise Invalid(N_("Name each ticket once."))
        return v


class MergeOut(BaseModel):
    ticket: TicketOut
    merged: list[TicketOut]


class SplitIn(StrictModel):
    comment_id: DbId
    subject: str | None = Field(default=None, min_length=1, max_length=500)


class LinkIn(StrictModel):
    kind: Literal["incident_of"] = Field(description="This ticket is an incident of the problem `ticket_id`.")
    ticket_id: DbId


class LinkedTicket(BaseModel):
    id: int
    number: int
    subject: str
    status: str


class LinkOut(BaseModel):
    """``ticket_id`` —kind→ ``target_id``; ``other`` is the ticket at the far end from the one asked about."""

    id: int
    kind: str
    ticket_id: int
    target_id: int
    other: LinkedTicket
    created_by: str
    created_at: dt.datetime


class ReplyOut(CommentOut):
    """A comment as ``POST /tickets/{id}/comments`` answers it. ``ticket_id`` is the ticket the
    comment landed on; ``routed`` says why that is not the one in the path: ``merged`` (the
    ticket was merged, the reply went to the ticket it was merged into) or ``follow_up`` (the
    ticket was closed: a new follow-up ticket holds the reply)."""

    routed: Literal["merged", "follow_up"] | None = None
    sent_to: int | None = None  # the ticket in the path, when routed elsewhere
