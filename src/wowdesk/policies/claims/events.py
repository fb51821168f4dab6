"""Events of claims against sellers (seller metrics count them; the seller is notified)."""

from __future__ import annotations

from wowdesk.core.events import Event


class ClaimOpened(Event):
    name = "claim.opened"
    claim_id: int
    seller_id: int
    order_id: int
    ledger_entry_id: int
    amount_minor: int
    currency: str
    reason: str


class ClaimStatusChanged(Event):
    name = "claim.status_changed"
    claim_id: int
    seller_id: int
    order_id: int
    old_status: str
    new_status: str
    note: str | None
