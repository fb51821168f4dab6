"""What the API calls of the connectors: a REST batch, a signed webhook delivery. Both apply their
changes in the caller's unit of work (all or nothing); nothing here commits."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce.connectors.base import apply_changes
from wowdesk.commerce.connectors.rest import RestConnector
from wowdesk.commerce.connectors.webhooks import Received, receive
from wowdesk.commerce.schemas import OrderBatchIn, ShipmentBatchIn, UpsertResult
from wowdesk.core.actor import Actor

__all__ = ["Received", "do_import_batch", "do_receive_webhook"]


async def do_import_batch(
    session: AsyncSession, actor: Actor, batch: OrderBatchIn | ShipmentBatchIn
) -> list[UpsertResult]:
    return await apply_changes(session, actor, RestConnector().changes(batch))


async def do_receive_webhook(
    session: AsyncSession, slug: str, body: bytes, headers: Mapping[str, str]
) -> Received:
    """Verify a webhook delivery to workspace `slug` and apply it unless its id was applied before
    (``Unauthorized`` for a bad signature, ``InvalidInput`` or pydantic's ``ValidationError`` for a
    body that cannot be read, ``NotFound`` for a workspace without a store connection)."""
    return await receive(session, slug, body, headers)
