"""Base of every input schema: unknown fields are errors, and text that no database can store
(NUL characters, lone surrogates) is rejected up front instead of failing at the INSERT."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wowdesk.core.i18n import N_, Invalid

MAX_DB_ID = 2**63 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def check_storable(value: Any, depth: int = 0) -> None:
    if depth > 32:
        raise Invalid(N_("The data is nested too deeply."))
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid(N_("Text may not contain NUL characters."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(N_("Text contains invalid Unicode (a lone surrogate).")) from None
    elif isinstance(value, dict):
        for k, v in value.items():
            check_storable(k, depth + 1)
            check_storable(v, depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            check_storable(v, depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_DB_ID:
        raise Invalid(N_("The number is out of range."))


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        check_storable(data)
        return data
