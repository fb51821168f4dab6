"""Every query of claims, scoped to one workspace (ORM: cold paths)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from wowdesk.core.repository import WorkspaceRepository
from wowdesk.policies.claims.models import Claim


@dataclass(frozen=True)
class ClaimFilter:
    status: str | None = None
    seller_id: int | None = None
    order_id: int | None = None
    customer_id: int | None = None


class ClaimsRepository(WorkspaceRepository):
    async def claim(self, claim_id: int, *, for_update: bool = False) -> Claim | None:
        q = self.scoped(Claim).where(Claim.id == claim_id)
        if for_update:
            q = q.with_for_update()
        return (await self.session.scalars(q.execution_options(populate_existing=True))).first()

    async def of_entry(self, entry_id: int) -> Claim | None:
        q = self.scoped(Claim).where(Claim.ledger_entry_id == entry_id)
        return (await self.session.scalars(q)).first()

    async def page(self, f: ClaimFilter, *, before_id: int | None, limit: int) -> list[Claim]:
        q = self.scoped(Claim)
        if f.status is not None:
            q = q.where(Claim.status == f.status)
        if f.seller_id is not None:
            q = q.where(Claim.seller_id == f.seller_id)
        if f.order_id is not None:
            q = q.where(Claim.order_id == f.order_id)
        if f.customer_id is not None:
            q = q.where(Claim.customer_id == f.customer_id)
        if before_id is not None:
            q = q.where(Claim.id < before_id)
        return list((await self.session.scalars(q.order_by(Claim.id.desc()).limit(limit))).all())

    async def orders_claimed_since(self, since: dt.datetime) -> list[int]:
        q = select(Claim.order_id).where(Claim.workspace_id == self.workspace_id, Claim.created_at >= since)
        return [int(x) for x in (await self.session.scalars(q.distinct())).all()]
