"""Evaluating a policy: a pure function of (document, facts, now) → a proposal, or None when the
policy does not apply. No I/O, no clock of its own: the caller passes the moment, so tests control
time and the same facts always give the same answer.

A proposal is the grants the policy would make, with their amounts computed from the order, plus
the flags (no return required, claim against the seller). Whether it is granted at once
(``automatic``) or offered to an agent (``suggest``) is the policy's mode, not the evaluation's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from wowdesk.policies.resolutions.document import ContactReason, PolicyDocument, ShipmentStalled

# Shipment statuses after which a parcel is no longer in transit.
TERMINAL = frozenset(
    {"delivered", "cancelled", "canceled", "returned", "returned_to_sender", "lost_confirmed"}
)

GrantKind = Literal["refund", "goodwill_credit", "shipping_reimbursement"]


@dataclass(frozen=True, slots=True)
class OrderFacts:
    id: int
    customer_id: int
    currency: str
    total_minor: int  # what the customer paid, shipping included
    items_total_minor: int
    shipping_minor: int
    fulfilment: str  # platform | seller
    seller_id: int | None = None
    seller_kind: str | None = None  # first_party | marketplace
    refunded_minor: int = 0  # already refunded before this (a refund never exceeds what is left)


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    id: int
    status: str
    shipped_at: dt.datetime | None
    last_event_at: dt.datetime | None
    promised_at: dt.datetime | None
    delivered_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    order: OrderFacts
    shipment: ShipmentFacts | None = None
    contact_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProposedGrant:
    kind: GrantKind
    amount_minor: int
    currency: str
    offer: bool = False  # an offer the customer takes up (granted later, not now)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "offer": self.offer,
        }


@dataclass(frozen=True, slots=True)
class Proposal:
    grants: list[ProposedGrant]
    reason_code: str
    why: str  # no_progress | past_promised | contact_reason
    no_return_required: bool = False
    claim_reason: str | None = None  # set: a claim against the seller follows the refund
    days: int = 0  # how many days without progress / past the promised date
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def now(self) -> list[ProposedGrant]:
        """The grants made at once (not the offers)."""
        return [g for g in self.grants if not g.offer]

    @property
    def offers(self) -> list[ProposedGrant]:
        return [g for g in self.grants if g.offer]

    def as_dict(self) -> dict[str, Any]:
        return {
            "grants": [g.as_dict() for g in self.grants],
            "reason_code": self.reason_code,
            "why": self.why,
            "no_return_required": self.no_return_required,
            "claim_reason": self.claim_reason,
            "days": self.days,
        }


def _order_fits(trigger: ShipmentStalled | ContactReason, order: OrderFacts) -> bool:
    if trigger.fulfilment is not None and order.fulfilment not in trigger.fulfilment:
        return False
    if trigger.order_total_max is not None and order.total_minor > trigger.order_total_max:
        return False
    return trigger.seller_kind is None or order.seller_kind in trigger.seller_kind


def stalled_for(
    trigger: ShipmentStalled, shipment: ShipmentFacts, now: dt.datetime
) -> tuple[str, int] | None:
    """Why (and for how many whole days) the parcel counts as stalled under this trigger, or None."""
    if shipment.delivered_at is not None or shipment.status in TERMINAL:
        return None
    if trigger.days_without_progress is not None:
        last = shipment.last_event_at or shipment.shipped_at
        if last is not None and now - last >= dt.timedelta(days=trigger.days_without_progress):
            return "no_progress", (now - last).days
    promised = shipment.promised_at
    if (
        trigger.days_past_promised is not None
        and promised is not None
        and now > promised
        and now - promised >= dt.timedelta(days=trigger.days_past_promised)
    ):
        return "past_promised", (now - promised).days
    return None


def _grants(doc: PolicyDocument, order: OrderFacts) -> list[ProposedGrant]:
    out: list[ProposedGrant] = []
    left = max(order.total_minor - order.refunded_minor, 0)
    for step in doc.then:
        if step.refund is not None:
            wanted = {
                "order": order.total_minor,
                "items": order.items_total_minor,
                "fixed": step.refund.amount or 0,
            }[step.refund.scope]
            amount = min(wanted, left)
            if amount > 0:
                out.append(ProposedGrant("refund", amount, order.currency))
        elif step.goodwill_credit is not None:
            out.append(ProposedGrant("goodwill_credit", step.goodwill_credit.amount, order.currency))
        elif step.offer_shipping_reimbursement is not None:
            out.append(
                ProposedGrant(
                    "shipping_reimbursement",
                    step.offer_shipping_reimbursement.up_to,
                    order.currency,
                    offer=True,
                )
            )
    return out


def evaluate(doc: PolicyDocument, facts: Facts, now: dt.datetime) -> Proposal | None:
    """What `doc` proposes for these facts at `now`, or None if it does not apply."""
    trigger = doc.trigger
    order = facts.order
    if doc.currency is not None and order.currency != doc.currency:
        return None  # its amounts are in another currency
    if not _order_fits(trigger, order):
        return None
    if isinstance(trigger, ShipmentStalled):
        if facts.shipment is None:
            return None
        stalled = stalled_for(trigger, facts.shipment, now)
        if stalled is None:
            return None
        why, days = stalled
    else:
        if facts.contact_reason != trigger.reason:
            return None
        why, days = "contact_reason", 0
    grants = _grants(doc, order)
    if not grants:
        return None  # nothing left to give (already refunded in full, and no credit)
    claim = doc.step("open_claim")
    refunds = any(g.kind == "refund" for g in grants)
    return Proposal(
        grants=grants,
        reason_code=doc.reason,
        why=why,
        days=days,
        no_return_required=bool((s := doc.step("no_return_required")) and s.no_return_required),
        claim_reason=claim.open_claim.reason
        if claim is not None and claim.open_claim is not None and refunds and order.fulfilment == "seller"
        else None,
    )
