"""The lost-parcel sweep's side of commerce, on a database of its own with a frozen clock: which
parcels ``stalled_candidates`` names (no progress since, or promised before; open and unmarked
only; this workspace only; keyset pages), that both databases answer it from the partial index,
``do_mark_shipment_stalled`` marking once with its event — and the demo store's stuck parcels."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.commerce.support import order_doc, seller_doc, shipment_doc
from tests.conftest import TARGET, Cast, Databases, build_cast, make_settings
from wowdesk.commerce import actions, queries
from wowdesk.commerce.repository import _CANDIDATES
from wowdesk.commerce.schemas import OrderIn, SellerIn, ShipmentIn, TrackingIn
from wowdesk.core.actor import Actor
from wowdesk.core.clock import FrozenClock
from wowdesk.core.events import Event
from wowdesk.core.runtime import Runtime
from wowdesk.core.sql import driver
from wowdesk.demo import seed_demo
from wowdesk.main import build_runtime

START = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    events: list[Event]


@pytest.fixture(scope="module")
def stalled_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def frozen(stalled_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    url, data = stalled_db, tmp_path_factory.mktemp("stalled")
    clock = FrozenClock(START)
    rt = build_runtime(make_settings(url, data, None), clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield Frozen(rt=rt, clock=clock, events=seen)
    await rt.stop()


@pytest.fixture
async def fcast(frozen: Frozen) -> Cast:
    frozen.clock.set(START)
    frozen.events.clear()
    return await build_cast(frozen.rt)


def ev(at: dt.datetime, status: str) -> dict[str, Any]:
    return {"occurred_at": at.isoformat(), "status": status, "description": status}


async def parcel(cast: Cast, name: str, *, events: list[dict[str, Any]], **doc: Any) -> int:
    """An order and its parcel; the parcel's id."""
    actor = cast.actor("ada")
    async with cast.rt.uow() as s:
        await actions.do_upsert_seller(s, actor, "S-1", SellerIn.model_validate(seller_doc()))
        await actions.do_upsert_order(s, actor, f"O-{name}", OrderIn.model_validate(order_doc()))
        body = shipment_doc(f"O-{name}", events=events, promised_at=None) | doc
        row, _, _ = await actions.do_upsert_shipment(s, actor, f"P-{name}", ShipmentIn.model_validate(body))
        return row.id


async def candidates(cast: Cast, **kw: Any) -> list[int]:
    async with cast.rt.uow(write=False) as s:
        return await queries.stalled_candidates(s, cast.workspace_id, **kw)


async def test_candidates_are_the_open_unmarked_parcels_without_progress_or_past_promise(
    frozen: Frozen, fcast: Cast, other_cast_factory: Any
) -> None:
    c = fcast
    quiet = await parcel(
        c, "quiet", events=[ev(START - 7 * DAY, "in_transit")], promised_at=(START + DAY).isoformat()
    )
    late = await parcel(
        c, "late", events=[ev(START - DAY, "in_transit")], promised_at=(START - 2 * DAY).isoformat()
    )
    await parcel(
        c,
        "done",
        events=[ev(START - 9 * DAY, "in_transit"), ev(START - 8 * DAY, "delivered")],
        promised_at=(START - 7 * DAY).isoformat(),
    )
    unscanned = await parcel(c, "unscanned", events=[], shipped_at=(START - 8 * DAY).isoformat())
    await parcel(c, "waiting", events=[])  # a label, no dispatch, no promise: nothing to measure
    await parcel(c, "returned", events=[ev(START - 9 * DAY, "returned")])
    other = await build_cast(frozen.rt)
    await parcel(
        other, "quiet", events=[ev(START - 9 * DAY, "in_transit")], promised_at=(START - DAY).isoformat()
    )

    six_days = START - 6 * DAY
    assert await candidates(c, no_progress_before=six_days, promised_before=None) == sorted(
        [quiet, unscanned]
    )
    assert await candidates(c, no_progress_before=None, promised_before=START) == [late]
    both = await candidates(c, no_progress_before=six_days, promised_before=START)
    assert both == sorted([quiet, late, unscanned])
    assert await candidates(c, no_progress_before=None, promised_before=None) == []
    # Keyset pages: one id at a time, after the last one seen, give the same ids once each.
    paged, after = [], 0
    while page := await candidates(
        c, no_progress_before=six_days, promised_before=START, after_id=after, limit=1
    ):
        paged += page
        after = page[-1]
    assert paged == both

    # Six days later the late parcel's last scan is old too; marking takes a parcel out.
    frozen.clock.advance(6 * DAY)
    now = frozen.clock.now()
    actor = Actor.system(c.workspace_id)
    async with c.rt.uow() as s:
        assert await actions.do_mark_shipment_stalled(s, actor, quiet, reason="no_progress") is True
        assert await actions.do_mark_shipment_stalled(s, actor, quiet, reason="no_progress") is False
    assert await candidates(c, no_progress_before=now - 6 * DAY, promised_before=None) == sorted(
        [late, unscanned]
    )
    stalled = [e for e in frozen.events if e.name == "shipment.stalled" and e.workspace_id == c.workspace_id]
    assert len(stalled) == 1
    async with c.rt.uow(write=False) as s:
        p = await queries.get_shipment(s, c.actor("alice"), quiet)
        order = await queries.get_order(s, c.actor("alice"), p.order_id)
    assert stalled[0].model_dump(
        include={"shipment_id", "order_id", "customer_id", "seller_id", "fulfilment", "reason", "occurred_at"}
    ) == {
        "shipment_id": quiet,
        "order_id": p.order_id,
        "customer_id": order.customer_id,
        "seller_id": order.seller_id,
        "fulfilment": "platform",
        "reason": "no_progress",
        "occurred_at": now,
    }
    assert (p.stalled_at, p.stall_reason) == (now, "no_progress")
    # The parcel moves again: it stays marked (one parcel, one compensation) and out of the sweep.
    async with c.rt.uow() as s:
        track = TrackingIn.model_validate({"events": [ev(now, "in_transit")]})
        row, added = await actions.do_add_tracking_events(s, c.actor("ada"), "P-quiet", track)
    assert (added, row.stalled_at) == (1, now)
    # A delivered parcel is not marked; another workspace's parcel is not found; an agent may not mark.
    async with c.rt.uow() as s:
        done = (await queries.get_shipment_by_external_id(s, c.actor("alice"), "P-done")).id
        assert await actions.do_mark_shipment_stalled(s, actor, done, reason="no_progress") is False
    from wowdesk.core.errors import Forbidden, InvalidInput, NotFound

    async with c.rt.uow() as s:
        with pytest.raises(NotFound):
            await actions.do_mark_shipment_stalled(s, Actor.system(other.workspace_id), late, reason="x")
        with pytest.raises(Forbidden):
            await actions.do_mark_shipment_stalled(s, c.actor("alice"), late, reason="x")
        with pytest.raises(InvalidInput):
            await actions.do_mark_shipment_stalled(s, actor, late, reason="")


async def test_the_sweep_reads_the_partial_index(frozen: Frozen, fcast: Cast) -> None:
    await parcel(fcast, "a", events=[ev(START - 7 * DAY, "in_transit")])
    stmt = _CANDIDATES(True, True)
    params = {
        "ws": fcast.workspace_id,
        "no_progress_before": START,
        "promised_before": START,
        "after_id": 0,
        "limit": 500,
    }
    async with fcast.rt.uow() as s:
        db = await driver(s)
        p = stmt.prepared(db.dialect)
        args = p.args(params)
        if db.name == "sqlite":
            plan = " ".join(str(r) for r in db._conn.execute("EXPLAIN QUERY PLAN " + p.sql, args))  # type: ignore[attr-defined]
            assert "COVERING INDEX ix_shipments_ws_open" in plan, plan
        else:
            await db._conn.execute("SET LOCAL enable_seqscan = off")  # type: ignore[attr-defined]
            rows = await db._conn.fetch("EXPLAIN " + p.sql, *args)  # type: ignore[attr-defined]
            plan = " ".join(r[0] for r in rows)
            assert "ix_shipments_ws_open" in plan, plan
    assert TARGET in ("sqlite", "postgres")


async def test_the_demo_store_has_parcels_stuck_in_transit(frozen: Frozen) -> None:
    frozen.clock.set(START)
    _creds, created = await seed_demo(frozen.rt)
    assert created
    async with frozen.rt.uow(write=False) as s:
        from wowdesk.accounts import queries as accounts

        ws = await accounts.find_workspace(s, "demo")
        assert ws is not None
        reader = Actor.system(ws.id)
        stuck = await queries.stalled_candidates(
            s, ws.id, no_progress_before=START - 6 * DAY, promised_before=START
        )
        parcels = [await queries.get_shipment(s, reader, i) for i in stuck]
        orders = [await queries.get_order(s, reader, p.order_id) for p in parcels]
        sellers = await queries.list_sellers(s, reader)
        every = await queries.list_orders(s, reader, queries.OrderFilter(), cursor=None, limit=100)
    assert len(stuck) == 3
    for p in parcels:
        assert p.status == "in_transit" and p.last_event_at is not None and p.promised_at is not None
        assert p.last_event_at < START - 6 * DAY and p.promised_at < START
        assert p.carrier in ("黑貓宅急便", "中華郵政", "新竹物流")
    assert sorted(o.fulfilment for o in orders) == ["platform", "platform", "seller"]
    assert "TW-10231" in {
        o.number for o in orders
    }  # the parcel of the demo's "no update for five days" ticket
    assert sorted(s.kind for s in sellers.items) == [
        "first_party",
        "marketplace",
        "marketplace",
        "marketplace",
    ]
    assert len(every.items) == 20 and {o.currency for o in every.items} == {"TWD"}
    statuses = {sh.status for o in every.items for sh in o.shipments}
    assert {"delivered", "in_transit", "out_for_delivery"} <= statuses
    names = {tuple(sorted((i.names or {}).keys())) for o in every.items for i in o.items}
    assert names == {("en", "zh-Hant")}
    assert all(e.occurred_at <= START for o in every.items for sh in o.shipments for e in sh.events)
