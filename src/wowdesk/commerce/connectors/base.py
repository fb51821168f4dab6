"""The connector interface: a connector parses what its store sends into changes, and
``apply_changes`` writes them through the commerce actions in the caller's unit of work (all or
nothing). A new store integration (a platform's own webhooks, a nightly file) is one more parser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import actions
from wowdesk.commerce.schemas import OrderIn, SellerIn, ShipmentIn, TrackingIn, UpsertResult
from wowdesk.core.actor import Actor


@dataclass(frozen=True)
class SellerChange:
    external_id: str
    data: SellerIn


@dataclass(frozen=True)
class OrderChange:
    external_id: str
    data: OrderIn


@dataclass(frozen=True)
class ShipmentChange:
    external_id: str
    data: ShipmentIn


@dataclass(frozen=True)
class TrackingChange:
    shipment_external_id: str
    data: TrackingIn


Change = SellerChange | OrderChange | ShipmentChange | TrackingChange


class Connector(Protocol):
    """Turns one delivery from a store into changes (raising ``InvalidInput``, or pydantic's
    ``ValidationError``, on what it cannot read)."""

    name: str

    def changes(self, payload: Any) -> Sequence[Change]: ...


async def apply_change(session: AsyncSession, actor: Actor, change: Change) -> UpsertResult:
    if isinstance(change, SellerChange):
        seller, result = await actions.do_upsert_seller(session, actor, change.external_id, change.data)
        return UpsertResult(kind="seller", external_id=seller.external_id, id=seller.id, result=result)
    if isinstance(change, OrderChange):
        order, result = await actions.do_upsert_order(session, actor, change.external_id, change.data)
        return UpsertResult(kind="order", external_id=order.external_id, id=order.id, result=result)
    if isinstance(change, ShipmentChange):
        shipment, result, added = await actions.do_upsert_shipment(
            session, actor, change.external_id, change.data
        )
        return UpsertResult(
            kind="shipment",
            external_id=shipment.external_id,
            id=shipment.id,
            result=result,
            added_events=added,
        )
    shipment, added = await actions.do_add_tracking_events(
        session, actor, change.shipment_external_id, change.data
    )
    return UpsertResult(
        kind="tracking",
        external_id=shipment.external_id,
        id=shipment.id,
        result="updated" if added else "unchanged",
        added_events=added,
    )


async def apply_changes(session: AsyncSession, actor: Actor, changes: Sequence[Change]) -> list[UpsertResult]:
    return [await apply_change(session, actor, c) for c in changes]
