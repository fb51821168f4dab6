"""The demo shop's two resolution policies, from the issue's own words: a parcel without tracking
progress for five days, or two days past its promised date, is presumed lost — refund the order
with shipping, add a goodwill credit and offer the fastest shipping of a replacement (automatic:
the lost-parcel sweep compensates the demo's stuck parcels and tells their customers); an item not
as described on an order under NT$3,000 is refunded without a return (suggested to the agent)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.policies.resolutions import actions
from wowdesk.policies.resolutions.schemas import PolicyIn

POLICIES = [
    {
        "name": "包裹遺失：全額退款並補償 Lost parcel: full refund and goodwill",
        "mode": "automatic",
        "document": {
            "trigger": {
                "kind": "shipment_stalled",
                "days_without_progress": 5,
                "days_past_promised": 2,
                "fulfilment": ["platform", "seller"],
            },
            "then": [
                {"refund": {"scope": "order"}},
                {"goodwill_credit": {"amount": 10_000}},  # NT$100
                {"offer_shipping_reimbursement": {"up_to": 20_000}},  # up to NT$200
                {"no_return_required": True},
                {"open_claim": {"reason": "lost_in_transit"}},
            ],
            "currency": "TWD",
        },
    },
    {
        "name": "商品與描述不符：免退貨退款 Not as described: refund without a return",
        "mode": "suggest",
        "document": {
            "trigger": {
                "kind": "contact_reason",
                "reason": "item_not_as_described",
                "order_total_max": 300_000,
            },
            "then": [{"refund": {"scope": "items"}}, {"no_return_required": True}],
            "currency": "TWD",
        },
    },
]


async def seed_resolutions(session: AsyncSession, system: Actor) -> None:
    for policy in POLICIES:
        await actions.do_create_policy(session, system, PolicyIn.model_validate(policy))
