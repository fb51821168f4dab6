"""From what the admin typed to the rule JSON the API takes, and the rule's validation messages
named after the row or section of the form they concern."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.validation import validation_message
from wowdesk.web.forms import FormLike, checked, many, text
from wowdesk.web.routes.admin.automation_form.fields import (
    ATTRIBUTE,
    CLEAR,
    CUSTOM,
    CUSTOM_ROWS,
    INTEGER,
    LANGUAGES,
    LIST_OPS,
    NO_VALUE,
    ORDER_OPS,
    ROW_KEYS,
    SET_FIELDS,
    SET_LABELS,
    Choices,
    Values,
)

# -- from the submitted form --------------------------------------------------------------------------


def from_form(form: FormLike, kind: str) -> Values:
    """What the admin typed (nothing dropped, to be shown again with the reason it was refused)."""
    v = Values(kind=kind, name=text(form, "name"), position=text(form, "position"))
    v.active = checked(form, "active")
    v.events = many(form, "events") if kind == "trigger" else []  # the rule's validation checks them
    for group, rows in (("all", v.all), ("any", v.any)):
        for i, row in enumerate(rows):
            for key in ROW_KEYS:
                row[key] = text(form, f"{group}-{i}-{key}")
    for name in SET_FIELDS:
        v.sets[name] = text(form, f"set-{name}")
    v.custom = [
        {"key": text(form, f"cf-{i}-key"), "value": text(form, f"cf-{i}-value")} for i in range(CUSTOM_ROWS)
    ]
    v.add_tags, v.remove_tags = text(form, "add_tags"), text(form, "remove_tags")
    v.reply = text(form, "reply")
    v.reply_text = {code: text(form, f"reply-{code}") for code in LANGUAGES}
    v.notify, v.notify_agent = text(form, "notify"), text(form, "notify-agent")
    v.notify_text = {code: text(form, f"notify-{code}") for code in LANGUAGES}
    v.webhook, v.macro = text(form, "webhook"), text(form, "macro")
    return v


# -- into the rule the API takes ----------------------------------------------------------------------


def _items(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]


def _number(raw: str) -> Any:
    """A number as typed, or the text (for the rule's validation to refuse with its message)."""
    if INTEGER.fullmatch(raw):
        return int(raw)
    try:
        number = float(raw)
    except ValueError:
        return raw
    return number if math.isfinite(number) else raw


def _truth(raw: str) -> Any:
    return {"true": True, "false": False}.get(raw.lower(), raw)


def _whole(raw: str) -> Any:
    return int(raw) if raw.isdigit() and len(raw) < 19 else raw


def _one(kind: str, name: str, raw: str, choices: Choices) -> Any:
    if kind == "id":
        return _whole(raw)
    if kind == "bool":
        return _truth(raw)
    if kind == "value":
        typed = choices.custom_types.get(name.removeprefix(CUSTOM)) if name.startswith(CUSTOM) else None
        if typed == "number":
            return _number(raw)
        if typed in ("text", "date", "dropdown"):
            return raw
        return _truth(raw)  # a checkbox, or a customer attribute: true/false, else text
    return raw


def _custom_value(row: dict[str, str], choices: Choices) -> Any:
    """A value a rule sets a custom field to: by the field's type; empty clears the field."""
    raw, typed = row["value"], choices.custom_types.get(row["key"])
    if not raw:
        return None
    if typed == "number":
        return _number(raw)
    return _truth(raw) if typed == "checkbox" else raw


def _condition(row: dict[str, str], choices: Choices) -> dict[str, Any]:
    name = row["field"]
    if name == ATTRIBUTE:
        name = f"{ATTRIBUTE}.{row['key']}"
    out: dict[str, Any] = {"field": name, "op": row["op"]}
    kind, op, raw = choices.kind_of(name) or "text", row["op"], row["value"]
    if op in NO_VALUE and not raw:
        pass
    elif op in LIST_OPS or kind == "tags":
        out["value"] = [_one(kind, name, item, choices) for item in _items(raw)]
    elif kind == "hours" or op in ORDER_OPS:
        out["value"] = _number(raw)
    else:
        out["value"] = _one(kind, name, raw, choices)
    if row["calendar"]:
        out["calendar_id"] = _whole(row["calendar"])
    return out


@dataclass
class Built:
    """The rule as the API takes it, and where each of its parts came from in the form (to name the
    row or section a validation message concerns)."""

    body: dict[str, Any]
    places: dict[tuple[Any, ...], str]


def build(v: Values, choices: Choices) -> Built:
    """The rule the form describes; empty rows and "don't change" are left out."""
    places: dict[tuple[Any, ...], str] = {
        ("name",): _("Name"),
        ("position",): _("Position"),
        ("events",): _("Runs when"),
    }
    body: dict[str, Any] = {
        "name": v.name,
        "position": _number(v.position) if v.position else 0,
        "active": v.active,
        "conditions": _conditions(v, choices, places),
        "actions": _Actions(places).of(v, choices),
    }
    if v.kind == "trigger":
        body["events"] = list(v.events)
    return Built(body=body, places=places)


def _conditions(
    v: Values, choices: Choices, places: dict[tuple[Any, ...], str]
) -> dict[str, list[dict[str, Any]]]:
    conditions: dict[str, list[dict[str, Any]]] = {"all": [], "any": []}
    for group, rows, words in (
        ("all", v.all, N_("All of these, row {row}")),
        ("any", v.any, N_("Any of these, row {row}")),
    ):
        for i, row in enumerate(rows):
            if not row["field"]:
                continue
            where = _(words, row=i + 1)
            if not row["op"]:
                raise InvalidInput(N_("{where}: choose how to compare."), where=where)
            if row["field"] == ATTRIBUTE and not row["key"]:
                raise InvalidInput(N_("{where}: name the customer attribute."), where=where)
            if row["field"] != ATTRIBUTE and row["key"]:
                raise InvalidInput(
                    N_("{where}: only a customer attribute has a name; clear it."), where=where
                )
            places[("conditions", group, len(conditions[group]))] = where
            conditions[group].append(_condition(row, choices))
    return conditions


class _Actions:
    """The actions of the form's sections, in the order the engine does them: the ticket's
    changes (one update), then the reply, the notice, the webhook, the macro."""

    def __init__(self, places: dict[tuple[Any, ...], str]) -> None:
        self.places = places
        self.out: list[dict[str, Any]] = []

    def add(self, action: dict[str, Any], where: str) -> None:
        self.places[("actions", len(self.out))] = where
        self.out.append(action)

    def of(self, v: Values, choices: Choices) -> list[dict[str, Any]]:
        for name in SET_FIELDS:
            raw = v.sets.get(name, "")
            if raw:
                clears = raw == CLEAR and name in ("assignee_id", "team_id")
                value = None if clears else _whole(raw) if name.endswith("_id") else raw
                self.add({"type": "set", "field": name, "value": value}, _(SET_LABELS[name]))
        for i, row in enumerate(v.custom):
            if row["key"]:
                action = {"type": "set", "field": f"custom_fields.{row['key']}"}
                self.add(
                    {**action, "value": _custom_value(row, choices)}, _("Custom field value {row}", row=i + 1)
                )
        for kind, raw, where in (
            ("add_tags", v.add_tags, N_("Add tags")),
            ("remove_tags", v.remove_tags, N_("Remove tags")),
        ):
            if _items(raw):
                self.add({"type": kind, "tags": _items(raw)}, _(where))
        self._messages(v)
        if v.webhook:
            self.add({"type": "webhook", "url": v.webhook}, _("Webhook"))
        if v.macro:
            self.add({"type": "apply_macro", "macro_id": _whole(v.macro)}, _("Apply a macro"))
        return self.out

    def _messages(self, v: Values) -> None:
        texts = {code: t for code, t in v.reply_text.items() if t}
        if v.reply:
            if not texts:
                raise InvalidInput(N_("Write the text of the reply or note, at least in English."))
            self.add({"type": "reply", "public": v.reply != "note", "body": texts}, _("Reply or note"))
        elif texts:
            raise InvalidInput(
                N_("Choose whether the text is a public reply or an internal note, or clear it.")
            )
        message = {code: t for code, t in v.notify_text.items() if t}
        if v.notify:
            if not message:
                raise InvalidInput(N_("Write the notification's message, at least in English."))
            notify: dict[str, Any] = {"type": "notify", "to": v.notify, "message": message}
            if v.notify == "agent":
                notify["agent_id"] = _whole(v.notify_agent) if v.notify_agent else None
            self.add(notify, _("Notify"))
        elif message:
            raise InvalidInput(N_("Choose whom to notify, or clear the message."))


def refused(exc: ValidationError, places: Mapping[tuple[Any, ...], str]) -> InvalidInput:
    """The rule's validation messages, each after the row or section of the form it concerns."""
    lines: list[str] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        where = next((places[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in places), None)
        message = validation_message(error)
        line = f"{where}: {message}" if where else message
        if line not in lines:
            lines.append(line)
    return InvalidInput(" ".join(lines[:5]) or _("Some fields are missing or not valid."))


def expanded(exc: InvalidInput) -> InvalidInput:
    """A refusal with a list of problems (custom field values) as one readable message."""
    problems = exc.extra.get("errors")
    if not isinstance(problems, list) or not problems:
        return exc
    parts = [exc.localized(None)] + [
        f"{p.get('field')}: {p.get('message')}" for p in problems if isinstance(p, dict)
    ]
    return InvalidInput(" ".join(parts))
