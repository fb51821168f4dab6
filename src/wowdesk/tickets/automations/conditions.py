"""Conditions of automation rules: what they may test, validated when a rule is saved and compiled
once into plain Python predicates, so evaluating a rule is a few attribute reads per condition.

A condition is ``{"field": "ticket.priority", "op": "is", "value": "urgent"}``. Fields:

* ``ticket.status|priority|type|channel`` (one of their values), ``ticket.subject`` (text),
  ``ticket.assignee_id|team_id`` (an id, or absent), ``ticket.tags`` (a set),
  ``ticket.custom_fields.<key>`` (the field's value);
* ``customer.language``, ``customer.name``, ``customer.tags``, ``customer.attributes.<key>`` (the
  requester);
* ``comment.body|public|author`` (the reply or note that caused the event, if any),
  ``sla.metric`` (an SLA event's timer), ``csat.rating`` (a satisfaction rating);
* ``time.business_hours`` (``true``: now is inside the hours of ``calendar_id``);
* ``hours_since.created|updated|status_changed`` (a number of hours; business hours of
  ``calendar_id`` when one is given) — for time-based rules.

``changed``, ``changed_to``, ``changed_from`` and ``not_changed`` look at what the event changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, model_validator

from wowdesk.core.i18n import LANGUAGES, N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.tickets.states import PRIORITIES, STATUSES, TYPES

CHANNELS = ("api", "web", "email", "chat", "phone", "sms", "line", "wechat", "weibo")
SLA_METRICS = ("first_reply", "next_reply", "resolution")
AUTHORS = ("agent", "customer", "system")
RATINGS = ("good", "bad")
HOURS = ("created", "updated", "status_changed")
MAX_VALUES = 100
MAX_TEXT = 1000

Kind = Literal["enum", "text", "id", "tags", "value", "bool", "hours"]

# field → (kind, allowed values for enums)
_FIELDS: dict[str, tuple[Kind, tuple[str, ...]]] = {
    "ticket.status": ("enum", STATUSES),
    "ticket.priority": ("enum", PRIORITIES),
    "ticket.type": ("enum", TYPES),
    "ticket.channel": ("enum", CHANNELS),
    "ticket.subject": ("text", ()),
    "ticket.assignee_id": ("id", ()),
    "ticket.team_id": ("id", ()),
    "ticket.tags": ("tags", ()),
    "customer.language": ("enum", LANGUAGES),
    "customer.name": ("text", ()),
    "customer.tags": ("tags", ()),
    "comment.body": ("text", ()),
    "comment.public": ("bool", ()),
    "comment.author": ("enum", AUTHORS),
    "sla.metric": ("enum", SLA_METRICS),
    "csat.rating": ("enum", RATINGS),
    "time.business_hours": ("bool", ()),
    **{f"hours_since.{h}": ("hours", ()) for h in HOURS},
}
_PREFIXED: dict[str, Kind] = {"ticket.custom_fields.": "value", "customer.attributes.": "value"}

_CHANGE_OPS = frozenset({"changed", "changed_to", "changed_from", "not_changed"})
_OPS: dict[Kind, frozenset[str]] = {
    "enum": frozenset({"is", "is_not", "in", "not_in", "present", "absent"}) | _CHANGE_OPS,
    "text": frozenset({"is", "is_not", "contains", "not_contains", "present", "absent", "changed"}),
    "id": frozenset({"is", "is_not", "in", "not_in", "present", "absent"}) | _CHANGE_OPS,
    "tags": frozenset({"contains", "not_contains", "contains_all"}),
    "value": frozenset({"is", "is_not", "present", "absent", "gt", "gte", "lt", "lte"}) | _CHANGE_OPS,
    "bool": frozenset({"is"}),
    "hours": frozenset({"gt", "gte", "lt", "lte"}),
}
_NO_VALUE = frozenset({"present", "absent", "changed", "not_changed"})
_LIST_OPS = frozenset({"in", "not_in", "contains", "not_contains", "contains_all"})
_ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})


def field_kind(name: str) -> Kind | None:
    found = _FIELDS.get(name)
    if found is not None:
        return found[0]
    for prefix, kind in _PREFIXED.items():
        key = name.removeprefix(prefix)
        if key != name and key and len(key) <= 64:
            return kind
    return None


class Condition(StrictModel):
    field: str = Field(min_length=1, max_length=100)
    op: str = Field(min_length=1, max_length=20)
    value: Any = None
    calendar_id: DbId | None = None

    @model_validator(mode="after")
    def _valid(self) -> Condition:
        kind = field_kind(self.field)
        if kind is None:
            raise Invalid(
                N_("A rule cannot test {field}; see the list of fields in the documentation."),
                field=self.field,
            )
        if self.op not in _OPS[kind]:
            raise Invalid(
                N_("{field} cannot be tested with {op}; use one of: {ops}."),
                field=self.field,
                op=self.op,
                ops=", ".join(sorted(_OPS[kind])),
            )
        self.value = _checked_value(self.field, kind, self.op, self.value)
        if kind in ("hours", "bool") and self.field != "comment.public":
            if self.field == "time.business_hours" and self.calendar_id is None:
                raise Invalid(N_("time.business_hours needs the calendar_id of a calendar."))
        elif self.calendar_id is not None:
            raise Invalid(N_("Only time conditions take a calendar_id."))
        return self

    @property
    def kind(self) -> Kind:
        kind = field_kind(self.field)
        assert kind is not None  # validated
        return kind


def _checked_value(name: str, kind: Kind, op: str, value: Any) -> Any:
    if op in _NO_VALUE:
        if value is not None:
            raise Invalid(N_("{op} takes no value."), op=op)
        return None
    if op in _LIST_OPS or (kind == "tags"):
        items = value if isinstance(value, list) else None
        if not items or len(items) > MAX_VALUES:
            raise Invalid(N_("{op} needs a list of 1 to {limit} values."), op=op, limit=MAX_VALUES)
        if kind == "text":  # contains / not_contains on text: any of these words
            return [_one(name, "text", v) for v in items]
        return [_one(name, kind, v) for v in items]
    if kind == "hours" or op in _ORDER_OPS:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100_000:
            raise Invalid(N_("{field} is compared with a number from 0 to 100000."), field=name)
        return value
    return _one(name, kind, value)


def _one(name: str, kind: Kind, value: Any) -> Any:
    if kind == "enum":
        allowed = _FIELDS[name][1]
        if value not in allowed:
            raise Invalid(
                N_("{value} is not a value of {field} (one of: {allowed})."),
                value=str(value),
                field=name,
                allowed=", ".join(allowed),
            )
        return value
    if kind == "id":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise Invalid(N_("{field} is compared with an id (a whole number)."), field=name)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise Invalid(N_("{field} is true or false."), field=name)
        return value
    if kind in ("text", "tags"):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise Invalid(
                N_("{field} is compared with text (1 to {limit} characters)."), field=name, limit=MAX_TEXT
            )
        return value.strip().casefold()
    if value is not None and not isinstance(value, str | int | float | bool):
        raise Invalid(N_("{field} is compared with a single value."), field=name)
    return value.strip().casefold() if isinstance(value, str) else value


# -- evaluation -------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """What the rules see of one ticket at one moment."""

    values: dict[str, Any]  # "ticket.status" → "open", "ticket.tags" → frozenset, …
    changes: Mapping[str, list[Any]] = field(default_factory=dict)  # ticket field → [old, new]
    now: dt.datetime | None = None
    # calendar id → is it open now / business hours between two moments (time conditions)
    is_open: Callable[[int], bool] | None = None
    hours_since: Callable[[str, int | None], float | None] | None = None

    def get(self, name: str) -> Any:
        found = self.values.get(name)
        if found is None and "." in name:
            for prefix in _PREFIXED:
                if name.startswith(prefix):
                    holder = self.values.get(prefix[:-1]) or {}
                    return holder.get(name[len(prefix) :])
        return found

    def change(self, name: str) -> list[Any] | None:
        if name.startswith("ticket.custom_fields."):
            pair = self.changes.get("custom_fields")
            if not pair:
                return None
            key = name[len("ticket.custom_fields.") :]
            old, new = (pair[0] or {}).get(key), (pair[1] or {}).get(key)
            return None if old == new else [old, new]
        return self.changes.get(name.removeprefix("ticket."))


Predicate = Callable[[Facts], bool]


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _same(value: Any) -> Any:
    return value


def _tags(value: Any) -> frozenset[str]:
    return frozenset(str(v).casefold() for v in value or ())


def _compare(op: str, got: Any, want: float) -> bool:
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    number = float(got)
    if op == "gt":
        return number > want
    if op == "gte":
        return number >= want
    if op == "lt":
        return number < want
    return number <= want


def compile_condition(c: Condition) -> Predicate:
    name, op, want, kind = c.field, c.op, c.value, c.kind
    norm = _fold if kind in ("text", "value") else _same  # text is compared without case
    if kind == "hours":
        cal = c.calendar_id

        def hours(f: Facts) -> bool:
            got = f.hours_since(name.removeprefix("hours_since."), cal) if f.hours_since else None
            return got is not None and _compare(op, got, want)

        return hours
    if name == "time.business_hours":
        cal_id = c.calendar_id
        assert cal_id is not None
        return lambda f: f.is_open is not None and f.is_open(cal_id) is want
    if op in _CHANGE_OPS:
        if op == "changed":
            return lambda f: f.change(name) is not None
        if op == "not_changed":
            return lambda f: f.change(name) is None
        at = 1 if op == "changed_to" else 0
        return lambda f: (pair := f.change(name)) is not None and norm(pair[at]) == want
    if op == "present":
        return lambda f: f.get(name) not in (None, "", [], frozenset())
    if op == "absent":
        return lambda f: f.get(name) in (None, "", [], frozenset())
    if kind == "tags":
        wanted = frozenset(want)
        if op == "contains":
            return lambda f: not wanted.isdisjoint(_tags(f.get(name)))
        if op == "not_contains":
            return lambda f: wanted.isdisjoint(_tags(f.get(name)))
        return lambda f: wanted <= _tags(f.get(name))
    if kind == "text" and op in ("contains", "not_contains"):
        words = tuple(want)
        hit: Predicate = lambda f: any(w in str(f.get(name) or "").casefold() for w in words)  # noqa: E731
        return hit if op == "contains" else (lambda f: not hit(f))
    if op in ("in", "not_in"):
        options = frozenset(want)
        inside: Predicate = lambda f: f.get(name) in options  # noqa: E731
        return inside if op == "in" else (lambda f: not inside(f))
    if op in _ORDER_OPS:
        return lambda f: _compare(op, f.get(name), want)
    if op == "is":
        return lambda f: norm(f.get(name)) == want
    return lambda f: norm(f.get(name)) != want  # is_not


def compile_all(conditions: Iterable[Condition], any_of: Iterable[Condition]) -> Predicate:
    """True when every ``all`` condition holds and, if there are ``any`` conditions, one of them."""
    every = tuple(compile_condition(c) for c in conditions)
    some = tuple(compile_condition(c) for c in any_of)

    def matches(f: Facts) -> bool:
        for p in every:
            if not p(f):
                return False
        if not some:
            return True
        return any(p(f) for p in some)

    return matches


def catalogue() -> dict[str, dict[str, Any]]:
    """Each field a condition may test: its kind, operators and (for enumerations) values."""
    out: dict[str, dict[str, Any]] = {}
    for name, (kind, values) in _FIELDS.items():
        out[name] = {"kind": kind, "ops": sorted(_OPS[kind]), **({"values": list(values)} if values else {})}
    for prefix, kind in _PREFIXED.items():
        out[prefix + "<key>"] = {"kind": kind, "ops": sorted(_OPS[kind])}
    return out
