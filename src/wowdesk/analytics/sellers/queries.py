"""Reads of seller metrics: the thresholds, and the scorecards with their rates."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import REPORTS_READ
from wowdesk.analytics.sellers.actions import settings_of
from wowdesk.analytics.sellers.models import ScorecardRow
from wowdesk.analytics.sellers.repository import SellerMetricsRepository
from wowdesk.analytics.sellers.schemas import Crossed, MetricSettings, ScorecardOut, SellerRef
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import SellerOut
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_


def _rate(count: int, total: int) -> float | None:
    return round(count * 100 / total, 2) if total else None


def scorecard_out(card: ScorecardRow, seller: SellerOut) -> ScorecardOut:
    return ScorecardOut(
        seller=SellerRef(
            id=seller.id,
            external_id=seller.external_id,
            name=seller.name,
            kind=seller.kind,
            status=seller.status,
        ),
        computed_at=card.computed_at,
        since=card.since,
        orders=card.orders,
        order_defect_rate=_rate(card.defective_orders, card.orders),
        defective_orders=card.defective_orders,
        complaint_orders=card.complaint_orders,
        claim_orders=card.claim_orders,
        chargeback_orders=card.chargeback_orders,
        cancellation_rate=_rate(card.cancelled_out_of_stock, card.orders),
        cancelled_out_of_stock=card.cancelled_out_of_stock,
        late_shipment_rate=_rate(card.shipped_late, card.due_to_ship),
        shipped_late=card.shipped_late,
        due_to_ship=card.due_to_ship,
        median_first_response_minutes=(
            round(card.median_response_ms / 60_000, 1) if card.median_response_ms is not None else None
        ),
        responses=card.responses,
        judged=card.judged,
        crossed=[Crossed.model_validate(c) for c in card.crossed],
    )


async def get_settings(session: AsyncSession, actor: Actor) -> MetricSettings:
    actor.require(REPORTS_READ)
    return settings_of(await SellerMetricsRepository(session, actor.workspace_id).settings())


async def list_scorecards(session: AsyncSession, actor: Actor) -> list[ScorecardOut]:
    """Every seller's latest scorecard, worst order defect rate first."""
    actor.require(REPORTS_READ)
    cards = await SellerMetricsRepository(session, actor.workspace_id).scorecards()
    sellers = {s.id: s for s in await commerce.all_sellers(session, actor.workspace_id)}
    out = [scorecard_out(c, sellers[c.seller_id]) for c in cards if c.seller_id in sellers]
    return sorted(out, key=lambda c: (-(c.order_defect_rate or 0), c.seller.name))


async def get_scorecard(session: AsyncSession, actor: Actor, seller_id: int) -> ScorecardOut:
    actor.require(REPORTS_READ)
    seller = await commerce.get_seller(session, actor, seller_id)
    card = await SellerMetricsRepository(session, actor.workspace_id).scorecard(seller_id)
    if card is None:
        raise NotFound(N_("This seller has not been scored yet."))
    return scorecard_out(card, seller)
