"""Resolution policies and suggestions in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from wowdesk.core.money import PositiveMinorAmount
from wowdesk.core.schemas import DbId, StrictModel
from wowdesk.policies.resolutions.document import PolicyDocument

Mode = Literal["automatic", "suggest"]
MAX_POLICIES = 100
__all__ = ["PolicyDocument"]  # the document model, for the API


class PolicyIn(StrictModel):
    """A whole policy (create, or PUT: a new version of everything)."""

    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    mode: Mode = "suggest"
    document: PolicyDocument


class PolicyPatch(StrictModel):
    """PATCH: only what is given changes; still a new version."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    mode: Mode | None = None
    document: PolicyDocument | None = None


class PolicyOut(BaseModel):
    id: int
    name: str
    enabled: bool
    mode: Mode
    trigger_kind: str
    version: int
    document: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class PolicyVersionOut(BaseModel):
    version: int
    name: str
    enabled: bool
    mode: Mode
    document: dict[str, Any]
    saved_by: str
    created_at: dt.datetime


class ValidationOut(BaseModel):
    valid: bool
    document: dict[str, Any]  # as it would be saved (defaults filled in)


class ProposedGrantOut(BaseModel):
    kind: str
    amount_minor: int
    currency: str
    offer: bool


class SuggestionOut(BaseModel):
    id: int
    ticket_id: int
    policy_id: int
    policy_version: int
    kind: Literal["resolution", "offer"]
    status: Literal["open", "accepted", "dismissed"]
    customer_id: int
    order_id: int
    shipment_id: int | None
    grants: list[ProposedGrantOut]
    reason_code: str
    why: str
    no_return_required: bool
    claim_reason: str | None
    outcome: dict[str, Any] | None
    decided_by: str | None
    decided_at: dt.datetime | None
    created_at: dt.datetime


class AcceptIn(StrictModel):
    """Taking a suggestion up. An offer (the fastest shipping of a replacement order) is paid on
    the replacement order (`order_id`, required for an offer), for the amount it actually cost
    (`amount_minor`, at most what the policy offers; all of it when not given)."""

    order_id: DbId | None = None
    amount_minor: PositiveMinorAmount | None = None


class ContactReasonIn(StrictModel):
    """Evaluate the contact-reason policies for a ticket about an order."""

    order_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")


class ContactReasonOut(BaseModel):
    suggestion: SuggestionOut | None  # left on the ticket (a suggesting policy)
    granted: list[dict[str, Any]]  # granted at once (an automatic policy)
