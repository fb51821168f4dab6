"""What the ledger takes and gives: a grant and its outcome, entries with their audit trail,
approvals, credit balances and spends, and what an agent may still grant today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator

from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.money import CurrencyCode, PositiveMinorAmount
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.policies.authority.schemas import Kind

# The fixed vocabulary of why a compensation was granted (docs/compensation.md); `note` says more.
ReasonCode = Literal[
    "lost_parcel",
    "late_delivery",
    "damaged_item",
    "not_as_described",
    "wrong_item",
    "missing_item",
    "not_received",
    "order_cancelled",
    "return_received",
    "price_adjustment",
    "service_failure",
    "goodwill",
    "other",
]
REASON_CODES: tuple[str, ...] = ReasonCode.__args__  # type: ignore[attr-defined]
Status = Literal["awaiting_approval", "declined", "pending_delivery", "delivered", "failed", "recorded"]
ApprovalStatus = Literal["pending", "approved", "declined"]

MAX_NOTE = 2000
MAX_KEY = 200
NEEDS_ORDER = frozenset({"refund", "replacement"})


def check_key(value: str) -> str:
    key = value.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Invalid(N_("An idempotency key is 1-200 printable characters."))
    return key


IdempotencyKey = Annotated[str, Field(max_length=MAX_KEY * 2)]


class GrantRequest(StrictModel):
    """One compensation. The amount is in minor units of `currency`, which for anything tied to an
    order must be the order's. `idempotency_key` (or the Idempotency-Key header) makes a retried
    request return the first one's outcome instead of paying twice."""

    kind: Kind
    customer_id: DbId
    order_id: DbId | None = None
    ticket_id: DbId | None = None
    shipment_id: DbId | None = None
    amount_minor: PositiveMinorAmount
    currency: CurrencyCode
    reason_code: ReasonCode
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    idempotency_key: IdempotencyKey | None = None
    policy_id: DbId | None = None
    policy_version: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = None

    @field_validator("idempotency_key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        return None if v is None else check_key(v)

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        return v or None

    @model_validator(mode="after")
    def _consistent(self) -> GrantRequest:
        if self.kind in NEEDS_ORDER and self.order_id is None:
            raise Invalid(N_("A refund or a replacement is for an order: give its order_id."))
        if self.shipment_id is not None and self.order_id is None:
            raise Invalid(N_("A shipment is part of an order: give its order_id too."))
        if self.reason_code == "other" and not self.note:
            raise Invalid(N_('With the reason code "other", say why in the note.'))
        if self.policy_version is not None and self.policy_id is None:
            raise Invalid(N_("A policy version needs its policy_id."))
        return self


class LedgerEntryOut(BaseModel):
    id: int
    kind: str
    status: Status
    amount_minor: int
    currency: str
    customer_id: int
    order_id: int | None
    shipment_id: int | None
    ticket_id: int | None
    seller_id: int | None
    fulfilment: str | None
    agent_id: int | None
    actor: str
    policy_id: int | None
    policy_version: int | None
    reason_code: str
    note: str | None
    idempotency_key: str
    authorised_by: int | None
    authorised_at: dt.datetime | None
    external_reference: str | None
    failure_reason: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ApprovalOut(BaseModel):
    id: int
    entry_id: int
    status: ApprovalStatus
    requested_by: int | None
    request_reason: str | None
    decided_by: int | None
    decision_reason: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


class ApprovalWithEntryOut(ApprovalOut):
    entry: LedgerEntryOut


class GrantOutcome(BaseModel):
    entry: LedgerEntryOut
    approval: ApprovalOut | None  # when above the asker's limit
    replayed: bool  # the idempotency key was seen: this is the first request's outcome, as it is now


class AuditLineOut(BaseModel):
    id: int
    action: str  # granted | requested | approved | declined | delivered | delivery_failed
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    created_at: dt.datetime


class EntryDetailOut(BaseModel):
    entry: LedgerEntryOut
    approval: ApprovalOut | None
    audit: list[AuditLineOut]


class DecisionIn(StrictModel):
    reason: str = Field(min_length=1, max_length=MAX_NOTE)


class SpendIn(StrictModel):
    amount_minor: PositiveMinorAmount
    currency: CurrencyCode
    order_reference: str | None = Field(
        default=None, max_length=200, description="The store's order the credit pays for"
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    idempotency_key: IdempotencyKey | None = None

    @field_validator("idempotency_key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        return None if v is None else check_key(v)


class SpendOut(BaseModel):
    id: int
    customer_id: int
    amount_minor: int
    currency: str
    order_reference: str | None
    note: str | None
    actor: str
    balance_after_minor: int
    created_at: dt.datetime
    replayed: bool = False


class BalanceOut(BaseModel):
    currency: str
    balance_minor: int


class CreditsOut(BaseModel):
    customer_id: int
    balances: list[BalanceOut]  # one per currency the customer has credit in
    spends: list[SpendOut]  # the latest first


class KindAuthorityOut(BaseModel):
    per_grant_minor: int | None
    per_day_minor: int | None
    used_today_minor: int
    max_now_minor: int | None  # the most one grant may be now without approval (None: no limit)


class MyAuthorityOut(BaseModel):
    agent_id: int | None
    role: str | None
    currency: str
    day: dt.date
    time_zone: str
    kinds: dict[str, KindAuthorityOut]


@dataclass(frozen=True)
class LedgerFilter:
    customer_id: int | None = None
    order_id: int | None = None
    ticket_id: int | None = None
    agent_id: int | None = None
    kind: str | None = None
    status: str | None = None
    since: dt.datetime | None = None  # created at or after
    until: dt.datetime | None = None  # created before


@dataclass(frozen=True)
class TicketRef:
    """What the ledger needs to know of a ticket (given by the composition root: tickets are a
    room above this one)."""

    id: int
    assignee_id: int | None
    requester_id: int
