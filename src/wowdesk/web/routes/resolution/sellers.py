"""The sellers page of the administration (``commerce.manage``): the platform's own shop and the
marketplace sellers, with their kind and standing, and their scorecards (``analytics.sellers``):
the rates over the rolling window against the thresholds, scoring now, reinstating a suspended
seller with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from wowdesk.accounts.permissions import COMMERCE_MANAGE
from wowdesk.analytics.sellers import actions as seller_actions
from wowdesk.analytics.sellers import queries as seller_queries
from wowdesk.analytics.sellers.schemas import ReinstateIn
from wowdesk.commerce import queries as commerce
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.web.console import Console, ConsoleRoute, done, needs
from wowdesk.web.forms import parse, text
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import admin_page, or_again
from wowdesk.web.routes.resolution import words

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanManage = Annotated[Console, Depends(needs(COMMERCE_MANAGE))]
PAGE = 50


# What a scorecard judged (``too_few_orders`` besides the standings) and which metric crossed.
JUDGED = {**words.SELLER_STATUS, "too_few_orders": N_("Too few orders to judge")}
METRICS = {
    "order_defect_rate": N_("order defect rate"),
    "cancellation_rate": N_("cancellations (out of stock)"),
    "late_shipment_rate": N_("late shipments"),
}


async def _page(
    request: Request, c: Console, session: SessionDep, *, error: str | None = None, status: int = 200
) -> Response:
    cursor = text(request.query_params, "cursor") or None
    result = await commerce.list_sellers(session, c.actor, cursor=cursor, limit=PAGE)
    cursor = text(request.query_params, "cursor") or None
    result = await commerce.list_sellers(session, c.actor, cursor=cursor, limit=PAGE)
    rows = [
        {
            "s": s,
            "kind": label(words.SELLER_KIND, s.kind),
            "status": label(words.SELLER_STATUS, s.status),
            "colour": words.SELLER_COLOUR.get(s.status, ""),
        }
        for s in result.items
    ]
    cards = [
        {
            "card": card,
            "judged": label(JUDGED, card.judged),
            "standing": label(words.SELLER_STATUS, card.seller.status),
            "colour": words.SELLER_COLOUR.get(card.judged, ""),
            "crossed": [
                _(
                    "{metric} {value}% (threshold {threshold}%)",
                    metric=label(METRICS, x.metric),
                    value=x.value_percent,
                    threshold=x.threshold_percent,
                )
                for x in card.crossed
            ],
        }
        for card in await seller_queries.list_scorecards(session, c.actor)
    ]
    return await admin_page(
        session,
        c,
        "commerce/sellers.html",
        "sellers",
        status=status,
        error=error,
        rows=rows,
        scorecards=cards,
        thresholds=await seller_queries.get_settings(session, c.actor),
        older=f"/admin/sellers?cursor={result.next_cursor}" if result.next_cursor else None,
        newest="/admin/sellers" if cursor else None,
    )


@router.get("/admin/sellers")
async def index(request: Request, c: CanManage, session: SessionDep) -> Response:
    return await _page(request, c, session)


@router.post("/admin/sellers/evaluate")
async def evaluate(request: Request, c: CanManage, session: SessionDep) -> Response:
    cards = await seller_actions.do_evaluate_sellers(session, c.actor.workspace_id)
    return done(request, "/admin/sellers", message=_("{count} sellers scored.", count=len(cards)))


@router.post("/admin/sellers/{seller_id}/reinstate")
async def reinstate(seller_id: IdPath, request: Request, c: CanManage, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        data = parse(ReinstateIn, {"reason": text(form, "reason")})
        await seller_actions.do_reinstate_seller(session, c.actor, seller_id, data.reason)
        return done(request, "/admin/sellers", message=_("The seller is active again."))

    async def again(error: str, status: int) -> Response:
        return await _page(request, c, session, error=error, status=status)

    return await or_again(request, act, again)
