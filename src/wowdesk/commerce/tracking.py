"""Writes of shipments and their tracking events (re-exported by ``commerce.actions``).

A tracking event sent again (the carrier's event id, or the same time, status, code, place and
words) is kept once. The parcel's ``last_event_at`` is its newest event's time and its status that
event's (``commerce.states``): an older event arriving late joins the timeline and moves nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMMERCE_WRITE
from wowdesk.commerce import events as ev
from wowdesk.commerce.models import OrderRow, ShipmentRow, TrackingRow
from wowdesk.commerce.repository import CommerceRepository
from wowdesk.commerce.schemas import ShipmentIn, TrackingEventIn, TrackingIn, check_external_id
from wowdesk.commerce.states import ENDS, MOVING, next_status
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.uow import now

Result = Literal["created", "updated", "unchanged"]


def dedupe_key(e: TrackingEventIn) -> str:
    if e.external_id:
        return "id:" + e.external_id
    said = "\x1f".join((e.occurred_at.isoformat(), e.status, e.code or "", e.location or "", e.description))
    return "sha256:" + hashlib.sha256(said.encode()).hexdigest()


def _set_status(row: ShipmentRow, status: str, at: dt.datetime) -> None:
    row.status = status
    if status in ENDS and row.closed_at is None:
        row.closed_at = at
    if status == "delivered" and row.delivered_at is None:
        row.delivered_at = at


async def _add_events(
    repo: CommerceRepository, row: ShipmentRow, events: list[TrackingEventIn], t: dt.datetime
) -> int:
    """Store the events not seen before and move the parcel by them; how many were new."""
    fresh: dict[str, TrackingEventIn] = {}
    for e in events:
        fresh.setdefault(dedupe_key(e), e)
    known = await repo.known_event_keys(row.id, list(fresh))
    new = sorted(
        ((k, e) for k, e in fresh.items() if k not in known), key=lambda ke: (ke[1].occurred_at, ke[0])
    )
    if not new:
        return 0
    await repo.insert_events(
        [
            TrackingRow(
                id=0,
                workspace_id=row.workspace_id,
                shipment_id=row.id,
                dedupe_key=k,
                external_id=e.external_id,
                occurred_at=e.occurred_at,
                status=e.status,
                code=e.code,
                description=e.description,
                location=e.location,
                created_at=t,
            )
            for k, e in new
        ]
    )
    for _key, e in new:
        if row.shipped_at is None and e.status in MOVING:
            row.shipped_at = e.occurred_at  # the first scan on the way (the earliest of these)
        if row.last_event_at is None or e.occurred_at >= row.last_event_at:
            row.last_event_at = e.occurred_at
            _set_status(row, next_status(row.status, e.status), e.occurred_at)
    return len(new)


def _document_status(row: ShipmentRow, data: ShipmentIn, t: dt.datetime) -> None:
    """What the document's status does: decides while the parcel has no tracking; with tracking,
    only an end counts (a store may know of a delivery its carrier never scanned)."""
    status = data.status
    if status is None and data.delivered_at is not None:
        status = "delivered"
    if status is None or (row.last_event_at is not None and status not in ENDS):
        return
    new = next_status(row.status, status)
    if new != row.status:
        at = data.delivered_at if new == "delivered" and data.delivered_at else t
        _set_status(row, new, at)


_FIELDS = (
    "order_id",
    "carrier",
    "service_level",
    "tracking_number",
    "status",
    "promised_at",
    "shipped_at",
    "last_event_at",
    "delivered_at",
    "closed_at",
)
_DOCUMENT_FIELDS = frozenset(
    {"order_id", "carrier", "service_level", "tracking_number", "promised_at", "shipped_at", "delivered_at"}
)


def _snapshot(row: ShipmentRow) -> dict[str, Any]:
    return {f: getattr(row, f) for f in _FIELDS}


async def do_upsert_shipment(
    session: AsyncSession, actor: Actor, external_id: str, data: ShipmentIn
) -> tuple[ShipmentRow, Result, int]:
    """Create or update the parcel the store knows as `external_id`, with the tracking events the
    document carries. Returns the parcel, what happened, and how many events were new."""
    actor.require(COMMERCE_WRITE)
    external_id = _checked(external_id)
    repo = CommerceRepository(session, actor.workspace_id)
    order = await repo.order_by_external_id(data.order_external_id)
    if order is None:
        raise InvalidInput(
            N_("Order {external_id} does not exist: send the order first."),
            external_id=data.order_external_id,
        )
    t = now(session)
    row = await repo.shipment_by_external_id(external_id, lock=True)
    created = False
    if row is None:
        row = ShipmentRow(
            id=0,
            workspace_id=actor.workspace_id,
            external_id=external_id,
            order_id=order.id,
            carrier=data.carrier,
            service_level=data.service_level,
            tracking_number=data.tracking_number,
            status="label_created",
            promised_at=data.promised_at,
            shipped_at=data.shipped_at,
            last_event_at=None,
            delivered_at=data.delivered_at,
            closed_at=None,
            stalled_at=None,
            stall_reason=None,
            created_at=t,
            updated_at=t,
        )
        created = await _insert(repo, row)
        if not created:  # another delivery of this parcel inserted it first
            found = await repo.shipment_by_external_id(external_id, lock=True)
            assert found is not None
            row = found
    before = _snapshot(row)
    if not created:
        row.order_id, row.carrier, row.service_level = order.id, data.carrier, data.service_level
        row.tracking_number = data.tracking_number
        for name in ("promised_at", "shipped_at", "delivered_at"):
            given = getattr(data, name)
            if given is not None:
                setattr(row, name, given)
    added = await _add_events(repo, row, data.events, t)
    _document_status(row, data, t)
    changes = {f for f, v in before.items() if getattr(row, f) != v}
    if changes:
        row.updated_at = t
        await repo.update_shipment(row, {*changes, "updated_at"})
    if created:
        record_event(session, _created(actor, row, order, t))
    else:
        # Changes made by the document's own fields; what tracking moved is told by tracking_added.
        said = changes & _DOCUMENT_FIELDS
        if data.status is not None and before["status"] != row.status and added == 0:
            said.add("status")
        if said:
            record_event(session, _updated(actor, row, order, before["status"], sorted(said), t))
    if added:
        record_event(session, _tracking_added(actor, row, order, added, t))
    result: Result = "created" if created else ("updated" if changes or added else "unchanged")
    return row, result, added


async def do_add_tracking_events(
    session: AsyncSession, actor: Actor, shipment_external_id: str, data: TrackingIn
) -> tuple[ShipmentRow, int]:
    """Add tracking events to a parcel (repeats are dropped); the parcel and how many were new."""
    actor.require(COMMERCE_WRITE)
    repo = CommerceRepository(session, actor.workspace_id)
    row = await repo.shipment_by_external_id(_checked(shipment_external_id), lock=True)
    if row is None:
        raise NotFound(N_("Shipment not found."))
    t = now(session)
    before = _snapshot(row)
    added = await _add_events(repo, row, data.events, t)
    if not added:
        return row, 0
    changes = {f for f, v in before.items() if getattr(row, f) != v}
    row.updated_at = t
    await repo.update_shipment(row, {*changes, "updated_at"})
    order = await repo.order(row.order_id)
    assert order is not None
    record_event(session, _tracking_added(actor, row, order, added, t))
    return row, added


def _checked(external_id: str) -> str:
    try:
        return check_external_id(external_id)
    except Invalid as exc:
        raise InvalidInput(exc.template, **exc.params) from None


async def _insert(repo: CommerceRepository, row: ShipmentRow) -> bool:
    try:
        async with (await repo.db()).savepoint():
            await repo.insert_shipment(row)
    except IntegrityError:
        return False
    return True


def _created(actor: Actor, row: ShipmentRow, order: OrderRow, t: dt.datetime) -> ev.ShipmentCreated:
    return ev.ShipmentCreated(
        workspace_id=actor.workspace_id,
        occurred_at=t,
        actor=actor.ref,
        shipment_id=row.id,
        external_id=row.external_id,
        order_id=order.id,
        customer_id=order.customer_id,
        status=row.status,
    )


def _updated(
    actor: Actor, row: ShipmentRow, order: OrderRow, previous: str, changes: list[str], t: dt.datetime
) -> ev.ShipmentUpdated:
    return ev.ShipmentUpdated(
        workspace_id=actor.workspace_id,
        occurred_at=t,
        actor=actor.ref,
        shipment_id=row.id,
        external_id=row.external_id,
        order_id=order.id,
        customer_id=order.customer_id,
        status=row.status,
        previous_status=previous,
        changes=changes,
    )


def _tracking_added(
    actor: Actor, row: ShipmentRow, order: OrderRow, added: int, t: dt.datetime
) -> ev.ShipmentTrackingAdded:
    return ev.ShipmentTrackingAdded(
        workspace_id=actor.workspace_id,
        occurred_at=t,
        actor=actor.ref,
        shipment_id=row.id,
        order_id=order.id,
        customer_id=order.customer_id,
        added=added,
        status=row.status,
        last_event_at=row.last_event_at,
    )
