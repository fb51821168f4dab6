"""Contact reasons in and out of the API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel
from wowdesk.core.validation import Language

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def check_code(value: str) -> str:
    if not CODE_RE.fullmatch(value):
        raise Invalid(
            N_("A reason code is 2–64 lower-case letters, digits and underscores, starting with a letter.")
        )
    return value


ReasonCode = Annotated[str, AfterValidator(check_code)]


def _check_names(v: dict[str, str] | None) -> dict[str, str] | None:
    if v is None:
        return None
    out = {k: n.strip() for k, n in v.items() if n and n.strip()}
    if any(len(n) > 120 for n in out.values()):
        raise Invalid(N_("A name is at most {max} characters."), max=120)
    if "en" not in out:
        raise Invalid(N_("A reason needs at least its English name."))
    return out


class ReasonCreate(StrictModel):
    code: ReasonCode
    parent_code: ReasonCode | None = None
    names: dict[Language, str]
    active: bool = True
    position: int = Field(default=0, ge=0, le=10_000)

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str] | None:
        return _check_names(v)


class ReasonUpdate(StrictModel):
    """PATCH: only what is given changes. A code never changes (tickets and policies name it);
    retire a reason by making it inactive."""

    parent_code: ReasonCode | None = None
    names: dict[Language, str] | None = None
    active: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)

    @field_validator("names")
    @classmethod
    def _names(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        return _check_names(v)

    @model_validator(mode="after")
    def _not_null(self) -> ReasonUpdate:
        for f in ("names", "active", "position"):
            if f in self.model_fields_set and getattr(self, f) is None:
                raise Invalid(N_("{field} cannot be null."), field=f)
        return self


class ReasonOut(BaseModel):
    code: str
    parent_code: str | None
    name: str  # in the reader's language
    names: dict[str, str]
    active: bool
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
