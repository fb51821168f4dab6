"""Validation errors as sentences in the request's language, for the API's problem documents and
the console's forms alike."""

from __future__ import annotations

from typing import Any

from wowdesk.core.i18n import N_, Invalid, _

# Pydantic's own messages, by error type, in our three languages ({…} are the error's context).
PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not allowed."),
    "string_type": N_("Must be text."),
    "int_type": N_("Must be a whole number."),
    "int_parsing": N_("Must be a whole number."),
    "int_from_float": N_("Must be a whole number."),
    "float_type": N_("Must be a number."),
    "float_parsing": N_("Must be a number."),
    "finite_number": N_("Must be a number."),
    "bool_type": N_("Must be true or false."),
    "bool_parsing": N_("Must be true or false."),
    "list_type": N_("Must be a list."),
    "dict_type": N_("Must be an object."),
    "model_type": N_("Must be an object."),
    "model_attributes_type": N_("Must be an object."),
    "literal_error": N_("Must be one of: {expected}."),
    "enum": N_("Must be one of: {expected}."),
    "string_too_short": N_("Must be at least {min_length} characters long."),
    "string_too_long": N_("Must be at most {max_length} characters long."),
    "too_short": N_("Must have at least {min_length} items."),
    "too_long": N_("Must have at most {max_length} items."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "greater_than": N_("Must be greater than {gt}."),
    "less_than_equal": N_("Must be at most {le}."),
    "less_than": N_("Must be less than {lt}."),
    "string_pattern_mismatch": N_("Does not have the expected format."),
    "date_type": N_("Must be a date like 2026-11-23."),
    "date_parsing": N_("Must be a date like 2026-11-23."),
    "date_from_datetime_parsing": N_("Must be a date like 2026-11-23."),
    "datetime_type": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
    "datetime_parsing": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
    "datetime_from_date_parsing": N_("Must be a date and time like 2026-11-23T09:30:00Z."),
}


def validation_message(error: Any) -> str:
    """One validation error in the request's language: our own messages (``Invalid``) and the
    common Pydantic ones are translated; anything else keeps Pydantic's English text."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, Invalid):
        return cause.localized()
    template = PYDANTIC_MESSAGES.get(str(error.get("type")))
    if template is not None:
        try:
            return _(template, **{k: v for k, v in ctx.items() if k != "error"})
        except (KeyError, IndexError, ValueError):
            pass
    msg = str(error.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")
