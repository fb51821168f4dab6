"""The queries of proactive contacts (ORM: one row per stalled parcel)."""

from __future__ import annotations

from wowdesk.core.repository import WorkspaceRepository
from wowdesk.tickets.proactive.models import ProactiveContact


class ProactiveRepository(WorkspaceRepository):
    async def of_shipment(self, shipment_id: int) -> ProactiveContact | None:
        q = self.scoped(ProactiveContact).where(ProactiveContact.shipment_id == shipment_id)
        return (await self.session.scalars(q)).first()

    async def of_ticket(self, ticket_id: int) -> list[ProactiveContact]:
        q = self.scoped(ProactiveContact).where(ProactiveContact.ticket_id == ticket_id)
        return list((await self.session.scalars(q)).all())
