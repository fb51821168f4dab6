from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Email, Language, Phone, Tags, TimeZone, normalize_email, normalize_phone

IdentityChannel = Literal["email", "phone", "line", "wechat", "weibo", "webchat", "api"]
Scalar = str | int | float | bool | None

MAX_ATTRIBUTES = 100
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 1000


def check_attributes(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_ATTRIBUTES:
        raise Invalid(N_("At most {max} custom attributes."), max=MAX_ATTRIBUTES)
    for k, v in value.items():
        if not k or len(k) > MAX_ATTRIBUTE_KEY:
            raise Invalid(N_("Attribute names are 1-{max} characters."), max=MAX_ATTRIBUTE_KEY)
        if isinstance(v, str) and len(v) > MAX_ATTRIBUTE_VALUE:
            raise Invalid(
                N_("Attribute {name} is longer than {max} characters."), name=k, max=MAX_ATTRIBUTE_VALUE
            )
    return value


class IdentityIn(StrictModel):
    channel: IdentityChannel
    value: str = Field(min_length=1, max_length=320)

    @model_validator(mode="after")
    def _normalize(self) -> IdentityIn:
        if self.channel == "email":
            self.value = normalize_email(self.value)
        elif self.channel == "phone":
            self.value = normalize_phone(self.value)
        return self


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel: str
    value: str
    verified: bool


class CustomerCreate(StrictModel):
    name: str = Field(default="", max_length=200)
    emails: list[Email] = Field(default_factory=list, max_length=20)
    phones: list[Phone] = Field(default_factory=list, max_length=20)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)
    language: Language | None = None
    time_zone: TimeZone | None = None
    tags: Tags = Field(default_factory=list)
    custom_attributes: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("custom_attributes")
    @classmethod
    def _attrs(cls, v: dict[str, Any]) -> dict[str, Any]:
        return check_attributes(v)

    def all_identities(self) -> list[tuple[str, str]]:
        out = [("email", e) for e in self.emails] + [("phone", p) for p in self.phones]
        out += [(i.channel, i.value) for i in self.identities]
        return list(dict.fromkeys(out))


class CustomerUpdate(StrictModel):
    """PATCH: fields left out stay as they are; a list given replaces the list."""

    name: str | None = Field(default=None, max_length=200)
    emails: list[Email] | None = Field(default=None, max_length=20)
    phones: list[Phone] | None = Field(default=None, max_length=20)
    language: Language | None = None
    time_zone: TimeZone | None = None
    tags: Tags | None = None
    custom_attributes: dict[str, Scalar] | None = None

    @field_validator("custom_attributes")
    @classmethod
    def _attrs(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if v is None else check_attributes(v)


class CustomerMergeIn(StrictModel):
    source_id: DbId = Field(
        description="The customer merged into this one; it keeps existing, pointing here."
    )


class CustomerOut(BaseModel):
    id: int
    name: str
    emails: list[str]
    phones: list[str]
    identities: list[IdentityOut]
    language: str | None
    time_zone: str | None
    tags: list[str]
    custom_attributes: dict[str, Any]
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RequesterIn(StrictModel):
    """A customer named by id, or found (or created) by e-mail / phone."""

    id: DbId | None = None
    email: Email | None = Field(default=None, max_length=320)
    phone: Phone | None = None
    name: str | None = Field(default=None, max_length=200)
    language: Language | None = None

    @model_validator(mode="after")
    def _one_key(self) -> RequesterIn:
        if self.id is None and self.email is None and self.phone is None:
            raise Invalid(N_("Give the requester's id, email or phone."))
        return self
