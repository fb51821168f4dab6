"""The automation rule form of the console: its fields as plain values (what the admin typed, or what
a rule holds), the rule JSON the API takes built from them, and the words for events, condition
fields and operators.

The form has a fixed number of condition rows and one section per kind of action, so it cannot
show every rule the API accepts (two webhooks, more conditions than rows …). :func:`from_rule`
says so by returning None: a rule is shown in the form only when the form, saved unchanged, gives
the rule back as it is (:func:`round_trips`) — the console never silently drops what it cannot show.
"""

from __future__ import annotations

from wowdesk.web.routes.admin.automation_form.fields import (
    ALL_ROWS,
    ANY_ROWS,
    ATTRIBUTE,
    CLEAR,
    CUSTOM,
    EVENTS,
    FIELDS,
    KIND_HINTS,
    LANGUAGES,
    OPS,
    SET_LABELS,
    Choices,
    Values,
)
from wowdesk.web.routes.admin.automation_form.saved import as_json, from_rule, round_trips
from wowdesk.web.routes.admin.automation_form.timeline import event_label, timeline_line, timeline_lines
from wowdesk.web.routes.admin.automation_form.typed import Built, build, expanded, from_form, refused

__all__ = [
    "ALL_ROWS",
    "ANY_ROWS",
    "ATTRIBUTE",
    "CLEAR",
    "CUSTOM",
    "EVENTS",
    "FIELDS",
    "KIND_HINTS",
    "LANGUAGES",
    "OPS",
    "SET_LABELS",
    "Built",
    "Choices",
    "Values",
    "as_json",
    "build",
    "event_label",
    "expanded",
    "from_form",
    "from_rule",
    "refused",
    "round_trips",
    "timeline_line",
    "timeline_lines",
]
