"""Turning submitted forms (and query strings) into the domain's input schemas, with every
problem as a sentence in the agent's language next to the field it concerns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, QueryParams, UploadFile

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.validation import validation_message

M = TypeVar("M", bound=BaseModel)

FormLike = FormData | QueryParams


class FormErrors(InvalidInput):
    """A form that did not validate: field → message (already in the agent's language), and the
    first of them as the error's message."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        first = next(iter(fields.items()), None)
        if first is None:
            message = _("Some fields are missing or not valid.")
        else:
            name, problem = first
            message = f"{name}: {problem}" if name else problem
        super().__init__(message)


def parse(model: type[M], data: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()))
            fields.setdefault(loc, validation_message(e))
        raise FormErrors(fields) from None


def text(form: FormLike, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def checked(form: FormLike, name: str) -> bool:
    """A checkbox: sent (with any value but "0"/"false") when ticked, absent when not."""
    return text(form, name).lower() not in ("", "0", "false", "off")


def many(form: FormLike, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def uploads(form: FormData, name: str, limit: int) -> list[UploadFile]:
    """The files a form's file field carries (an empty field sends none), at most ``limit``."""
    files = [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]
    if len(files) > limit:
        raise InvalidInput(N_("At most {max} files at once."), max=limit)
    return files


def whole(value: str) -> int | str:
    """A whole number as the database holds one (an id, a count), or the text as given, for the
    input schema to refuse with its own message."""
    return int(value) if value.isdigit() and len(value) < 19 else value


def number(form: FormLike, name: str, default: int | str | None = None) -> int | str | None:
    """A whole number field: the number, the default when empty, the text as given (to be refused)."""
    value = text(form, name)
    return whole(value) if value else default


def optional_id(form: FormLike, name: str) -> int | str | None:
    """An id field of a form: None when empty, the number, or the text as given (to be refused)."""
    return number(form, name)


def position(form: FormLike, name: str) -> int | None:
    """A place in a list from the address (``after``, ``before``): the number, or None when it is
    absent or not one (the list then starts at its beginning)."""
    value = whole(text(form, name))
    return value if isinstance(value, int) else None
