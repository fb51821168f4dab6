"""Claims in and out of the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from wowdesk.core.schemas import StrictModel

ClaimStatus = Literal["open", "accepted", "disputed", "paid", "withdrawn"]
MAX_NOTE = 2000


class ClaimOut(BaseModel):
    id: int
    seller_id: int
    order_id: int
    customer_id: int
    shipment_id: int | None
    ticket_id: int | None
    ledger_entry_id: int
    amount_minor: int
    currency: str
    reason: str
    evidence: str
    evidence_links: list[str]
    status: ClaimStatus
    status_note: str | None
    status_changed_at: dt.datetime
    status_changed_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ClaimTransitionIn(StrictModel):
    """Move a claim on: the seller accepted or disputed it, it was paid, or it is withdrawn."""

    to: ClaimStatus
    note: str | None = Field(default=None, max_length=MAX_NOTE)


class ClaimPage(BaseModel):
    items: list[ClaimOut]
    next_cursor: str | None


class OpenClaimIn(BaseModel):
    """What opens a claim (from the ledger's ``compensation.granted`` of a refund)."""

    seller_id: int
    order_id: int
    customer_id: int
    shipment_id: int | None
    ticket_id: int | None
    ledger_entry_id: int
    amount_minor: int
    currency: str
    reason: str
