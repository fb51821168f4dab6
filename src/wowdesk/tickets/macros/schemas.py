"""Macros in and out of the API. A macro's actions are checked here for shape; what they name
(agents, teams, custom fields, placeholders) is checked against the workspace when it is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel
from wowdesk.core.validation import Tags, normalize_tags
from wowdesk.tickets.schemas import MAX_BODY, CommentOut, TicketOut

Language = Literal["en", "zh-Hant", "zh-Hans"]
MacroValue = str | int | float | bool | None

# What `set` may name, besides `custom_fields.<key>`.
SETTABLE = ("status", "priority", "type", "assignee_id", "team_id")
CUSTOM_PREFIX = "custom_fields."
MAX_ACTIONS = 50


class MacroAction(StrictModel):
    """One step: ``{"set": field, "value": v}``, ``{"add_tags": [...]}`` or ``{"remove_tags": [...]}``."""

    set: str | None = Field(default=None, min_length=1, max_length=80)
    value: MacroValue = None
    add_tags: Tags | None = None
    remove_tags: list[str] | None = Field(default=None, min_length=1, max_length=50)

    @field_validator("remove_tags")
    @classmethod
    def _norm_remove(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else normalize_tags(v)

    @model_validator(mode="after")
    def _one_kind(self) -> MacroAction:
        kinds = [k for k in ("set", "add_tags", "remove_tags") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise Invalid(N_("Each action is one of set, add_tags or remove_tags."))
        if self.set is None and "value" in self.model_fields_set:
            raise Invalid(N_("Only a set action has a value."))
        if self.add_tags is not None and not self.add_tags:
            raise Invalid(N_("add_tags needs at least one tag."))
        return self


class MacroReply(StrictModel):
    """The reply a macro writes: its text per language, a public reply or an internal note."""

    texts: dict[Language, str] = Field(min_length=1)
    public: bool = True

    @field_validator("texts")
    @classmethod
    def _texts(cls, v: dict[str, str]) -> dict[str, str]:
        out = {k: t.strip() for k, t in v.items() if t and t.strip()}
        if not out:
            raise Invalid(N_("A reply needs its text in at least one language."))
        if any(len(t) > MAX_BODY for t in out.values()):
            raise Invalid(N_("A reply is at most {max} characters."), max=MAX_BODY)
        return out


def _check_names(v: dict[str, str] | None) -> dict[str, str] | None:
    if v is None:
        return None
    out = {k: n.strip() for k, n in v.items() if n and n.strip()}
    if any(len(n) > 200 for n in out.values()):
        raise Invalid(N_("A name is at most {max} characters."), max=200)
    return out


class MacroCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    names: dict[Language, str] = Field(default_factory=dict)
    shared: bool = False
    active: bool = True
    position: int = Field(default=0, ge=0, le=10_000)
    actions: list[MacroAction] = Field(default_factory=list, max_length=MAX_ACTIONS)
    reply: MacroReply | None = None

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _check_names(v)

    @model_validator(mode="after")
    def _does_something(self) -> MacroCreate:
        if not self.actions and self.reply is None:
            raise Invalid(N_("A macro needs at least one action or a reply."))
        return self


class MacroUpdate(StrictModel):
    """PATCH: only what is given changes; ``reply: null`` removes the reply."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    names: dict[Language, str] | None = None
    active: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    actions: list[MacroAction] | None = Field(default=None, max_length=MAX_ACTIONS)
    reply: MacroReply | None = None

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _check_names(v)

    @model_validator(mode="after")
    def _not_null(self) -> MacroUpdate:
        for f in ("name", "active", "position", "actions", "names"):
            if f in self.model_fields_set and getattr(self, f) is None:
                raise Invalid(N_("{field} cannot be null."), field=f)
        return self


class MacroOut(BaseModel):
    id: int
    name: str
    names: dict[str, str]
    shared: bool
    owner_id: int | None
    active: bool
    position: int
    actions: list[dict[str, Any]]
    reply: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MacroPreviewIn(StrictModel):
    language: Language | None = Field(default=None, description="The reply's language (default: see docs)")


class MacroApplyIn(StrictModel):
    """Apply a macro; ``body`` (and ``public``) replace its reply as the agent edited it."""

    language: Language | None = None
    body: str | None = Field(default=None, max_length=MAX_BODY)
    public: bool | None = None


class ReplyPreview(BaseModel):
    body: str
    public: bool
    language: str


class MacroPreview(BaseModel):
    """What applying the macro would do now: the changes (field → [now, after]) and the reply."""

    macro_id: int
    name: str
    ticket_id: int
    version: int
    changes: dict[str, list[Any]]
    reply: ReplyPreview | None


class MacroApplied(BaseModel):
    ticket: TicketOut
    comment: CommentOut | None
