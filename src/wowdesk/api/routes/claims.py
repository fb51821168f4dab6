"""Claims against sellers: the platform refunded a seller-fulfilled order and claims it back
(supervisors and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wowdesk.accounts.permissions import CLAIMS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.policies.claims import actions, queries
from wowdesk.policies.claims.schemas import ClaimOut, ClaimPage, ClaimStatus, ClaimTransitionIn

router = APIRouter(prefix="/api/v1/claims", tags=["claims"], route_class=StandardJSONRoute)
ActorDep = Annotated[Actor, Depends(needs(CLAIMS_MANAGE))]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]


@router.get("", response_model=ClaimPage, summary="Claims against sellers, newest first")
async def list_claims(
    session: SessionDep,
    actor: ActorDep,
    status: ClaimStatus | None = None,
    seller_id: OptionalId = None,
    order_id: OptionalId = None,
    customer_id: OptionalId = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClaimPage:
    f = queries.ClaimFilter(status=status, seller_id=seller_id, order_id=order_id, customer_id=customer_id)
    return await queries.list_claims(session, actor, f, cursor=cursor, limit=limit)


@router.get("/{claim_id}", response_model=ClaimOut, summary="One claim, with its evidence")
async def get_claim(claim_id: IdPath, session: SessionDep, actor: ActorDep) -> ClaimOut:
    return queries.claim_out(await queries.get_claim(session, actor, claim_id))


@router.post(
    "/{claim_id}/transitions",
    response_model=ClaimOut,
    summary="Move a claim on: accepted, disputed, paid or withdrawn",
    description="open → accepted | disputed | withdrawn; disputed → accepted | withdrawn; "
    "accepted → paid | withdrawn. Any other move is a 409.",
)
async def transition_claim(
    claim_id: IdPath, data: ClaimTransitionIn, session: SessionDep, actor: ActorDep
) -> ClaimOut:
    claim = await queries.get_claim(session, actor, claim_id)
    return queries.claim_out(await actions.do_transition_claim(session, actor, claim, data))
