"""The generic REST connector: the import API's batches as changes (a batch item is the document
with its ``external_id``)."""

from __future__ import annotations

from wowdesk.commerce.connectors.base import Change, OrderChange, ShipmentChange
from wowdesk.commerce.schemas import OrderBatchIn, ShipmentBatchIn


class RestConnector:
    name = "rest"

    def changes(self, payload: OrderBatchIn | ShipmentBatchIn) -> list[Change]:
        if isinstance(payload, OrderBatchIn):
            return [OrderChange(o.external_id, o) for o in payload.orders]
        return [ShipmentChange(s.external_id, s) for s in payload.shipments]
