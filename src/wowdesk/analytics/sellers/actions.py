"""Writes of seller metrics: the thresholds, an evaluation of every seller (their scorecards, and
their standing moved when a threshold is crossed), and an admin reinstating a suspended seller.

A suspension is never lifted by an evaluation: the seller's figures may recover only because they
stopped selling; an admin reinstates them with a reason. At risk comes and goes with the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMMERCE_MANAGE
from wowdesk.analytics.sellers.models import ScorecardRow, SettingsRow
from wowdesk.analytics.sellers.repository import SellerMetricsRepository
from wowdesk.analytics.sellers.schemas import DELIVERY_REASONS, MetricSettings, MetricSettingsIn, bp
from wowdesk.commerce import actions as commerce_actions
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.stats import queries as order_stats
from wowdesk.conversations import queries as conversations
from wowdesk.conversations.sellers import queries as seller_threads
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.policies.claims import queries as claims
from wowdesk.tickets import queries as tickets


def settings_of(row: SettingsRow | None) -> MetricSettings:
    if row is None:
        return MetricSettings()
    return MetricSettings(
        window_days=row.window_days,
        min_orders=row.min_orders,
        odr_at_risk_percent=row.odr_at_risk_bp / 100,
        odr_suspend_percent=row.odr_suspend_bp / 100,
        cancellation_at_risk_percent=row.cancel_at_risk_bp / 100,
        late_shipment_at_risk_percent=row.late_at_risk_bp / 100,
        complaint_reasons=list(row.complaint_reasons),
    )


async def do_update_settings(session: AsyncSession, actor: Actor, data: MetricSettingsIn) -> MetricSettings:
    actor.require(COMMERCE_MANAGE)
    repo = SellerMetricsRepository(session, actor.workspace_id)
    t = now(session)
    values: dict[str, Any] = {
        "window_days": data.window_days,
        "min_orders": data.min_orders,
        "odr_at_risk_bp": bp(data.odr_at_risk_percent),
        "odr_suspend_bp": bp(data.odr_suspend_percent),
        "cancel_at_risk_bp": bp(data.cancellation_at_risk_percent),
        "late_at_risk_bp": bp(data.late_shipment_at_risk_percent),
        "complaint_reasons": sorted(set(data.complaint_reasons)),
    }
    row = await repo.settings()
    if row is None:
        row = SettingsRow(id=0, workspace_id=actor.workspace_id, created_at=t, updated_at=t, **values)
        await repo.insert_settings(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = t
        await repo.update_settings(row, {*values, "updated_at"})
    return settings_of(row)


def _over(count: int, total: int, threshold_bp: int) -> bool:
    """count / total > threshold, exactly (no rounding of the rate)."""
    return total > 0 and count * 10_000 > threshold_bp * total


def _judge(card: ScorecardRow, s: MetricSettings) -> tuple[str, list[dict[str, Any]]]:
    if card.orders < s.min_orders:
        return "too_few_orders", []
    crossed: list[dict[str, Any]] = []

    def check(metric: str, count: int, total: int, percent: float, consequence: str) -> None:
        if _over(count, total, bp(percent)):
            crossed.append(
                {
                    "metric": metric,
                    "value_percent": round(count * 100 / total, 2),
                    "threshold_percent": percent,
                    "consequence": consequence,
                }
            )

    if _over(card.defective_orders, card.orders, bp(s.odr_suspend_percent)):
        check("order_defect_rate", card.defective_orders, card.orders, s.odr_suspend_percent, "suspended")
    else:
        check("order_defect_rate", card.defective_orders, card.orders, s.odr_at_risk_percent, "at_risk")
    check(
        "cancellation_rate",
        card.cancelled_out_of_stock,
        card.orders,
        s.cancellation_at_risk_percent,
        "at_risk",
    )
    check(
        "late_shipment_rate", card.shipped_late, card.due_to_ship, s.late_shipment_at_risk_percent, "at_risk"
    )
    if any(c["consequence"] == "suspended" for c in crossed):
        return "suspended", crossed
    return ("at_risk" if crossed else "active"), crossed


async def _defects(
    session: AsyncSession, workspace_id: int, s: MetricSettings, since: dt.datetime, until: dt.datetime
) -> tuple[dict[int, set[int]], dict[int, set[int]], dict[int, set[int]]]:
    """Per seller: the orders placed in the window with a complaint, with a claim, charged back."""
    complaint_reasons = set(s.complaint_reasons)
    contacts = [
        *await tickets.contacts_between(session, workspace_id, since, until),
        *await conversations.contacts_between(session, workspace_id, since, until),
    ]
    complained = {o for o, reason in contacts if o is not None and reason in complaint_reasons}
    claimed = set(await claims.orders_claimed_since(session, workspace_id, since))
    owners = await order_stats.order_sellers(
        session, workspace_id, [*complained, *claimed], since=since, until=until
    )
    complaints: dict[int, set[int]] = {}
    for order_id in complained:
        seller_fulfilment = owners.get(order_id)
        if seller_fulfilment is None:
            continue
        seller_id, fulfilment = seller_fulfilment
        reasons_here = {r for o, r in contacts if o == order_id and r in complaint_reasons}
        # A parcel the platform shipped and lost is the platform's defect, not the seller's.
        if fulfilment == "seller" or reasons_here - set(DELIVERY_REASONS):
            complaints.setdefault(seller_id, set()).add(order_id)
    with_claims: dict[int, set[int]] = {}
    for order_id in claimed:
        if order_id in owners:
            with_claims.setdefault(owners[order_id][0], set()).add(order_id)
    charged: dict[int, set[int]] = {}
    for order_id, seller_id in await order_stats.chargebacks(session, workspace_id, since, until):
        charged.setdefault(seller_id, set()).add(order_id)
    return complaints, with_claims, charged


async def do_evaluate_sellers(session: AsyncSession, workspace_id: int) -> list[ScorecardRow]:
    """Score every seller of the workspace over the window to now, keep each one's scorecard, and
    move the standing of those whose judgement changed (never lifting a suspension)."""
    repo = SellerMetricsRepository(session, workspace_id)
    s = settings_of(await repo.settings())
    until = now(session)
    since = until - dt.timedelta(days=s.window_days)
    records = await order_stats.seller_records(session, workspace_id, since, until, until)
    complaints, with_claims, charged = await _defects(session, workspace_id, s, since, until)
    system = Actor.system(workspace_id)
    cards = []
    for seller in await commerce.all_sellers(session, workspace_id):
        rec = records.get(seller.id)
        times = await seller_threads.seller_first_response_times(
            session, workspace_id, seller.id, since=since
        )
        median = seller_threads.median_seconds(times)
        defective = (
            complaints.get(seller.id, set())
            | with_claims.get(seller.id, set())
            | charged.get(seller.id, set())
        )
        card = ScorecardRow(
            id=0,
            workspace_id=workspace_id,
            seller_id=seller.id,
            computed_at=until,
            since=since,
            orders=rec.orders if rec else 0,
            defective_orders=len(defective),
            complaint_orders=len(complaints.get(seller.id, ())),
            claim_orders=len(with_claims.get(seller.id, ())),
            chargeback_orders=len(charged.get(seller.id, ())),
            cancelled_out_of_stock=rec.cancelled_out_of_stock if rec else 0,
            due_to_ship=rec.due_to_ship if rec else 0,
            shipped_late=rec.shipped_late if rec else 0,
            responses=len(times),
            median_response_ms=round(median * 1000) if median is not None else None,
            judged="active",
            crossed=[],
        )
        card.judged, card.crossed = _judge(card, s)
        await repo.replace_scorecard(card)
        cards.append(card)
        wanted = card.judged if card.judged != "too_few_orders" else seller.status
        if seller.status == "suspended" or wanted == seller.status:
            continue
        await commerce_actions.do_set_seller_status(
            session,
            system,
            seller.id,
            wanted,  # type: ignore[arg-type]
            reason=card.crossed[0]["metric"] if card.crossed else "recovered",
            metrics=_figures(card),
        )
    return cards


def _figures(card: ScorecardRow) -> dict[str, Any]:
    return {
        "orders": card.orders,
        "defective_orders": card.defective_orders,
        "cancelled_out_of_stock": card.cancelled_out_of_stock,
        "due_to_ship": card.due_to_ship,
        "shipped_late": card.shipped_late,
        "crossed": card.crossed,
        "since": card.since.isoformat(),
    }


async def do_reinstate_seller(session: AsyncSession, actor: Actor, seller_id: int, reason: str) -> bool:
    """An admin lifts a suspension (the seller's plan of action was accepted): back to active."""
    actor.require(COMMERCE_MANAGE)
    seller = await commerce.get_seller(session, actor, seller_id)
    if seller.status != "suspended":
        raise Conflict(N_("Only a suspended seller can be reinstated."))
    return await commerce_actions.do_set_seller_status(
        session, actor, seller_id, "active", reason="reinstated", metrics={"note": reason}
    )
