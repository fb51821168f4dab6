from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Tags, normalize_tags
from wowdesk.customers.schemas import RequesterIn
from wowdesk.policies.reasons.schemas import ReasonCode

Status = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
TicketType = Literal["question", "incident", "problem", "task"]
FieldType = Literal["text", "number", "date", "dropdown", "checkbox"]
Channel = Literal["api", "web", "email", "chat", "phone", "sms", "line", "wechat", "weibo"]
FieldValue = str | int | float | bool | None

MAX_BODY = 65_536
FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class TicketCreate(StrictModel):
    subject: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=MAX_BODY)
    requester: RequesterIn
    status: Status = "new"
    priority: Priority = "normal"
    type: TicketType = "question"
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: Tags = Field(default_factory=list)
    custom_fields: dict[str, FieldValue] = Field(default_factory=dict, max_length=200)
    channel: Channel = "api"
    attachment_ids: list[DbId] = Field(default_factory=list, max_length=20)
    contact_reason: ReasonCode | None = None
    order_id: DbId | None = None

    @field_validator("status")
    @classmethod
    def _not_closed(cls, v: str) -> str:
        if v == "closed":
            raise Invalid(N_("A ticket cannot be created closed."))
        return v


class TicketUpdate(StrictModel):
    """PATCH: only the fields given change. `tags` replaces the tag list; `add_tags` and
    `remove_tags` edit it; `custom_fields` sets the keys given (null clears one)."""

    subject: str | None = Field(default=None, min_length=1, max_length=500)
    status: Status | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    requester_id: DbId | None = None
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: Tags | None = None
    add_tags: Tags | None = None
    remove_tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, FieldValue] | None = Field(default=None, max_length=200)
    contact_reason: ReasonCode | None = None  # null clears it
    order_id: DbId | None = None  # null clears it

    @field_validator("remove_tags")
    @classmethod
    def _norm_remove(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else normalize_tags(v)

    @model_validator(mode="after")
    def _not_both(self) -> TicketUpdate:
        if self.tags is not None and (self.add_tags is not None or self.remove_tags is not None):
            raise Invalid(N_("Give either tags, or add_tags/remove_tags, not both."))
        for f in ("subject", "status", "priority", "type", "requester_id"):
            if f in self.model_fields_set and getattr(self, f) is None:
                raise Invalid(N_("{field} cannot be null."), field=f)
        return self


class CommentCreate(StrictModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    public: bool = True
    status: Status | None = Field(default=None, description="Set the ticket status with the same submit.")
    attachment_ids: list[DbId] = Field(default_factory=list, max_length=20)
    author: Literal["agent", "requester"] = Field(
        default="agent",
        description="`requester`: an integration posts the requester's reply (always public; it "
        "reopens a pending/on-hold/solved ticket, and on a closed one opens a follow-up).",
    )

    @model_validator(mode="after")
    def _requester_reply(self) -> CommentCreate:
        if self.author == "requester" and not self.public:
            raise Invalid(N_("A requester's reply is always public."))
        if self.author == "requester" and self.status is not None:
            raise Invalid(N_("A requester's reply cannot set the status."))
        return self


class RequesterSummary(BaseModel):
    id: int
    name: str
    email: str | None


class TicketOut(BaseModel):
    id: int
    number: int
    subject: str
    status: str
    priority: str
    type: str
    channel: str
    requester: RequesterSummary
    assignee_id: int | None
    team_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    solved_at: dt.datetime | None
    closed_at: dt.datetime | None
    contact_reason: str | None = None
    order_id: int | None = None
    replies_by: str | None = None  # "email": public replies are e-mailed to the requester (docs/email.md)


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    ticket_id: int | None
    comment_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime


class CommentOut(BaseModel):
    id: int
    ticket_id: int
    author: str
    body: str
    public: bool
    via: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class TicketRef(BaseModel):
    id: int
    number: int


class TimelineEntry(BaseModel):
    id: int
    kind: str
    actor: str
    via: str | None
    field: str | None
    old: Any
    new: Any
    comment: CommentOut | None
    created_at: dt.datetime
    # A comment of a ticket merged into this one: the ticket it was written on.
    merged_from: TicketRef | None = None


class FieldCreate(StrictModel):
    key: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)
    labels: dict[Literal["en", "zh-Hant", "zh-Hans"], str] = Field(default_factory=dict)
    type: FieldType
    options: list[str] = Field(default_factory=list, max_length=500)
    required_to_solve: bool = False
    position: int = Field(default=0, ge=0, le=10_000)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not FIELD_KEY_RE.match(v):
            raise Invalid(N_("A field key is lower-case letters, digits and _, starting with a letter."))
        return v

    @model_validator(mode="after")
    def _options(self) -> FieldCreate:
        if self.type == "dropdown":
            opts = [o.strip() for o in self.options if o.strip()]
            if not opts:
                raise Invalid(N_("A dropdown needs at least one option."))
            if len(set(opts)) != len(opts):
                raise Invalid(N_("Dropdown options must be unique."))
            if any(len(o) > 200 for o in opts):
                raise Invalid(N_("A dropdown option is at most 200 characters."))
            self.options = opts
        elif self.options:
            raise Invalid(N_("Only dropdown fields have options."))
        return self


class FieldUpdate(StrictModel):
    label: str | None = Field(default=None, min_length=1, max_length=200)
    labels: dict[Literal["en", "zh-Hant", "zh-Hans"], str] | None = None
    options: list[str] | None = Field(default=None, max_length=500)
    required_to_solve: bool | None = None
    active: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class FieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    label: str
    labels: dict[str, str]
    type: str
    options: list[str]
    required_to_solve: bool
    active: bool
    position: int
