"""Reads of the abuse score: a customer's figures gathered from the orders and the ledger, scored,
and explained in the reader's language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import CUSTOMERS_READ
from wowdesk.commerce.stats import queries as order_stats
from wowdesk.core.actor import Actor
from wowdesk.core.i18n import N_, _
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.policies.abuse.schemas import AbuseScoreOut, Factor
from wowdesk.policies.abuse.scoring import (
    NON_RECEIPT,
    RECENT_DAYS,
    REVIEW_AT,
    WINDOW_DAYS,
    Figures,
    Scored,
    score,
)
from wowdesk.policies.ledger import queries as ledger

_EXPLAINED = {
    "refund_rate": N_("{compensated} of {orders} orders in the last year were refunded or replaced."),
    "non_receipt": N_("{count} compensations were for parcels reported as never arriving."),
    "velocity": N_("{count} compensations in the last 30 days."),
}


async def figures(session: AsyncSession, workspace_id: int, customer_id: int) -> Figures:
    t = now(session)
    since = t - dt.timedelta(days=WINDOW_DAYS)
    recent = t - dt.timedelta(days=RECENT_DAYS)
    history = [
        e
        for e in await ledger.customer_history(session, workspace_id, customer_id, since)
        # What the platform paid on its own for a parcel it found lost: the customer asked for nothing.
        if not (e.actor == "system" and e.shipment_id is not None)
    ]
    return Figures(
        orders=await order_stats.customer_orders(session, workspace_id, customer_id, since),
        compensated_orders=len(
            {e.order_id for e in history if e.kind in ("refund", "replacement") and e.order_id is not None}
        ),
        compensations=len(history),
        non_receipt=sum(1 for e in history if e.reason_code in NON_RECEIPT),
        recent=sum(1 for e in history if e.created_at >= recent),
    )


async def scored(session: AsyncSession, workspace_id: int, customer_id: int) -> tuple[Figures, Scored]:
    f = await figures(session, workspace_id, customer_id)
    return f, score(f)


async def needs_review(session: AsyncSession, workspace_id: int, customer_id: int) -> bool:
    """Whether grants for this customer go to a supervisor whatever the asker's limit."""
    return (await scored(session, workspace_id, customer_id))[1].review


async def get_abuse_score(session: AsyncSession, actor: Actor, customer_id: int) -> AbuseScoreOut:
    actor.require(CUSTOMERS_READ)
    await customers.get_customer(session, actor, customer_id)  # 404 for another workspace's
    f, s = await scored(session, actor.workspace_id, customer_id)
    params = {
        "refund_rate": {"compensated": f.compensated_orders, "orders": max(f.orders, f.compensated_orders)},
        "non_receipt": {"count": f.non_receipt},
        "velocity": {"count": f.recent},
    }
    return AbuseScoreOut(
        customer_id=customer_id,
        score=s.score,
        review=s.review,
        threshold=REVIEW_AT,
        window_days=WINDOW_DAYS,
        orders=f.orders,
        compensated_orders=f.compensated_orders,
        compensations=f.compensations,
        factors=[Factor(code=c, points=p, explanation=_(_EXPLAINED[c], **params[c])) for c, p in s.factors],
    )
