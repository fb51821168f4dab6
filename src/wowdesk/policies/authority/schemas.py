"""What the authority limits API takes and gives, and the default limits of a new workspace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from wowdesk.core.money import MinorAmount, minor_digits
from wowdesk.core.schemas import StrictModel

Kind = Literal["refund", "goodwill_credit", "shipping_reimbursement", "replacement"]
KINDS: tuple[Kind, ...] = ("refund", "goodwill_credit", "shipping_reimbursement", "replacement")
Role = Literal["agent", "supervisor", "admin"]
LIMIT_ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")

# The limits a workspace starts with, in whole units of a currency like USD or EUR:
# (per grant, per day); None is "no limit". They are stored, in minor units of the workspace's
# currency, the first time a workspace grants or changes a limit (docs/compensation.md).
DEFAULT_UNITS: dict[Role, dict[Kind, tuple[int | None, int | None]]] = {
    "agent": {
        "refund": (100, 300),
        "goodwill_credit": (20, 100),
        "shipping_reimbursement": (30, 150),
        "replacement": (100, 300),
    },
    "supervisor": {
        "refund": (1000, 5000),
        "goodwill_credit": (200, 1000),
        "shipping_reimbursement": (200, 1000),
        "replacement": (1000, 5000),
    },
    "admin": {kind: (None, None) for kind in KINDS},
}
# Round multipliers that make those defaults sensible amounts in other currencies (a refund of
# 100 USD is about 3,000 TWD). They are not exchange rates: nothing is ever converted; admins set
# the limits they want.
DEFAULT_SCALE = {
    "TWD": 30,
    "CNY": 7,
    "HKD": 8,
    "MOP": 8,
    "JPY": 150,
    "KRW": 1500,
    "THB": 35,
    "PHP": 50,
    "MYR": 5,
    "INR": 80,
    "IDR": 15000,
    "VND": 25000,
}


def default_limit(role: str, kind: str, currency: str) -> tuple[int | None, int | None]:
    """A role's default (per grant, per day) for `kind` in minor units of `currency`."""
    units = DEFAULT_UNITS.get(role, DEFAULT_UNITS["agent"])  # type: ignore[call-overload]
    per_grant, per_day = units[kind]
    factor = DEFAULT_SCALE.get(currency, 1) * 10 ** minor_digits(currency)
    return (
        None if per_grant is None else per_grant * factor,
        None if per_day is None else per_day * factor,
    )


class LimitIn(StrictModel):
    """Amounts in minor units of the workspace's currency; null (or absent) is "no limit"."""

    per_grant_minor: MinorAmount | None = None
    per_day_minor: MinorAmount | None = None


class RoleLimitsIn(StrictModel):
    """The limits to change: any roles, any kinds (what is not named stays as it is)."""

    roles: dict[Role, dict[Kind, LimitIn]]


class AgentLimitsIn(StrictModel):
    """One agent's overrides, replacing their previous ones: the kinds named here override the
    role's limits; the others follow the role."""

    overrides: dict[Kind, LimitIn]


class LimitOut(BaseModel):
    per_grant_minor: int | None
    per_day_minor: int | None
    currency: str


class RoleLimitsOut(BaseModel):
    currency: str
    stored: bool  # False: the defaults, not saved yet
    roles: dict[str, dict[str, LimitOut]]


class AgentLimitsOut(BaseModel):
    agent_id: int
    role: str
    currency: str
    overrides: dict[str, LimitOut]
    effective: dict[str, LimitOut]  # the override, or the role's limit


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit in force: amounts in minor units of `currency`; None is "no limit"."""

    kind: str
    per_grant_minor: int | None
    per_day_minor: int | None
    currency: str
    source: str  # role:<role> | agent:<id> | default:<role> | system

    def out(self) -> LimitOut:
        return LimitOut(
            per_grant_minor=self.per_grant_minor, per_day_minor=self.per_day_minor, currency=self.currency
        )

    def allows(self, amount_minor: int, currency: str, used_today_minor: int) -> bool:
        """Whether one more grant of `amount_minor` in `currency` is within this limit, after
        `used_today_minor` granted today. A finite limit does not cover another currency (no
        conversion exists): such a grant needs someone whose limit is unlimited."""
        if self.per_grant_minor is None and self.per_day_minor is None:
            return True
        if currency != self.currency:
            return False
        if self.per_grant_minor is not None and amount_minor > self.per_grant_minor:
            return False
        return self.per_day_minor is None or used_today_minor + amount_minor <= self.per_day_minor

    def remaining_today(self, used_today_minor: int) -> int | None:
        """The most one grant may still be today (None: no limit)."""
        caps = [c for c in (self.per_grant_minor,) if c is not None]
        if self.per_day_minor is not None:
            caps.append(max(0, self.per_day_minor - used_today_minor))
        return min(caps) if caps else None


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar day in the workspace's time zone, as a UTC range [start, end)."""

    date: dt.date
    time_zone: str
    start: dt.datetime
    end: dt.datetime
