"""The automation rule form's fields: how many condition rows, the words for events, condition
fields and operators, what the selects offer in a workspace (:class:`Choices`) and the form's
values as text (:class:`Values`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wowdesk.core.i18n import N_

ALL_ROWS = 6  # rows of "all of these" conditions
ANY_ROWS = 4  # rows of "any of these"
CUSTOM_ROWS = 3  # custom field values an action sets
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
ATTRIBUTE = "customer.attributes"  # the row type "customer attribute": its key is typed beside it
CUSTOM = "ticket.custom_fields."
CLEAR = "none"  # the assignee / team select's "nobody" (don't change is "")
SEQUENTIAL = ("reply", "notify", "webhook", "apply_macro")  # run one after the other, in this order

EVENTS = {
    "ticket.created": N_("Ticket created"),
    "ticket.updated": N_("Ticket updated"),
    "ticket.comment_added": N_("Reply or note added"),
    "ticket.sla_near_breach": N_("SLA near breach"),
    "ticket.sla_breached": N_("SLA breached"),
    "ticket.satisfaction_rated": N_("Satisfaction rated"),
    "schedule": N_("time-based check"),  # what a time-based rule's firing was "on"
}
FIELDS = {
    "ticket.status": N_("Ticket: status"),
    "ticket.priority": N_("Ticket: priority"),
    "ticket.type": N_("Ticket: type"),
    "ticket.channel": N_("Ticket: channel"),
    "ticket.subject": N_("Ticket: subject"),
    "ticket.assignee_id": N_("Ticket: assignee (agent id)"),
    "ticket.team_id": N_("Ticket: team (team id)"),
    "ticket.tags": N_("Ticket: tags"),
    "customer.language": N_("Customer: language"),
    "customer.name": N_("Customer: name"),
    "customer.tags": N_("Customer: tags"),
    ATTRIBUTE: N_("Customer: attribute (name it)"),
    "comment.body": N_("Reply or note: text"),
    "comment.public": N_("Reply or note: public"),
    "comment.author": N_("Reply or note: written by"),
    "sla.metric": N_("SLA: timer"),
    "csat.rating": N_("Satisfaction: rating"),
    "time.business_hours": N_("Now: within business hours"),
    "hours_since.created": N_("Hours since the ticket was created"),
    "hours_since.updated": N_("Hours since the ticket last changed"),
    "hours_since.status_changed": N_("Hours since its status changed"),
}
OPS = {
    "is": N_("is"),
    "is_not": N_("is not"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
    "contains": N_("contains any of"),
    "not_contains": N_("contains none of"),
    "contains_all": N_("contains all of"),
    "present": N_("is set"),
    "absent": N_("is not set"),
    "gt": N_("more than"),
    "gte": N_("at least"),
    "lt": N_("less than"),
    "lte": N_("at most"),
    "changed": N_("changed"),
    "changed_to": N_("changed to"),
    "changed_from": N_("changed from"),
    "not_changed": N_("did not change"),
}
KIND_HINTS = {
    "enum": N_("one of: {values}"),
    "text": N_("text (words, comma-separated, for contains)"),
    "id": N_("a whole number (an id)"),
    "tags": N_("tags, comma-separated"),
    "value": N_("a value (true or false for a checkbox, a number for more/less than)"),
    "bool": N_("true or false"),
    "hours": N_("a number of hours (business hours when a calendar is chosen)"),
}
NO_VALUE = frozenset({"present", "absent", "changed", "not_changed"})
LIST_OPS = frozenset({"in", "not_in", "contains", "not_contains", "contains_all"})
ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
TIMED = ("hours_since.",)
EVENT_ONLY = ("comment.", "sla.", "csat.")
INTEGER = re.compile(r"-?\d{1,15}")
SET_FIELDS = ("status", "priority", "type", "assignee_id", "team_id")
ROW_KEYS = ("field", "key", "op", "value", "calendar")
SET_LABELS = {
    "status": N_("Set the status"),
    "priority": N_("Set the priority"),
    "type": N_("Set the type"),
    "assignee_id": N_("Assign to"),
    "team_id": N_("Give to the team"),
}


@dataclass
class Choices:
    """What the form's selects offer in this workspace (ids and keys), and the custom fields' types."""

    fields: dict[str, dict[str, Any]]  # the condition vocabulary: name → {kind, ops, values}
    custom_types: dict[str, str]  # key → type, every custom field (conditions)
    active_custom: set[str]  # keys a rule may set
    agents: set[int]
    teams: set[int]
    calendars: set[int]
    macros: set[int]
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    def condition_fields(self, kind: str) -> list[str]:
        """The field select's options for a rule of this kind (time-based rules test no event)."""
        names = [n for n in FIELDS if n == ATTRIBUTE or n in self.fields]
        if kind == "trigger":
            names = [n for n in names if not n.startswith(TIMED)]
        else:
            names = [n for n in names if not n.startswith(EVENT_ONLY)]
        return names + [CUSTOM + key for key in self.custom_types]

    def kind_of(self, name: str) -> str | None:
        if name.startswith(CUSTOM) or name.startswith(ATTRIBUTE + "."):
            return "value"
        found = self.fields.get(name)
        return str(found["kind"]) if found else None


@dataclass
class Values:
    """The form's fields as text, as typed or as a rule holds them."""

    kind: str = "trigger"
    name: str = ""
    position: str = "0"
    active: bool = True
    events: list[str] = field(default_factory=list)
    all: list[dict[str, str]] = field(default_factory=lambda: empty_rows(ALL_ROWS))
    any: list[dict[str, str]] = field(default_factory=lambda: empty_rows(ANY_ROWS))
    sets: dict[str, str] = field(default_factory=lambda: dict.fromkeys(SET_FIELDS, ""))
    custom: list[dict[str, str]] = field(default_factory=lambda: empty_custom_rows(CUSTOM_ROWS))
    add_tags: str = ""
    remove_tags: str = ""
    reply: str = ""  # "" | "public" | "note"
    reply_text: dict[str, str] = field(default_factory=dict)
    notify: str = ""  # "" | "assignee" | "team" | "agent"
    notify_agent: str = ""
    notify_text: dict[str, str] = field(default_factory=dict)
    webhook: str = ""
    macro: str = ""


def empty_rows(n: int) -> list[dict[str, str]]:
    return [dict.fromkeys(ROW_KEYS, "") for _i in range(n)]


def empty_custom_rows(n: int) -> list[dict[str, str]]:
    return [{"key": "", "value": ""} for _i in range(n)]
