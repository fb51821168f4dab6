"""Reads of claims: one, or a page with filters (newest first, keyset cursor)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import CLAIMS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import decode_cursor, encode_cursor
from wowdesk.policies.claims.models import Claim
from wowdesk.policies.claims.repository import ClaimFilter, ClaimsRepository
from wowdesk.policies.claims.schemas import ClaimOut, ClaimPage

__all__ = ["ClaimFilter"]


def claim_out(c: Claim) -> ClaimOut:
    return ClaimOut.model_validate(c, from_attributes=True)


async def get_claim(session: AsyncSession, actor: Actor, claim_id: int) -> Claim:
    actor.require(CLAIMS_MANAGE)
    claim = await ClaimsRepository(session, actor.workspace_id).claim(claim_id)
    if claim is None:
        raise NotFound(N_("Claim not found."))
    return claim


async def list_claims(
    session: AsyncSession, actor: Actor, f: ClaimFilter, *, cursor: str | None = None, limit: int = 50
) -> ClaimPage:
    actor.require(CLAIMS_MANAGE)
    before = int(decode_cursor(cursor).get("before", 0)) or None if cursor else None
    rows = await ClaimsRepository(session, actor.workspace_id).page(f, before_id=before, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return ClaimPage(
        items=[claim_out(c) for c in rows],
        next_cursor=encode_cursor({"before": rows[-1].id}) if more and rows else None,
    )


async def claims_of_order(session: AsyncSession, workspace_id: int, order_id: int) -> list[Claim]:
    return await ClaimsRepository(session, workspace_id).page(
        ClaimFilter(order_id=order_id), before_id=None, limit=100
    )


async def orders_claimed_since(session: AsyncSession, workspace_id: int, since: dt.datetime) -> list[int]:
    """Ids of the orders with a claim opened since ``since`` (seller metrics' defects)."""
    return await ClaimsRepository(session, workspace_id).orders_claimed_since(since)
