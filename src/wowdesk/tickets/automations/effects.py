"""What a rule does when it fires, as validated data: set fields, add or remove tags, reply or add a
note (text per language, with placeholders), notify agents, call a webhook, apply a macro.

The shapes are checked here; what needs the database (does that team, agent, custom field,
calendar or macro exist?) is checked by ``actions`` when the rule is saved."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from wowdesk.core.i18n import LANGUAGES, N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Tags
from wowdesk.tickets.states import PRIORITIES, STATUSES, TYPES

MAX_TEXT = 10_000
MAX_URL = 2_000
SETTABLE = ("status", "priority", "type", "assignee_id", "team_id")
CUSTOM_PREFIX = "custom_fields."

Texts = Annotated[dict[str, str], Field(min_length=1, max_length=len(LANGUAGES))]


def _check_texts(texts: dict[str, str]) -> dict[str, str]:
    for language, text in texts.items():
        if language not in LANGUAGES:
            raise Invalid(
                N_("{language} is not a language of WowDesk (en, zh-Hant, zh-Hans)."), language=language
            )
        if not text.strip() or len(text) > MAX_TEXT:
            raise Invalid(N_("A text must have 1 to {limit} characters."), limit=MAX_TEXT)
    if "en" not in texts:
        raise Invalid(N_("Give the English text; it is used when the customer's language has none."))
    return texts


class SetField(StrictModel):
    type: Literal["set"]
    field: str = Field(min_length=1, max_length=80)
    value: Any = None

    @model_validator(mode="after")
    def _valid(self) -> SetField:
        name, value = self.field, self.value
        if name.startswith(CUSTOM_PREFIX):
            if not name[len(CUSTOM_PREFIX) :]:
                raise Invalid(N_("Name the custom field: custom_fields.<key>."))
            if value is not None and not isinstance(value, str | int | float | bool):
                raise Invalid(N_("A custom field is set to a single value."))
            return self
        choices = {"status": STATUSES, "priority": PRIORITIES, "type": TYPES}.get(name)
        if choices is not None:
            if value not in choices or value == "new":
                allowed = ", ".join(c for c in choices if c != "new")
                raise Invalid(
                    N_("{value} is not a value of {field} (one of: {allowed})."),
                    value=str(value),
                    field=name,
                    allowed=allowed,
                )
        elif name in ("assignee_id", "team_id"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise Invalid(N_("{field} is set to an id, or null to clear it."), field=name)
        else:
            raise Invalid(
                N_("A rule cannot set {field}; it sets one of: {fields}, custom_fields.<key>."),
                field=name,
                fields=", ".join(SETTABLE),
            )
        return self


class AddTags(StrictModel):
    type: Literal["add_tags"]
    tags: Tags = Field(min_length=1)


class RemoveTags(StrictModel):
    type: Literal["remove_tags"]
    tags: Tags = Field(min_length=1)


class Reply(StrictModel):
    """A public reply to the requester in their language, or an internal note (``public`` false),
    with placeholders such as ``{{ ticket.number }}`` and ``{{ customer.name }}``."""

    type: Literal["reply"]
    body: Texts
    public: bool = True

    _texts = field_validator("body")(_check_texts)


class Notify(StrictModel):
    """Tell agents about the ticket (their notification settings decide how)."""

    type: Literal["notify"]
    to: Literal["assignee", "team", "agent"]
    agent_id: DbId | None = None
    message: Texts

    _texts = field_validator("message")(_check_texts)

    @model_validator(mode="after")
    def _agent(self) -> Notify:
        if (self.to == "agent") != (self.agent_id is not None):
            raise Invalid(N_("Notify an agent by giving agent_id, and only then."))
        return self


class Webhook(StrictModel):
    """POST the ticket and the event as JSON to ``url``, signed with the rule's secret, retried."""

    type: Literal["webhook"]
    url: str = Field(min_length=8, max_length=MAX_URL)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid(N_("A webhook URL starts with https:// (or http://) and names a host."))
        if parts.username or parts.password:
            raise Invalid(N_("Put no password in a webhook URL; requests are signed instead."))
        return v.strip()


class ApplyMacro(StrictModel):
    type: Literal["apply_macro"]
    macro_id: DbId


Effect = Annotated[
    SetField | AddTags | RemoveTags | Reply | Notify | Webhook | ApplyMacro, Field(discriminator="type")
]
