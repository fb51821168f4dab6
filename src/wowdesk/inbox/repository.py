"""The inbox's own tables (saved views, canned responses). The entries of the inbox are read
through the tickets' and conversations' queries, never from their tables here."""

from __future__ import annotations

from sqlalchemy import or_

from wowdesk.core.repository import WorkspaceRepository
from wowdesk.inbox.models import CannedResponse, InboxView


class InboxRepository(WorkspaceRepository):
    # -- views -----------------------------------------------------------------------------------
    async def view(self, view_id: int) -> InboxView | None:
        return await self.by_id(InboxView, view_id)

    async def views_for(self, agent_id: int | None) -> list[InboxView]:
        """Shared views, then the agent's own, each in their order."""
        q = self.scoped(InboxView).where(or_(InboxView.owner_id.is_(None), InboxView.owner_id == agent_id))
        q = q.order_by(InboxView.owner_id.is_not(None), InboxView.position, InboxView.id).limit(200)
        return list((await self.session.execute(q)).scalars())

    async def delete(self, obj: InboxView | CannedResponse) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    # -- canned responses ---------------------------------------------------------------------------
    async def canned(self, canned_id: int) -> CannedResponse | None:
        return await self.by_id(CannedResponse, canned_id)

    async def canned_for(self, agent_id: int | None, *, limit: int = 500) -> list[CannedResponse]:
        q = self.scoped(CannedResponse).where(
            or_(CannedResponse.owner_id.is_(None), CannedResponse.owner_id == agent_id)
        )
        q = q.order_by(CannedResponse.shortcut, CannedResponse.id).limit(limit)
        return list((await self.session.execute(q)).scalars())

    async def canned_by_shortcut(self, shortcut: str, owner_id: int | None) -> CannedResponse | None:
        q = self.scoped(CannedResponse).where(CannedResponse.shortcut == shortcut)
        q = q.where(
            CannedResponse.owner_id.is_(None) if owner_id is None else CannedResponse.owner_id == owner_id
        )
        return (await self.session.execute(q.limit(1))).scalar_one_or_none()
