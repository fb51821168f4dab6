"""What SLA policies take and give, and a ticket's timers as the API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.core.validation import Tags
from wowdesk.tickets.schemas import Channel, Priority

Metric = Literal["first_reply", "next_reply", "resolution"]
TimerState = Literal["waiting", "running", "paused", "breached", "fulfilled"]
MAX_TARGET_MINUTES = 366 * 24 * 60  # a year: anything longer is a typing mistake
MAX_NEAR_MINUTES = 7 * 24 * 60
MAX_POLICIES = 100

Minutes = Annotated[int, Field(ge=1, le=MAX_TARGET_MINUTES)]
Targets = dict[Priority, dict[Metric, Minutes]]


def _some_target(targets: Targets | None) -> Targets | None:
    if targets is not None:
        targets = {p: m for p, m in targets.items() if m}
        if not targets:
            raise Invalid(N_("Give at least one target (minutes for a priority and a metric)."))
    return targets


class PolicyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    position: int = Field(default=0, ge=0, le=10_000, description="Evaluation order: lowest first")
    active: bool = True
    channels: list[Channel] = Field(default_factory=list, max_length=9, description="Any of these")
    customer_tags: Tags = Field(default_factory=list, description="The requester has one of these")
    ticket_tags: Tags = Field(default_factory=list, description="The ticket has one of these")
    calendar_id: DbId | None = Field(default=None, description="Business hours; none: around the clock")
    targets: Targets = Field(
        description='Minutes of business time per priority and metric, e.g. {"urgent": '
        '{"first_reply": 30, "next_reply": 60, "resolution": 480}}'
    )
    near_breach_minutes: int = Field(
        default=30, ge=0, le=MAX_NEAR_MINUTES, description="Warn this long before due (0: no warning)"
    )

    _targets = field_validator("targets")(classmethod(lambda cls, v: _some_target(v)))

    @field_validator("channels")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class PolicyUpdate(StrictModel):
    """PATCH: only the fields given change; lists and ``targets`` replace the whole value."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    position: int | None = Field(default=None, ge=0, le=10_000)
    active: bool | None = None
    channels: list[Channel] | None = Field(default=None, max_length=9)
    customer_tags: Tags | None = None
    ticket_tags: Tags | None = None
    calendar_id: DbId | None = None
    targets: Targets | None = None
    near_breach_minutes: int | None = Field(default=None, ge=0, le=MAX_NEAR_MINUTES)

    _targets = field_validator("targets")(classmethod(lambda cls, v: _some_target(v)))

    @model_validator(mode="after")
    def _not_null(self) -> PolicyUpdate:
        for f in (
            "name",
            "description",
            "position",
            "active",
            "channels",
            "customer_tags",
            "ticket_tags",
            "targets",
            "near_breach_minutes",
        ):
            if f in self.model_fields_set and getattr(self, f) is None:
                raise Invalid(N_("{field} cannot be null."), field=f)
        return self


class PolicyOut(BaseModel):
    id: int
    name: str
    description: str
    position: int
    active: bool
    channels: list[str]
    customer_tags: list[str]
    ticket_tags: list[str]
    calendar_id: int | None
    targets: dict[str, dict[str, int]]
    near_breach_minutes: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TimerOut(BaseModel):
    metric: Metric
    state: TimerState
    target_minutes: float
    due_at: dt.datetime | None = Field(description="When the target is reached (None while paused)")
    near_breach: bool = Field(description="Within the warning window, or past it")
    breached: bool
    near_breach_at: dt.datetime | None
    breached_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    business_seconds_used: int
    business_seconds_remaining: int = Field(description="Negative once breached")
    policy_id: int


class TicketSlaOut(BaseModel):
    ticket_id: int
    policy: PolicySummary | None
    time_zone: str = Field(description="The time zone of the policy's calendar (UTC: around the clock)")
    timers: list[TimerOut]


class PolicySummary(BaseModel):
    id: int
    name: str
    calendar_id: int | None


TicketSlaOut.model_rebuild()
