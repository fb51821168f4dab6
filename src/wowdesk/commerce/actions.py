"""Writes of the commerce room: sellers and orders upserted by their external ids, shipments and
their tracking (``commerce.tracking``, re-exported here), parcels marked stalled, the store
connection. Nothing here commits.

An upsert compares the document with what is stored: the same document again changes nothing and
records no event; a changed one writes the fields that changed and records ``*.updated`` with
their names."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMMERCE_MANAGE, COMMERCE_WRITE
from wowdesk.commerce import events as ev
from wowdesk.commerce.models import ConnectionRow, ItemRow, OrderRow, SellerRow
from wowdesk.commerce.repository import CommerceRepository
from wowdesk.commerce.schemas import (
    ConnectionIn,
    OrderCustomerIn,
    OrderIn,
    SellerIn,
    SellerStatus,
    check_external_id,
)
from wowdesk.commerce.tracking import do_add_tracking_events, do_upsert_shipment
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.uow import now
from wowdesk.customers import actions as customers
from wowdesk.customers import queries as customer_queries

__all__ = [
    "Result",
    "do_add_tracking_events",
    "do_mark_shipment_stalled",
    "do_set_seller_status",
    "do_update_connection",
    "do_upsert_order",
    "do_upsert_seller",
    "do_upsert_shipment",
    "new_secret",
]

Result = Literal["created", "updated", "unchanged"]
MAX_REASON = 64


def _external_id(value: str) -> str:
    try:
        return check_external_id(value)
    except Invalid as exc:
        raise InvalidInput(exc.template, **exc.params) from None


# -- sellers ------------------------------------------------------------------------------------------------


async def do_upsert_seller(
    session: AsyncSession, actor: Actor, external_id: str, data: SellerIn
) -> tuple[SellerRow, Result]:
    actor.require(COMMERCE_WRITE)
    external_id = _external_id(external_id)
    repo = CommerceRepository(session, actor.workspace_id)
    t = now(session)
    wanted: dict[str, Any] = {
        "name": data.name,
        "kind": data.kind,
        "contact_email": data.contact_email,
        "language": data.language,
    }
    row = await repo.seller_by_external_id(external_id, lock=True)
    if row is None:
        new = SellerRow(
            id=0,
            workspace_id=actor.workspace_id,
            external_id=external_id,
            status="active",
            created_at=t,
            updated_at=t,
            **wanted,
        )
        if await _inserted(repo, repo.insert_seller, new):
            record_event(
                session,
                ev.SellerCreated(
                    workspace_id=actor.workspace_id,
                    occurred_at=t,
                    actor=actor.ref,
                    seller_id=new.id,
                    external_id=external_id,
                    kind=new.kind,
                ),
            )
            return new, "created"
        row = await repo.seller_by_external_id(external_id, lock=True)
        assert row is not None
    changes = _apply(row, wanted)
    if not changes:
        return row, "unchanged"
    row.updated_at = t
    await repo.update_seller(row, {*changes, "updated_at"})
    record_event(
        session,
        ev.SellerUpdated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            seller_id=row.id,
            external_id=external_id,
            kind=row.kind,
            changes=sorted(changes),
        ),
    )
    return row, "updated"


async def do_set_seller_status(
    session: AsyncSession,
    actor: Actor,
    seller_id: int,
    status: SellerStatus,
    *,
    reason: str,
    metrics: dict[str, Any],
) -> bool:
    """Move a seller to ``active``, ``at_risk`` or ``suspended`` (seller metrics do, as the system);
    True if it changed, with a ``seller.status_changed`` event carrying the figures it was judged on."""
    actor.require(COMMERCE_MANAGE)
    repo = CommerceRepository(session, actor.workspace_id)
    row = await repo.seller(seller_id)
    if row is None:
        raise NotFound(N_("Seller not found."))
    if row.status == status:
        return False
    old, row.status, row.updated_at = row.status, status, now(session)
    await repo.update_seller(row, {"status", "updated_at"})
    record_event(
        session,
        ev.SellerStatusChanged(
            workspace_id=actor.workspace_id,
            occurred_at=row.updated_at,
            actor=actor.ref,
            seller_id=row.id,
            external_id=row.external_id,
            old=old,
            new=status,
            reason=reason,
            metrics=metrics,
        ),
    )
    return True


# -- orders -------------------------------------------------------------------------------------------------


async def _customer_of(session: AsyncSession, actor: Actor, who: OrderCustomerIn) -> int:
    """The WowDesk customer an order's customer data names: by id, else the owner of the store's
    customer id (an ``api`` identity), e-mail or phone — created if nobody owns them."""
    if who.id is not None:
        found = await customer_queries.find_customer(session, actor.workspace_id, who.id)
        if found is None:
            raise InvalidInput(N_("Customer {customer_id} does not exist."), customer_id=who.id)
        return found.merged_into_id or found.id
    if who.external_id is not None:
        customer = await customers.do_find_or_create_identity(
            session, actor, ("api", who.external_id), name=who.name, email=who.email, language=who.language
        )
    else:
        customer = await customers.do_find_or_create_customer(
            session, actor, email=who.email, phone=who.phone, name=who.name, language=who.language
        )
    return customer.merged_into_id or customer.id


def _items(data: OrderIn) -> list[ItemRow]:
    return [
        ItemRow(
            id=0,
            workspace_id=0,
            order_id=0,
            position=n,
            sku=i.sku,
            name=i.name,
            names=dict(i.names) if i.names else None,
            quantity=i.quantity,
            unit_price_minor=i.unit_price_minor,
            condition=i.condition,
        )
        for n, i in enumerate(data.items)
    ]


def _same_items(a: list[ItemRow], b: list[ItemRow]) -> bool:
    def key(i: ItemRow) -> tuple[Any, ...]:
        return (i.sku, i.name, i.names or None, i.quantity, i.unit_price_minor, i.condition)

    return [key(i) for i in a] == [key(i) for i in b]


def _order_fields(
    data: OrderIn, customer_id: int, seller_id: int, old: OrderRow | None, t: dt.datetime
) -> dict[str, Any]:
    """The order's columns from a document. A time the document leaves out keeps the stored one;
    shipped and cancelled orders get one at the first document that says so."""

    def kept(name: str, given: dt.datetime | None) -> dt.datetime | None:
        return given if given is not None else (getattr(old, name) if old is not None else None)

    shipped_at = kept("shipped_at", data.shipped_at)
    if shipped_at is None and data.status in ("shipped", "delivered"):
        shipped_at = t
    cancelled_at = kept("cancelled_at", data.cancelled_at)
    if cancelled_at is None and data.status == "cancelled":
        cancelled_at = t
    assert data.items_total_minor is not None and data.total_minor is not None  # set by the schema
    return {
        "number": data.number,
        "customer_id": customer_id,
        "seller_id": seller_id,
        "fulfilment": data.fulfilment,
        "status": data.status,
        "cancel_reason": data.cancel_reason,
        "currency": data.currency,
        "items_total_minor": data.items_total_minor,
        "shipping_minor": data.shipping_minor,
        "total_minor": data.total_minor,
        "placed_at": data.placed_at,
        "ship_by": kept("ship_by", data.ship_by),
        "shipped_at": shipped_at,
        "cancelled_at": cancelled_at,
        "chargeback_at": kept("chargeback_at", data.chargeback_at),
    }


async def do_upsert_order(
    session: AsyncSession, actor: Actor, external_id: str, data: OrderIn
) -> tuple[OrderRow, Result]:
    """Create or update the order the store knows as `external_id`, with its items. Its seller
    must have been sent before; its customer is found or created from the customer data."""
    actor.require(COMMERCE_WRITE)
    external_id = _external_id(external_id)
    repo = CommerceRepository(session, actor.workspace_id)
    seller = await repo.seller_by_external_id(data.seller_external_id)
    if seller is None:
        raise InvalidInput(
            N_("Seller {external_id} does not exist: send the seller first."),
            external_id=data.seller_external_id,
        )
    customer_id = await _customer_of(session, actor, data.customer)
    t = now(session)
    items = _items(data)
    row = await repo.order_by_external_id(external_id, lock=True)
    if row is None:
        fields = _order_fields(data, customer_id, seller.id, None, t)
        new = OrderRow(
            id=0,
            workspace_id=actor.workspace_id,
            external_id=external_id,
            created_at=t,
            updated_at=t,
            **fields,
        )

        async def insert(order: OrderRow) -> None:
            await repo.insert_order(order)
            await repo.replace_items(order.id, items)

        if await _inserted(repo, insert, new):
            record_event(session, _order_created(actor, new, t))
            return new, "created"
        row = await repo.order_by_external_id(external_id, lock=True)
        assert row is not None
    previous_status = row.status
    changes = _apply(row, _order_fields(data, customer_id, seller.id, row, t))
    items_changed = not _same_items((await repo.items_of([row.id]))[row.id], items)
    if not changes and not items_changed:
        return row, "unchanged"
    row.updated_at = t
    await repo.update_order(row, {*changes, "updated_at"})
    if items_changed:
        await repo.replace_items(row.id, items)
    record_event(
        session,
        ev.OrderUpdated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            order_id=row.id,
            external_id=row.external_id,
            customer_id=row.customer_id,
            seller_id=row.seller_id,
            fulfilment=row.fulfilment,
            status=row.status,
            previous_status=previous_status,
            currency=row.currency,
            total_minor=row.total_minor,
            changes=sorted(changes | ({"items"} if items_changed else set())),
        ),
    )
    return row, "updated"


def _order_created(actor: Actor, row: OrderRow, t: dt.datetime) -> ev.OrderCreated:
    return ev.OrderCreated(
        workspace_id=actor.workspace_id,
        occurred_at=t,
        actor=actor.ref,
        order_id=row.id,
        external_id=row.external_id,
        customer_id=row.customer_id,
        seller_id=row.seller_id,
        fulfilment=row.fulfilment,
        status=row.status,
        currency=row.currency,
        total_minor=row.total_minor,
    )


# -- stalled parcels ----------------------------------------------------------------------------------------


async def do_mark_shipment_stalled(
    session: AsyncSession, actor: Actor, shipment_id: int, *, reason: str
) -> bool:
    """Presume a parcel stuck: set ``stalled_at`` and record ``shipment.stalled``. True if this call
    marked it; False if it was marked before or has reached its end meanwhile (delivered, returned,
    cancelled). The mark stays, so a parcel is reported (and compensated) once."""
    actor.require(COMMERCE_WRITE)
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(N_("A reason is 1-{max} characters."), max=MAX_REASON)
    repo = CommerceRepository(session, actor.workspace_id)
    facts = await repo.stall_facts(shipment_id)
    if facts is None:
        raise NotFound(N_("Shipment not found."))
    t = now(session)
    if not await repo.mark_stalled(shipment_id, reason, t):
        return False
    record_event(
        session,
        ev.ShipmentStalled(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            shipment_id=facts.id,
            order_id=facts.order_id,
            customer_id=facts.customer_id,
            seller_id=facts.seller_id,
            fulfilment=facts.fulfilment,
            reason=reason,
        ),
    )
    return True


# -- the store connection -----------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def do_update_connection(
    session: AsyncSession, actor: Actor, data: ConnectionIn
) -> tuple[ConnectionRow, set[str]]:
    """Save the store connection; the first save makes both secrets, and each can be rotated.
    Returns the connection and the names of the secrets made now (shown once)."""
    actor.require(COMMERCE_MANAGE)
    repo = CommerceRepository(session, actor.workspace_id)
    t = now(session)
    row = await repo.connection()
    if row is None:
        new = ConnectionRow(
            id=0,
            workspace_id=actor.workspace_id,
            inbound_secret=new_secret(),
            outbound_url=data.outbound_url,
            outbound_secret=new_secret(),
            created_at=t,
            updated_at=t,
        )
        if not await _inserted(repo, repo.insert_connection, new):
            raise Conflict(N_("The settings were changed meanwhile. Reload them and try again."))
        return new, {"inbound_secret", "outbound_secret"}
    made: set[str] = set()
    if data.rotate_inbound_secret:
        row.inbound_secret = new_secret()
        made.add("inbound_secret")
    if data.rotate_outbound_secret:
        row.outbound_secret = new_secret()
        made.add("outbound_secret")
    row.outbound_url = data.outbound_url
    row.updated_at = t
    await repo.update_connection(row)
    return row, made


# -- helpers ------------------------------------------------------------------------------------------------


def _apply(row: Any, wanted: dict[str, Any]) -> set[str]:
    """Set the fields of `row` that differ; their names."""
    changed = set()
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.add(name)
    return changed


async def _inserted(repo: CommerceRepository, insert: Any, row: Any) -> bool:
    """Insert in a savepoint; False if another transaction inserted the same external id first
    (the caller then updates the winner's row)."""
    try:
        async with (await repo.db()).savepoint():
            await insert(row)
    except IntegrityError:
        return False
    return True
