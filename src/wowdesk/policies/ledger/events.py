"""Events of the ledger. Each names the entry and what it was for, so listeners (ticket timelines,
claims against sellers, notifications) need no query to know whether it concerns them."""

from __future__ import annotations

from wowdesk.core.events import Event


class CompensationEvent(Event):
    entry_id: int
    kind: str
    status: str
    customer_id: int
    order_id: int | None
    ticket_id: int | None
    shipment_id: int | None
    seller_id: int | None
    fulfilment: str | None
    amount_minor: int
    currency: str
    reason_code: str
    agent_id: int | None  # who asked (None: a policy)
    policy_id: int | None


class CompensationGranted(CompensationEvent):
    """It took effect: within the asker's limit, by a policy, or approved."""

    name = "compensation.granted"
    authorised_by: int | None


class CompensationApprovalRequested(CompensationEvent):
    name = "compensation.approval_requested"
    approval_id: int


class CompensationApproved(CompensationEvent):
    name = "compensation.approved"
    approval_id: int
    decided_by: int
    reason: str


class CompensationDeclined(CompensationEvent):
    name = "compensation.declined"
    approval_id: int
    decided_by: int
    reason: str


class CompensationDelivered(CompensationEvent):
    name = "compensation.delivered"
    external_reference: str | None


class CompensationDeliveryFailed(CompensationEvent):
    """The store did not take it, for good: the agent who granted it is to be told."""

    name = "compensation.delivery_failed"
    reason: str


class CreditSpent(Event):
    name = "credit.spent"
    spend_id: int
    customer_id: int
    amount_minor: int
    currency: str
    balance_minor: int  # what is left in that currency
    order_reference: str | None
