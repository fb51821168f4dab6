"""What the inbox takes and gives: view filters, saved views, canned responses, inbox entries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Language, normalize_tag

# One status vocabulary over both kinds: a ticket's own, and a conversation's mapped onto it
# (open → open, pending → pending, snoozed → snoozed, resolved → solved).
InboxStatus = Literal["new", "open", "pending", "on_hold", "snoozed", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
# Where a contact came from (a ticket's channel; a web-chat conversation is "chat").
ChannelName = Literal["api", "web", "email", "chat", "phone", "sms", "line", "wechat", "weibo"]
Kind = Literal["ticket", "conversation"]
FilterValue = str | float | bool

FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
SHORTCUT_RE = re.compile(r"^[\w-]{1,40}$")
UNSOLVED: tuple[str, ...] = ("new", "open", "pending", "on_hold", "snoozed")


def clean_shortcut(value: str) -> str:
    v = value.strip().lstrip("/").lower()
    if not SHORTCUT_RE.match(v):
        raise Invalid(N_("A shortcut is letters, digits, - or _ (no spaces), at most 40."))
    return v


class ViewFilters(StrictModel):
    """Every condition must hold. Lists mean "any of these"; empty means no condition."""

    kinds: list[Kind] = Field(default_factory=list, max_length=2)
    statuses: list[InboxStatus] = Field(default_factory=list, max_length=7)
    priorities: list[Priority] = Field(default_factory=list, max_length=4)
    channels: list[ChannelName] = Field(default_factory=list, max_length=9)
    # "me", "none" (unassigned) or an agent's id.
    assignee: Literal["me", "none"] | DbId | None = None
    team_ids: list[DbId] = Field(default_factory=list, max_length=50)
    my_teams: bool = False  # in one of the viewing agent's teams
    tag: str | None = Field(default=None, max_length=50)
    # Ticket custom fields equal to a value (by field key).
    fields: dict[str, FilterValue] = Field(default_factory=dict, max_length=10)
    q: str | None = Field(default=None, max_length=200)  # words in the ticket's subject or comments

    @field_validator("tag")
    @classmethod
    def _tag(cls, v: str | None) -> str | None:
        return normalize_tag(v) if v else None

    @field_validator("q")
    @classmethod
    def _q(cls, v: str | None) -> str | None:
        return v or None

    @field_validator("fields")
    @classmethod
    def _field_keys(cls, v: dict[str, FilterValue]) -> dict[str, FilterValue]:
        for key, value in v.items():
            if not FIELD_KEY_RE.match(key):
                raise Invalid(N_("Unknown custom field {key}."), key=key[:64])
            if isinstance(value, str) and len(value) > 200:
                raise Invalid(N_("A field value to filter on is at most 200 characters."))
        return v

    def tickets_only(self) -> bool:
        """Conditions only tickets have (a conversation never matches them)."""
        return bool(self.tag or self.fields or self.q)


class ViewIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    filters: ViewFilters = Field(default_factory=ViewFilters)
    shared: bool = False  # everyone's (supervisors and admins), or only the author's
    position: int = Field(default=0, ge=0, le=10_000)


class ViewUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    filters: ViewFilters | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class ViewOut(BaseModel):
    """A view: built-in ones have a word for a key (``mine``), saved ones their id."""

    key: str
    name: str
    builtin: bool
    shared: bool
    filters: ViewFilters
    id: int | None = None
    position: int = 0


class CannedIn(StrictModel):
    shortcut: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)
    language: Language | None = None
    shared: bool = True

    _shortcut = field_validator("shortcut")(classmethod(lambda cls, v: clean_shortcut(v)))


class CannedUpdate(StrictModel):
    shortcut: str | None = Field(default=None, min_length=1, max_length=40)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=10_000)
    language: Language | None = None

    _shortcut = field_validator("shortcut")(classmethod(lambda cls, v: clean_shortcut(v) if v else v))


class CannedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    shortcut: str
    title: str
    body: str
    language: str | None
    shared: bool
    owner_id: int | None
    updated_at: dt.datetime


class Person(BaseModel):
    id: int
    name: str
    email: str | None = None


class InboxItem(BaseModel):
    """One line of the inbox: a ticket or a conversation."""

    kind: Kind
    id: int
    number: int | None = None  # a ticket's number
    title: str  # a ticket's subject; a conversation's customer
    preview: str = ""  # a conversation's last message
    status: str  # in the inbox's vocabulary (InboxStatus)
    priority: str
    channel: str
    channel_name: str = ""  # a conversation's channel account
    customer: Person
    assignee: Person | None = None
    team_id: int | None = None
    tags: list[str] = Field(default_factory=list)
    unread: bool = False  # a conversation with customer messages no agent has read
    activity_at: dt.datetime


class InboxPage(BaseModel):
    items: list[InboxItem]
    next_cursor: str | None


class ViewCount(BaseModel):
    key: str
    count: int
    more: bool  # the count stopped at its limit: there are more
