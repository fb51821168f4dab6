"""Upserts and tracking through the actions, with the events they record: the same document or
scan twice records nothing; a changed one records what changed; an older scan arriving late joins
the timeline without moving the parcel back; a delivered parcel is not reopened by a stray scan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.commerce.support import T0, order_doc, seller_doc, shipment_doc, writer
from tests.conftest import Cast
from wowdesk.commerce import actions, queries
from wowdesk.commerce.schemas import OrderIn, SellerIn, ShipmentIn, TrackingIn
from wowdesk.core.events import Event

H = dt.timedelta(hours=1)


def ev(at: dt.datetime, status: str, description: str = "", **over: Any) -> dict[str, Any]:
    return {"occurred_at": at.isoformat(), "status": status, "description": description} | over


def names(events: list[Event], workspace_id: int) -> list[str]:
    return [e.name for e in events if e.workspace_id == workspace_id]


async def _order(cast: Cast, **over: Any) -> int:
    async with cast.rt.uow() as s:
        await actions.do_upsert_seller(s, writer(cast), "S-1", SellerIn.model_validate(seller_doc()))
        order, _ = await actions.do_upsert_order(
            s, writer(cast), "O-1", OrderIn.model_validate(order_doc(**over))
        )
        return order.id


async def _track(cast: Cast, *events: dict[str, Any]) -> int:
    async with cast.rt.uow() as s:
        _row, added = await actions.do_add_tracking_events(
            s, writer(cast), "P-1", TrackingIn.model_validate({"events": list(events)})
        )
        return added


async def _shipment(cast: Cast) -> Any:
    async with cast.rt.uow(write=False) as s:
        return await queries.get_shipment_by_external_id(s, writer(cast), "P-1")


async def test_upserts_record_events_only_for_changes(cast: Cast, captured_events: list[Event]) -> None:
    ws = cast.workspace_id
    order_id = await _order(cast)
    await _order(cast)  # the same again
    assert names(captured_events, ws) == ["seller.created", "order.created"]
    created = next(e for e in captured_events if e.name == "order.created")
    assert created.model_dump(
        include={"order_id", "customer_id", "fulfilment", "total_minor", "currency"}
    ) == {
        "order_id": order_id,
        "customer_id": cast.customers["lisa"].id,
        "fulfilment": "platform",
        "total_minor": 209000,
        "currency": "TWD",
    }
    captured_events.clear()
    await _order(cast, status="cancelled", cancel_reason="out_of_stock")
    updated = [e for e in captured_events if e.workspace_id == ws]
    assert [e.name for e in updated] == ["order.updated"]
    assert updated[0].changes == ["cancel_reason", "cancelled_at", "status"]  # type: ignore[attr-defined]
    assert updated[0].previous_status == "paid"  # type: ignore[attr-defined]
    captured_events.clear()
    async with cast.rt.uow() as s:
        await actions.do_upsert_seller(
            s, writer(cast), "S-1", SellerIn.model_validate(seller_doc(name="好物 Goodies"))
        )
    assert [(e.name, e.changes) for e in captured_events if e.workspace_id == ws] == [  # type: ignore[attr-defined]
        ("seller.updated", ["name"])
    ]


async def test_tracking_is_deduplicated_and_never_moves_back(
    cast: Cast, captured_events: list[Event]
) -> None:
    ws = cast.workspace_id
    await _order(cast)
    async with cast.rt.uow() as s:
        _row, result, added = await actions.do_upsert_shipment(
            s,
            writer(cast),
            "P-1",
            ShipmentIn.model_validate(shipment_doc(events=[ev(T0, "label_created", "已建立託運單")])),
        )
    assert (result, added) == ("created", 1)
    assert names(captured_events, ws)[-2:] == ["shipment.created", "shipment.tracking_added"]
    captured_events.clear()
    # The carrier's ids, and the contents when there is none: each scan once, also within one call.
    sorted_ = ev(T0 + 5 * H, "in_transit", "已到達轉運中心", location="台中", external_id="c-2")
    moving = ev(T0 + 2 * H, "in_transit", "已出貨", location="台北")
    assert await _track(cast, moving, sorted_, dict(moving)) == 2
    assert await _track(cast, moving, sorted_ | {"description": "changed words, same carrier id"}) == 0
    assert names(captured_events, ws) == ["shipment.tracking_added"]
    p = await _shipment(cast)
    assert (p.status, p.last_event_at, p.shipped_at) == ("in_transit", T0 + 5 * H, T0 + 2 * H)
    # A newer scan moves it; an older one (out for delivery, sent late) only joins the timeline.
    assert await _track(cast, ev(T0 + 9 * H, "exception", "地址不完整")) == 1
    assert await _track(cast, ev(T0 + 7 * H, "out_for_delivery", "配送中")) == 1
    p = await _shipment(cast)
    assert (p.status, p.last_event_at) == ("exception", T0 + 9 * H)
    assert [e.status for e in p.events] == [
        "label_created",
        "in_transit",
        "in_transit",
        "out_for_delivery",
        "exception",
    ]
    # Delivered ends it; a stray scan after that is kept but does not reopen the parcel.
    assert await _track(cast, ev(T0 + 20 * H, "delivered", "已送達", location="台北市大安區")) == 1
    assert await _track(cast, ev(T0 + 22 * H, "in_transit", "掃描")) == 1
    p = await _shipment(cast)
    assert (p.status, p.delivered_at, p.last_event_at) == ("delivered", T0 + 20 * H, T0 + 22 * H)
    # A document's in_transit does not undo tracking; a return (an end) does.
    async with cast.rt.uow() as s:
        row, result, _ = await actions.do_upsert_shipment(
            s, writer(cast), "P-1", ShipmentIn.model_validate(shipment_doc(status="in_transit"))
        )
        assert (row.status, result) == ("delivered", "unchanged")
        row, result, _ = await actions.do_upsert_shipment(
            s, writer(cast), "P-1", ShipmentIn.model_validate(shipment_doc(status="returned"))
        )
        assert (row.status, result) == ("returned", "updated")


async def test_a_document_status_decides_while_there_is_no_tracking(cast: Cast) -> None:
    await _order(cast)
    async with cast.rt.uow() as s:
        w = writer(cast)
        row, _, _ = await actions.do_upsert_shipment(
            s, w, "P-1", ShipmentIn.model_validate(shipment_doc(status="in_transit"))
        )
        assert (row.status, row.closed_at) == ("in_transit", None)
        at = T0 + dt.timedelta(days=2)
        row, _, _ = await actions.do_upsert_shipment(
            s, w, "P-1", ShipmentIn.model_validate(shipment_doc(delivered_at=at.isoformat()))
        )
        assert (row.status, row.delivered_at, row.closed_at) == ("delivered", at, at)
