"""Reports over the API that read across rooms: contacts per order (per reason, seller, product)
and seller metrics (scorecards, thresholds, reinstating a suspended seller)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter

from wowdesk.accounts.permissions import COMMERCE_MANAGE, REPORTS_READ
from wowdesk.analytics import queries
from wowdesk.analytics.schemas import ContactsBy, ContactsReport
from wowdesk.analytics.sellers import actions as seller_actions
from wowdesk.analytics.sellers import queries as seller_queries
from wowdesk.analytics.sellers.schemas import MetricSettings, MetricSettingsIn, ReinstateIn, ScorecardOut
from wowdesk.api.responses import JSON, model_response
from wowdesk.core.actor import Actor
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.policies.reasons.schemas import ReasonCode

router = APIRouter(prefix="/api/v1", tags=["reports"], route_class=StandardJSONRoute)
CanReport = Annotated[Actor, Depends(needs(REPORTS_READ))]
_CARDS = TypeAdapter(list[ScorecardOut])


@router.get(
    "/reports/contacts-per-order",
    response_model=ContactsReport,
    summary="Contacts per order, per contact reason, seller or product (needs reports.read)",
    description="Tickets made and chats begun in the last `days` days (a chat made a ticket counts "
    "once) against orders placed in the same days. Per seller and per product, only contacts about "
    "an order count, against that seller's or product's orders. Largest first, at most 50 rows.",
)
async def contacts_per_order(
    session: SessionDep,
    actor: CanReport,
    by: ContactsBy = "reason",
    days: int = Query(60, ge=1, le=366),
    reason: ReasonCode | None = Query(None, description="Only contacts with this reason"),
) -> Response:
    return model_response(await queries.contacts_per_order(session, actor, by=by, days=days, reason=reason))


# -- seller metrics ------------------------------------------------------------------------------------------


@router.get(
    "/seller-metrics",
    response_model=list[ScorecardOut],
    summary="Every seller's scorecard over the rolling window, worst order defect rate first",
    description="Rates are percentages. `judged` is what the figures say (`too_few_orders` below the "
    "workspace's minimum); `seller.status` is the standing now (a suspension lasts until reinstated).",
)
async def list_scorecards(session: SessionDep, actor: CanReport) -> Response:
    return Response(_CARDS.dump_json(await seller_queries.list_scorecards(session, actor)), media_type=JSON)


@router.get(
    "/seller-metrics/settings", response_model=MetricSettings, summary="The thresholds sellers are judged on"
)
async def get_metric_settings(session: SessionDep, actor: CanReport) -> Response:
    return model_response(await seller_queries.get_settings(session, actor))


@router.put(
    "/seller-metrics/settings",
    response_model=MetricSettings,
    summary="Change the thresholds (needs commerce.manage)",
    description="Percentages with at most two decimals; the defaults: order defect rate above 0.7% "
    "puts a seller at risk and above 1% suspends them, cancellations above 2.5% and late shipments "
    "above 4% put them at risk, over 60 days, judged from 50 orders.",
)
async def put_metric_settings(data: MetricSettingsIn, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(await seller_actions.do_update_settings(session, actor, data))


@router.post(
    "/seller-metrics/evaluate",
    response_model=list[ScorecardOut],
    summary="Score every seller now (needs commerce.manage); it also runs every hour",
)
async def evaluate_sellers(session: SessionDep, actor: ActorDep) -> Response:
    actor.require(COMMERCE_MANAGE)
    await seller_actions.do_evaluate_sellers(session, actor.workspace_id)
    return Response(_CARDS.dump_json(await seller_queries.list_scorecards(session, actor)), media_type=JSON)


@router.get("/seller-metrics/{seller_id}", response_model=ScorecardOut, summary="One seller's scorecard")
async def get_scorecard(seller_id: IdPath, session: SessionDep, actor: CanReport) -> Response:
    return model_response(await seller_queries.get_scorecard(session, actor, seller_id))


@router.post(
    "/seller-metrics/{seller_id}/reinstate",
    response_model=ScorecardOut,
    summary="Lift a seller's suspension with a reason (needs commerce.manage)",
)
async def reinstate_seller(
    seller_id: IdPath, data: ReinstateIn, session: SessionDep, actor: ActorDep
) -> Response:
    await seller_actions.do_reinstate_seller(session, actor, seller_id, data.reason)
    return model_response(await seller_queries.get_scorecard(session, actor, seller_id))
