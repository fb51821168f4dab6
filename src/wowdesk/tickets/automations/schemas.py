"""Automation rules in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel
from wowdesk.tickets.automations.conditions import Condition
from wowdesk.tickets.automations.effects import Effect

# The events a trigger may run on.
TRIGGER_EVENTS = (
    "ticket.created",
    "ticket.updated",
    "ticket.comment_added",
    "ticket.sla_near_breach",
    "ticket.sla_breached",
    "ticket.satisfaction_rated",
)
MAX_CONDITIONS = 30
MAX_ACTIONS = 20
Kind = Literal["trigger", "schedule"]
EventName = Literal[
    "ticket.created",
    "ticket.updated",
    "ticket.comment_added",
    "ticket.sla_near_breach",
    "ticket.sla_breached",
    "ticket.satisfaction_rated",
]


class Conditions(StrictModel):
    all: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    any: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)


def _check_rule(kind: str, events: list[str], conditions: Conditions) -> None:
    every = [*conditions.all, *conditions.any]
    timed = [c for c in every if c.field.startswith("hours_since.")]
    if kind == "trigger":
        if not events:
            raise Invalid(N_("A trigger runs on at least one event."))
        if timed:
            raise Invalid(N_("hours_since conditions belong to time-based rules, not triggers."))
    else:
        if events:
            raise Invalid(N_("A time-based rule runs on a schedule, not on events."))
        if not any(c.field.startswith("hours_since.") for c in conditions.all):
            raise Invalid(
                N_(
                    "A time-based rule needs an hours_since condition in all "
                    "(for example: pending for 72 hours)."
                )
            )
        if any(
            c.field.startswith(("comment.", "sla.", "csat."))
            or c.op in ("changed", "changed_to", "changed_from", "not_changed")
            for c in every
        ):
            raise Invalid(N_("A time-based rule tests the ticket as it is, not an event or a change."))


class AutomationCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "trigger"
    events: list[EventName] = Field(default_factory=list, max_length=len(TRIGGER_EVENTS))
    conditions: Conditions = Field(default_factory=Conditions)
    actions: list[Effect] = Field(min_length=1, max_length=MAX_ACTIONS)
    position: int = Field(default=0, ge=0, le=100_000)
    active: bool = True

    @model_validator(mode="after")
    def _rule(self) -> AutomationCreate:
        self.events = list(dict.fromkeys(self.events))
        _check_rule(self.kind, list(self.events), self.conditions)
        return self


class AutomationUpdate(StrictModel):
    """PATCH: only the fields given change (kind cannot)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    events: list[EventName] | None = Field(default=None, max_length=len(TRIGGER_EVENTS))
    conditions: Conditions | None = None
    actions: list[Effect] | None = Field(default=None, min_length=1, max_length=MAX_ACTIONS)
    position: int | None = Field(default=None, ge=0, le=100_000)
    active: bool | None = None


class AutomationOut(BaseModel):
    id: int
    name: str
    kind: Kind
    events: list[str]
    conditions: Conditions
    actions: list[Effect]
    position: int
    active: bool
    signing_secret: str
    created_at: dt.datetime
    updated_at: dt.datetime
