"""Reads of the commerce room: orders (with items, seller and shipments), shipments (with their
tracking timeline), sellers, the store connection, and the lost-parcel sweep's candidates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Set

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMMERCE_MANAGE, COMMERCE_READ
from wowdesk.commerce.models import ConnectionRow, OrderRow, SellerRow, ShipmentRow, TrackingRow
from wowdesk.commerce.repository import CommerceRepository, OrderFilter, ShipmentFilter
from wowdesk.commerce.schemas import (
    ConnectionOut,
    ConnectionSettingsOut,
    OrderItemOut,
    OrderOut,
    SellerOut,
    SellerSummary,
    ShipmentOut,
    TrackingEventOut,
)
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import Page, decode_after, decode_cursor, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID

__all__ = [
    "OrderFilter",
    "ShipmentFilter",
    "connection_settings",
    "get_connection",
    "get_connection_settings",
    "get_order",
    "get_order_by_external_id",
    "get_seller_by_external_id",
    "get_shipment",
    "get_shipment_by_external_id",
    "list_customer_orders",
    "list_orders",
    "list_sellers",
    "list_shipments",
    "stalled_candidates",
]

WEBHOOK_PATH = "/api/v1/commerce/webhooks/{slug}"


def seller_out(s: SellerRow) -> SellerOut:
    return SellerOut(
        id=s.id,
        external_id=s.external_id,
        name=s.name,
        kind=s.kind,
        contact_email=s.contact_email,
        language=s.language,
        status=s.status,
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


def _event_out(e: TrackingRow) -> TrackingEventOut:
    return TrackingEventOut(
        id=e.id,
        external_id=e.external_id,
        occurred_at=e.occurred_at,
        status=e.status,
        code=e.code,
        description=e.description,
        location=e.location,
    )


def _shipment_out(s: ShipmentRow, events: list[TrackingRow]) -> ShipmentOut:
    return ShipmentOut(
        id=s.id,
        external_id=s.external_id,
        order_id=s.order_id,
        carrier=s.carrier,
        service_level=s.service_level,
        tracking_number=s.tracking_number,
        status=s.status,
        promised_at=s.promised_at,
        shipped_at=s.shipped_at,
        last_event_at=s.last_event_at,
        delivered_at=s.delivered_at,
        stalled_at=s.stalled_at,
        stall_reason=s.stall_reason,
        created_at=s.created_at,
        updated_at=s.updated_at,
        events=[_event_out(e) for e in events],
    )


async def describe_shipments(repo: CommerceRepository, shipments: list[ShipmentRow]) -> list[ShipmentOut]:
    events = await repo.events_of([s.id for s in shipments])
    return [_shipment_out(s, events[s.id]) for s in shipments]


async def describe_orders(repo: CommerceRepository, orders: list[OrderRow]) -> list[OrderOut]:
    """Orders with their items, sellers, shipments and tracking: four queries for the whole list."""
    ids = [o.id for o in orders]
    items = await repo.items_of(ids)
    sellers = await repo.sellers_by_ids([o.seller_id for o in orders])
    shipments = await repo.shipments_of(ids)
    described = {
        s.id: s for s in await describe_shipments(repo, [s for group in shipments.values() for s in group])
    }
    out = []
    for o in orders:
        seller = sellers[o.seller_id]
        out.append(
            OrderOut(
                id=o.id,
                external_id=o.external_id,
                number=o.number,
                customer_id=o.customer_id,
                seller_id=o.seller_id,
                seller=SellerSummary(
                    id=seller.id,
                    external_id=seller.external_id,
                    name=seller.name,
                    kind=seller.kind,
                ),
                fulfilment=o.fulfilment,
                status=o.status,
                cancel_reason=o.cancel_reason,
                currency=o.currency,
                items_total_minor=o.items_total_minor,
                shipping_minor=o.shipping_minor,
                total_minor=o.total_minor,
                placed_at=o.placed_at,
                ship_by=o.ship_by,
                shipped_at=o.shipped_at,
                cancelled_at=o.cancelled_at,
                chargeback_at=o.chargeback_at,
                created_at=o.created_at,
                updated_at=o.updated_at,
                items=[
                    OrderItemOut(
                        sku=i.sku,
                        name=i.name,
                        names=i.names,
                        quantity=i.quantity,
                        unit_price_minor=i.unit_price_minor,
                        condition=i.condition,
                    )
                    for i in items[o.id]
                ],
                shipments=[described[s.id] for s in shipments[o.id]],
            )
        )
    return out


# -- orders -------------------------------------------------------------------------------------------------


async def order_exists(session: AsyncSession, workspace_id: int, order_id: int) -> bool:
    """Whether the workspace has this order: the check a ticket or a chat about an order runs."""
    return await CommerceRepository(session, workspace_id).order(order_id) is not None


async def get_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderOut:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    order = await repo.order(order_id)
    if order is None:
        raise NotFound(N_("Order not found."))
    return (await describe_orders(repo, [order]))[0]


async def get_order_by_external_id(session: AsyncSession, actor: Actor, external_id: str) -> OrderOut:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    order = await repo.order_by_external_id(external_id)
    if order is None:
        raise NotFound(N_("Order not found."))
    return (await describe_orders(repo, [order]))[0]


async def list_customer_orders(
    session: AsyncSession, actor: Actor, customer_id: int, *, limit: int = 20
) -> list[OrderOut]:
    """The customer's latest orders, newest placed first."""
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    orders = await repo.orders(OrderFilter(customer_id=customer_id), after=None, limit=limit)
    return await describe_orders(repo, orders)


async def list_orders(
    session: AsyncSession, actor: Actor, f: OrderFilter, *, cursor: str | None, limit: int
) -> Page[OrderOut]:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    rows = await repo.orders(f, after=decode_after(cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor({"at": rows[-1].placed_at.isoformat(), "id": rows[-1].id}) if more else None
    return Page(items=await describe_orders(repo, rows), next_cursor=nxt)


# -- shipments ----------------------------------------------------------------------------------------------


async def get_shipment(session: AsyncSession, actor: Actor, shipment_id: int) -> ShipmentOut:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    row = await repo.shipment(shipment_id)
    if row is None:
        raise NotFound(N_("Shipment not found."))
    return (await describe_shipments(repo, [row]))[0]


async def get_shipment_by_external_id(session: AsyncSession, actor: Actor, external_id: str) -> ShipmentOut:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    row = await repo.shipment_by_external_id(external_id)
    if row is None:
        raise NotFound(N_("Shipment not found."))
    return (await describe_shipments(repo, [row]))[0]


async def describe_shipment(session: AsyncSession, workspace_id: int, row: ShipmentRow) -> ShipmentOut:
    repo = CommerceRepository(session, workspace_id)
    return (await describe_shipments(repo, [row]))[0]


async def list_shipments(
    session: AsyncSession, actor: Actor, f: ShipmentFilter, *, cursor: str | None, limit: int
) -> Page[ShipmentOut]:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    after = _id_cursor(cursor)
    rows = await repo.shipments(f, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor({"id": rows[-1].id}) if more else None
    return Page(items=await describe_shipments(repo, rows), next_cursor=nxt)


async def stalled_candidates(
    session: AsyncSession,
    workspace_id: int,
    *,
    no_progress_before: dt.datetime | None,
    promised_before: dt.datetime | None,
    after_id: int = 0,
    limit: int = 500,
) -> list[int]:
    """Ids of open parcels (not delivered, returned or cancelled) not yet marked stalled whose last
    tracking event (or dispatch, when they have none) is older than `no_progress_before`, or whose
    promised delivery is before `promised_before` (either test may be None; both None: none). In id
    order after `after_id`, at most `limit`: page on with the last id. One index range per page."""
    return await CommerceRepository(session, workspace_id).stalled_candidates(
        no_progress_before=no_progress_before, promised_before=promised_before, after_id=after_id, limit=limit
    )


# -- sellers ------------------------------------------------------------------------------------------------


async def get_seller_by_external_id(session: AsyncSession, actor: Actor, external_id: str) -> SellerOut:
    actor.require(COMMERCE_READ)
    row = await CommerceRepository(session, actor.workspace_id).seller_by_external_id(external_id)
    if row is None:
        raise NotFound(N_("Seller not found."))
    return seller_out(row)


async def get_seller(session: AsyncSession, actor: Actor, seller_id: int) -> SellerOut:
    actor.require(COMMERCE_READ)
    row = await CommerceRepository(session, actor.workspace_id).seller(seller_id)
    if row is None:
        raise NotFound(N_("Seller not found."))
    return seller_out(row)


async def seller_names(session: AsyncSession, workspace_id: int, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of these sellers of the workspace (ids it has not are left out), in one query."""
    wanted = [i for i in set(ids) if i is not None]
    rows = await CommerceRepository(session, workspace_id).sellers_by_ids(wanted)
    return {seller_id: row.name for seller_id, row in rows.items()}


async def all_sellers(session: AsyncSession, workspace_id: int) -> list[SellerOut]:
    """Every seller of the workspace, by id (the system's rounds: seller metrics)."""
    repo = CommerceRepository(session, workspace_id)
    out: list[SellerOut] = []
    after: int | None = None
    while True:
        rows = await repo.sellers(kind=None, status=None, after_id=after, limit=500)
        out.extend(seller_out(r) for r in rows)
        if len(rows) < 500:
            return out
        after = rows[-1].id


async def list_sellers(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[SellerOut]:
    actor.require(COMMERCE_READ)
    repo = CommerceRepository(session, actor.workspace_id)
    rows = await repo.sellers(kind=kind, status=status, after_id=_id_cursor(cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[seller_out(r) for r in rows], next_cursor=encode_cursor({"id": rows[-1].id}) if more else None
    )


def _id_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    c = decode_cursor(cursor)
    value = c.get("id")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DB_ID:
        raise InvalidInput(N_("The cursor is not valid."))
    return value


# -- the store connection -----------------------------------------------------------------------------------


def _connection_out(row: ConnectionRow) -> ConnectionOut:
    return ConnectionOut(
        workspace_id=row.workspace_id,
        inbound_secret=row.inbound_secret,
        outbound_url=row.outbound_url,
        outbound_secret=row.outbound_secret,
        updated_at=row.updated_at,
    )


async def get_connection(session: AsyncSession, workspace_id: int) -> ConnectionOut | None:
    """The workspace's store connection with its secrets (signing, verifying), or None."""
    row = await CommerceRepository(session, workspace_id).connection()
    return _connection_out(row) if row is not None else None


def _hint(secret: str) -> str:
    return secret[:10] + "…"


def connection_settings(
    slug: str, row: ConnectionOut | ConnectionRow | None, revealed: Set[str] = frozenset()
) -> ConnectionSettingsOut:
    """What admins see: the secrets in full only when just made (`revealed`), otherwise a hint."""
    return ConnectionSettingsOut(
        configured=row is not None,
        webhook_path=WEBHOOK_PATH.format(slug=slug),
        outbound_url=row.outbound_url if row else None,
        inbound_secret=row.inbound_secret if row and "inbound_secret" in revealed else None,
        outbound_secret=row.outbound_secret if row and "outbound_secret" in revealed else None,
        inbound_secret_hint=_hint(row.inbound_secret) if row else None,
        outbound_secret_hint=_hint(row.outbound_secret) if row else None,
        updated_at=row.updated_at if row else None,
    )


async def get_connection_settings(session: AsyncSession, actor: Actor, slug: str) -> ConnectionSettingsOut:
    actor.require(COMMERCE_MANAGE)
    return connection_settings(slug, await get_connection(session, actor.workspace_id))
