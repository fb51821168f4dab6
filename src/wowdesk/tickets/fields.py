"""Validation of custom field values against their definitions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, Invalid, _
from wowdesk.tickets.models import FieldRow

MAX_TEXT = 10_000


def _check(defn: FieldRow, value: Any) -> Any:
    if value is None:
        return None
    t = defn.type
    if t == "text":
        if not isinstance(value, str):
            raise Invalid(N_("Expected text."))
        if len(value) > MAX_TEXT:
            raise Invalid(N_("At most {max} characters."), max=MAX_TEXT)
        return value
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Invalid(N_("Expected a number."))
        return value
    if t == "checkbox":
        if not isinstance(value, bool):
            raise Invalid(N_("Expected true or false."))
        return value
    if t == "date":
        if not isinstance(value, str):
            raise Invalid(N_("Expected a date like 2026-11-23."))
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise Invalid(N_("Expected a date like 2026-11-23.")) from None
    if t == "dropdown":
        if not isinstance(value, str) or value not in (defn.options or []):
            raise Invalid(N_("Expected one of: {options}."), options=", ".join(defn.options or []))
        return value
    raise Invalid(N_("Unknown field type {type}."), type=t)


def validate_custom_fields(
    definitions: list[FieldRow], values: dict[str, Any], current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Merge `values` into `current` after checking each against its definition. Unknown or
    inactive keys, and values of the wrong type, are a 422 that lists every problem."""
    by_key = {d.key: d for d in definitions if d.active}
    result = dict(current or {})
    problems: list[dict[str, str]] = []
    for key, value in values.items():
        defn = by_key.get(key)
        if defn is None:
            problems.append({"field": f"custom_fields.{key}", "message": _("No such custom field.")})
            continue
        try:
            checked = _check(defn, value)
        except ValueError as exc:
            problems.append(
                {
                    "field": f"custom_fields.{key}",
                    "message": exc.localized() if isinstance(exc, Invalid) else str(exc),
                }
            )
            continue
        if checked is None:
            result.pop(key, None)
        else:
            result[key] = checked
    if problems:
        raise InvalidInput(N_("Some custom fields are not valid."), extra={"errors": problems})
    return result


def missing_required(definitions: list[FieldRow], values: dict[str, Any]) -> list[str]:
    return [
        d.key for d in definitions if d.active and d.required_to_solve and values.get(d.key) in (None, "")
    ]
