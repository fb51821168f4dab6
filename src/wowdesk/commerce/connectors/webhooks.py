"""Signed inbound webhooks from the store (``POST /api/v1/commerce/webhooks/{workspace slug}``),
per the Standard Webhooks specification (standardwebhooks.com), verified with its reference SDK
(``standardwebhooks``): headers ``webhook-id``, ``webhook-timestamp`` (within five minutes of this
server's time) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, keyed
with the connection's inbound secret).

A delivery whose ``webhook-id`` was applied before (a retry, a replay) is accepted and not applied
again: the id is kept with the changes it made, in the same transaction (``core.idempotency``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from wowdesk.accounts import queries as accounts
from wowdesk.commerce import queries
from wowdesk.commerce.connectors.base import (
    Change,
    OrderChange,
    SellerChange,
    ShipmentChange,
    TrackingChange,
    apply_changes,
)
from wowdesk.commerce.schemas import (
    OrderBatchItem,
    SellerBatchItem,
    ShipmentBatchItem,
    TrackingWebhookData,
    UpsertResult,
)
from wowdesk.core import idempotency
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound, Unauthorized
from wowdesk.core.i18n import N_
from wowdesk.core.schemas import StrictModel
from wowdesk.core.sql import driver
from wowdesk.core.uow import now

PRINCIPAL = "webhook"  # whose ids core.idempotency keeps (one namespace per workspace)
MAX_ID = 200


class _Envelope(StrictModel):
    timestamp: AwareDatetime | None = None


class SellerWebhook(_Envelope):
    type: Literal["seller.created", "seller.updated"]
    data: SellerBatchItem


class OrderWebhook(_Envelope):
    type: Literal["order.created", "order.updated"]
    data: OrderBatchItem


class ShipmentWebhook(_Envelope):
    type: Literal["shipment.created", "shipment.updated"]
    data: ShipmentBatchItem


class TrackingWebhook(_Envelope):
    type: Literal["shipment.tracking"]
    data: TrackingWebhookData


AnyWebhook = Annotated[
    SellerWebhook | OrderWebhook | ShipmentWebhook | TrackingWebhook, Field(discriminator="type")
]
PAYLOAD: TypeAdapter[Any] = TypeAdapter(AnyWebhook)


class WebhookConnector:
    """A verified delivery's JSON → its change (raises pydantic's ``ValidationError``)."""

    name = "webhook"

    def changes(self, payload: Any) -> list[Change]:
        message = PAYLOAD.validate_python(payload)
        if isinstance(message, SellerWebhook):
            return [SellerChange(message.data.external_id, message.data)]
        if isinstance(message, OrderWebhook):
            return [OrderChange(message.data.external_id, message.data)]
        if isinstance(message, ShipmentWebhook):
            return [ShipmentChange(message.data.external_id, message.data)]
        assert isinstance(message, TrackingWebhook)
        return [TrackingChange(message.data.shipment_external_id, message.data)]


@dataclass
class Received:
    webhook_id: str
    replayed: bool
    results: list[UpsertResult] = field(default_factory=list)


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> str:
    """The delivery's ``webhook-id`` if its signature and timestamp hold; else ``Unauthorized``."""
    try:
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError):  # ValueError: headers or body that do not parse
        raise Unauthorized(N_("The webhook signature is missing, wrong or expired.")) from None
    msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"].strip()
    if not msg_id or len(msg_id) > MAX_ID or not msg_id.isprintable():
        raise Unauthorized(N_("The webhook signature is missing, wrong or expired."))
    return msg_id


async def receive(session: AsyncSession, slug: str, body: bytes, headers: Mapping[str, str]) -> Received:
    """Verify a delivery to the workspace `slug` and apply it once."""
    workspace = await accounts.find_workspace(session, slug)
    connection = await queries.get_connection(session, workspace.id) if workspace is not None else None
    if workspace is None or connection is None:
        raise NotFound(N_("No store connection here."))
    msg_id = verify(connection.inbound_secret, body, headers)
    if await idempotency.find(session, workspace.id, PRINCIPAL, msg_id) is not None:
        return Received(webhook_id=msg_id, replayed=True)
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput(N_("The webhook body is not valid JSON.")) from None
    changes = WebhookConnector().changes(payload)
    actor = Actor(kind="system", workspace_id=workspace.id, name="Store webhook", via="webhook")
    received = Received(webhook_id=msg_id, replayed=False)
    try:
        async with (await driver(session)).savepoint():
            await idempotency.store(
                session,
                workspace.id,
                PRINCIPAL,
                msg_id,
                request_hash=hashlib.sha256(body).hexdigest(),
                status_code=200,
                response={},
                created_at=now(session),
            )
    except IntegrityError:  # the same delivery, applied by a concurrent request
        return Received(webhook_id=msg_id, replayed=True)
    received.results = await apply_changes(session, actor, changes)
    return received
