"""From a saved rule to the form's values — only when the form, saved unchanged, gives the rule back
doing what it does now; otherwise the page shows the rule read-only."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from wowdesk.core.errors import InvalidInput
from wowdesk.tickets.automations.schemas import AutomationCreate
from wowdesk.web.routes.admin.automation_form.fields import (
    ATTRIBUTE,
    CLEAR,
    CUSTOM_ROWS,
    ROW_KEYS,
    SEQUENTIAL,
    Choices,
    Values,
)
from wowdesk.web.routes.admin.automation_form.typed import build

# -- from a saved rule ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A condition or custom field value as the form's text box shows it (None: it cannot)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def _row_of(c: Mapping[str, Any], choices: Choices, kind: str) -> dict[str, str] | None:
    name = str(c.get("field", ""))
    row = dict.fromkeys(ROW_KEYS, "")
    if name.startswith(ATTRIBUTE + "."):
        row["field"], row["key"] = ATTRIBUTE, name[len(ATTRIBUTE) + 1 :]
    elif name in choices.condition_fields(kind):
        row["field"] = name
    else:
        return None
    row["op"] = str(c.get("op", ""))
    value = c.get("value")
    shown = (
        ", ".join(t for t in (_text(v) for v in value) if t is not None)
        if isinstance(value, list)
        else _text(value)
    )
    if shown is None:
        return None
    row["value"] = shown
    calendar = c.get("calendar_id")
    if calendar is not None:
        if calendar not in choices.calendars:
            return None
        row["calendar"] = str(calendar)
    return row


def from_rule(rule: Any, choices: Choices) -> Values | None:
    """The form's fields for a saved rule, or None when the form cannot show all of it."""
    v = Values(kind=rule.kind, name=rule.name, position=str(rule.position), active=bool(rule.active))
    v.events = list(rule.events or [])
    conditions = rule.conditions or {}
    for group, rows in (("all", v.all), ("any", v.any)):
        stored = list(conditions.get(group) or [])
        if len(stored) > len(rows):
            return None
        for i, c in enumerate(stored):
            row = _row_of(c, choices, rule.kind)
            if row is None:
                return None
            rows[i] = row
    if not _actions_into(v, list(rule.actions or []), choices):
        return None
    return v


def _actions_into(v: Values, actions: list[dict[str, Any]], choices: Choices) -> bool:
    seen: set[str] = set()
    custom = 0
    for a in actions:
        kind, name = str(a.get("type")), str(a.get("field", ""))
        slot = f"set:{name}" if kind == "set" else kind  # the form has one place for each
        if slot in seen:
            return False
        seen.add(slot)
        if kind == "set" and name.startswith("custom_fields."):
            key, shown = name.removeprefix("custom_fields."), _text(a.get("value"))
            if custom >= CUSTOM_ROWS or key not in choices.active_custom or shown is None:
                return False
            v.custom[custom] = {"key": key, "value": shown}
            custom += 1
        elif kind == "set":
            if not _set_into(v, name, a.get("value"), choices):
                return False
        elif kind in ("add_tags", "remove_tags"):
            tags = ", ".join(str(t) for t in a.get("tags") or [])
            if kind == "add_tags":
                v.add_tags = tags
            else:
                v.remove_tags = tags
        elif kind == "reply":
            v.reply, v.reply_text = ("public" if a.get("public", True) else "note"), dict(a.get("body") or {})
        elif kind == "notify":
            agent = a.get("agent_id")
            if agent is not None and agent not in choices.agents:
                return False
            v.notify, v.notify_text = str(a.get("to")), dict(a.get("message") or {})
            v.notify_agent = "" if agent is None else str(agent)
        elif kind == "webhook":
            v.webhook = str(a.get("url", ""))
        elif kind == "apply_macro":
            if a.get("macro_id") not in choices.macros:
                return False
            v.macro = str(a.get("macro_id"))
        else:
            return False
    return True


def _set_into(v: Values, name: str, value: Any, choices: Choices) -> bool:
    offered: dict[str, Iterable[Any]] = {
        "status": choices.statuses,
        "priority": choices.priorities,
        "type": choices.types,
        "assignee_id": choices.agents,
        "team_id": choices.teams,
    }
    if name not in offered:
        return False
    if value is None and name in ("assignee_id", "team_id"):
        v.sets[name] = CLEAR
        return True
    if value not in set(offered[name]):
        return False
    v.sets[name] = str(value)
    return True


def _canonical(body: Mapping[str, Any]) -> Any:
    """What a rule does, in a form where equal means "does the same": setting fields and tags is one
    change of the ticket (their order does not matter), replies, notices, webhooks and macros
    happen one after the other."""
    actions = list(body.get("actions") or [])
    changes = sorted(json.dumps(a, sort_keys=True) for a in actions if a.get("type") not in SEQUENTIAL)
    others = [json.dumps(a, sort_keys=True) for a in actions if a.get("type") in SEQUENTIAL]
    return (
        sorted(body.get("events") or []),
        json.dumps(body.get("conditions"), sort_keys=True),
        changes,
        others,
    )


def _validated(body: dict[str, Any], kind: str) -> dict[str, Any] | None:
    try:
        data = AutomationCreate.model_validate({**body, "kind": kind})
    except ValidationError:
        return None
    return {
        "events": list(data.events),
        "conditions": data.conditions.model_dump(mode="json", exclude_none=True),
        "actions": [a.model_dump(mode="json") for a in data.actions],
    }


def round_trips(rule: Any, values: Values, choices: Choices) -> bool:
    """Whether saving the form unchanged gives the rule back, doing what it does now."""
    try:
        mine = _validated(build(values, choices).body, rule.kind)
    except InvalidInput:
        return False
    stored = _validated(
        {
            "name": rule.name or "-",
            "events": list(rule.events or []),
            "conditions": rule.conditions or {},
            "actions": rule.actions or [],
        },
        rule.kind,
    )
    return mine is not None and stored is not None and _canonical(mine) == _canonical(stored)


def as_json(rule: Any) -> str:
    """A rule the form cannot show, as the API holds it."""
    body = {"events": rule.events, "conditions": rule.conditions, "actions": rule.actions}
    return json.dumps(body, ensure_ascii=False, indent=2)
