"""Every statement of the commerce room, prepared once (``core.sql``), as plain records; each names
its workspace. Writes name the columns they change; rows are locked (PostgreSQL) before an upsert
compares and changes them, so two deliveries of one document cannot both apply it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.commerce.models import (
    CommerceConnection,
    ConnectionRow,
    ItemRow,
    Order,
    OrderItem,
    OrderRow,
    Seller,
    SellerRow,
    Shipment,
    ShipmentRow,
    StallFacts,
    TrackingEvent,
    TrackingRow,
)
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, in_list, insert_row, record_columns, select_record

R = TypeVar("R")

SE = cast(Table, Seller.__table__)
O = cast(Table, Order.__table__)  # noqa: E741
IT = cast(Table, OrderItem.__table__)
SH = cast(Table, Shipment.__table__)
EV = cast(Table, TrackingEvent.__table__)
CN = cast(Table, CommerceConnection.__table__)
WS: BindParameter[Any] = bindparam("ws")


def _names(record: type[Any], table: Table) -> list[str]:
    return [c.name for c in record_columns(record, table)]


def _at(name: str) -> Any:
    return bindparam(name, type_=SH.c.promised_at.type)


@dataclass(frozen=True)
class _Table:
    """The common statements of one table read as one record type."""

    table: Table
    record: type[Any]

    def by(self, column: str, *, lock: bool = False) -> Stmt[Any]:
        q = select_record(self.record, self.table).where(
            self.table.c.workspace_id == WS, self.table.c[column] == bindparam("key")
        )
        return Stmt(q.with_for_update() if lock else q, into=self.record)

    def insert(self) -> Stmt[Any]:
        names = [n for n in _names(self.record, self.table) if n != "id"]
        return Stmt(insert_row(self.table, names, returning=["id"]))

    def updater(self) -> Stmts:
        t = self.table
        return Stmts(
            lambda columns: Stmt(
                update(t)
                .where(t.c.workspace_id == WS, t.c.id == bindparam("id"))
                .values({c: bindparam(f"v_{c}", type_=t.c[c].type) for c in sorted(columns)})
            )
        )


_SELLERS = _Table(SE, SellerRow)
_ORDERS = _Table(O, OrderRow)
_SHIPMENTS = _Table(SH, ShipmentRow)

_SELLER_BY_EXT = (_SELLERS.by("external_id"), _SELLERS.by("external_id", lock=True))
_SELLER_BY_ID = _SELLERS.by("id")
_INSERT_SELLER = _SELLERS.insert()
_UPDATE_SELLER = _SELLERS.updater()
_SELLERS_BY_IDS = Stmt(
    select_record(SellerRow, SE).where(SE.c.workspace_id == WS, in_list(SE.c.id, "ids")), into=SellerRow
)

_ORDER_BY_EXT = (_ORDERS.by("external_id"), _ORDERS.by("external_id", lock=True))
_ORDER_BY_ID = _ORDERS.by("id")
_INSERT_ORDER = _ORDERS.insert()
_UPDATE_ORDER = _ORDERS.updater()

_ITEM_NAMES = [n for n in _names(ItemRow, IT) if n != "id"]
_ITEMS_OF = Stmt(
    select_record(ItemRow, IT)
    .where(IT.c.workspace_id == WS, in_list(IT.c.order_id, "ids"))
    .order_by(IT.c.order_id, IT.c.position),
    into=ItemRow,
)
_DELETE_ITEMS = Stmt(delete(IT).where(IT.c.workspace_id == WS, IT.c.order_id == bindparam("order")))
_INSERT_ITEM = Stmt(insert_row(IT, _ITEM_NAMES))

_SHIPMENT_BY_EXT = (_SHIPMENTS.by("external_id"), _SHIPMENTS.by("external_id", lock=True))
_SHIPMENT_BY_ID = (_SHIPMENTS.by("id"), _SHIPMENTS.by("id", lock=True))
_INSERT_SHIPMENT = _SHIPMENTS.insert()
_UPDATE_SHIPMENT = _SHIPMENTS.updater()
_SHIPMENTS_OF = Stmt(
    select_record(ShipmentRow, SH)
    .where(SH.c.workspace_id == WS, in_list(SH.c.order_id, "ids"))
    .order_by(SH.c.order_id, SH.c.id),
    into=ShipmentRow,
)
_STALL_FACTS = Stmt(
    select(SH.c.id, SH.c.order_id, O.c.customer_id, O.c.seller_id, O.c.fulfilment)
    .select_from(SH.join(O, (O.c.id == SH.c.order_id) & (O.c.workspace_id == SH.c.workspace_id)))
    .where(SH.c.workspace_id == WS, SH.c.id == bindparam("id")),
    into=StallFacts,
)
_MARK_STALLED = Stmt(
    update(SH)
    .where(
        SH.c.workspace_id == WS,
        SH.c.id == bindparam("id"),
        SH.c.stalled_at.is_(None),
        SH.c.closed_at.is_(None),
    )
    .values(
        stalled_at=_at("at"),
        stall_reason=bindparam("reason", type_=SH.c.stall_reason.type),
        updated_at=_at("at"),
    )
)

_EVENT_NAMES = [n for n in _names(TrackingRow, EV) if n != "id"]
_EVENT_KEYS = Stmt(
    select(EV.c.dedupe_key).where(
        EV.c.workspace_id == WS, EV.c.shipment_id == bindparam("shipment"), in_list(EV.c.dedupe_key, "keys")
    )
)
_INSERT_EVENT = Stmt(insert_row(EV, _EVENT_NAMES))
_EVENTS_OF = Stmt(
    select_record(TrackingRow, EV)
    .where(EV.c.workspace_id == WS, in_list(EV.c.shipment_id, "ids"))
    .order_by(EV.c.shipment_id, EV.c.occurred_at, EV.c.id),
    into=TrackingRow,
)

_CONNECTION = Stmt(select_record(ConnectionRow, CN).where(CN.c.workspace_id == WS), into=ConnectionRow)
_INSERT_CONNECTION = Stmt(
    insert_row(CN, [n for n in _names(ConnectionRow, CN) if n != "id"], returning=["id"])
)
_UPDATE_CONNECTION = Stmt(
    update(CN)
    .where(CN.c.workspace_id == WS)
    .values(
        {
            c: bindparam(f"v_{c}", type_=CN.c[c].type)
            for c in ("inbound_secret", "outbound_url", "outbound_secret", "updated_at")
        }
    )
)


# -- lists ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    customer_id: int | None = None
    seller_id: int | None = None
    status: str | None = None
    fulfilment: str | None = None


def _orders_statement(customer: bool, seller: bool, status: bool, fulfilment: bool, after: bool) -> Stmt[Any]:
    """Orders, latest placed first (keyset: placed_at, id)."""
    q = select_record(OrderRow, O).where(O.c.workspace_id == WS)
    if customer:
        q = q.where(O.c.customer_id == bindparam("customer"))
    if seller:
        q = q.where(O.c.seller_id == bindparam("seller"))
    if status:
        q = q.where(O.c.status == bindparam("status"))
    if fulfilment:
        q = q.where(O.c.fulfilment == bindparam("fulfilment"))
    if after:
        at, after_id = (
            bindparam("after_at", type_=O.c.placed_at.type),
            bindparam("after_id", type_=O.c.id.type),
        )
        q = q.where((O.c.placed_at < at) | ((O.c.placed_at == at) & (O.c.id < after_id)))
    return Stmt(q.order_by(O.c.placed_at.desc(), O.c.id.desc()).limit(bindparam("limit")), into=OrderRow)


_ORDER_LISTS = Stmts(_orders_statement)


@dataclass(frozen=True)
class ShipmentFilter:
    order_id: int | None = None
    status: str | None = None
    stalled: bool | None = None


def _shipments_statement(order: bool, status: bool, stalled: bool | None, after: bool) -> Stmt[Any]:
    """Shipments, newest first (keyset: id)."""
    q = select_record(ShipmentRow, SH).where(SH.c.workspace_id == WS)
    if order:
        q = q.where(SH.c.order_id == bindparam("order"))
    if status:
        q = q.where(SH.c.status == bindparam("status"))
    if stalled is not None:
        q = q.where(SH.c.stalled_at.is_not(None) if stalled else SH.c.stalled_at.is_(None))
    if after:
        q = q.where(SH.c.id < bindparam("after_id", type_=SH.c.id.type))
    return Stmt(q.order_by(SH.c.id.desc()).limit(bindparam("limit")), into=ShipmentRow)


_SHIPMENT_LISTS = Stmts(_shipments_statement)


def _sellers_statement(kind: bool, status: bool, after: bool) -> Stmt[Any]:
    q = select_record(SellerRow, SE).where(SE.c.workspace_id == WS)
    if kind:
        q = q.where(SE.c.kind == bindparam("kind"))
    if status:
        q = q.where(SE.c.status == bindparam("status"))
    if after:
        q = q.where(SE.c.id > bindparam("after_id", type_=SE.c.id.type))
    return Stmt(q.order_by(SE.c.id).limit(bindparam("limit")), into=SellerRow)


_SELLER_LISTS = Stmts(_sellers_statement)


def _candidates_statement(no_progress: bool, promised: bool) -> Stmt[Any]:
    """Open, unstalled parcels without progress since a moment, or promised before one: ids in
    order after a given id. Its WHERE repeats the partial index's (``ix_shipments_ws_open``) word
    for word, so both planners read that index alone."""
    tests = []
    if no_progress:
        tests.append(func.coalesce(SH.c.last_event_at, SH.c.shipped_at) < _at("no_progress_before"))
    if promised:
        tests.append(SH.c.promised_at < _at("promised_before"))
    either = tests[0] if len(tests) == 1 else (tests[0] | tests[1])
    q = (
        select(SH.c.id)
        .where(
            SH.c.workspace_id == WS,
            SH.c.closed_at.is_(None),
            SH.c.stalled_at.is_(None),
            SH.c.id > bindparam("after_id", type_=SH.c.id.type),
            either,
        )
        .order_by(SH.c.id)
        .limit(bindparam("limit"))
    )
    return Stmt(q)


_CANDIDATES = Stmts(_candidates_statement)


class CommerceRepository(StatementRepository):
    """The commerce statements for one workspace, on the unit of work's connection."""

    async def _one(self, stmts: tuple[Stmt[R], Stmt[R]], key: Any, lock: bool) -> R | None:
        db = await self.db()
        return await db.one(stmts[1] if lock and db.name == "postgresql" else stmts[0], self._p(key=key))

    async def _insert(self, stmt: Stmt[Any], row: Any, names: list[str]) -> None:
        values = {n: getattr(row, n) for n in names if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(stmt, values))

    async def _update(self, stmts: Stmts, row: Any, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(stmts(frozenset(columns)), params)

    # -- sellers -----------------------------------------------------------------------------------------
    async def seller_by_external_id(self, external_id: str, *, lock: bool = False) -> SellerRow | None:
        return await self._one(_SELLER_BY_EXT, external_id, lock)

    async def seller(self, seller_id: int) -> SellerRow | None:
        return await (await self.db()).one(_SELLER_BY_ID, self._p(key=seller_id))

    async def sellers_by_ids(self, ids: list[int]) -> dict[int, SellerRow]:
        if not ids:
            return {}
        rows = await (await self.db()).all(_SELLERS_BY_IDS, self._p(ids=sorted(set(ids))))
        return {r.id: r for r in rows}

    async def insert_seller(self, row: SellerRow) -> None:
        await self._insert(_INSERT_SELLER, row, _names(SellerRow, SE))

    async def update_seller(self, row: SellerRow, columns: set[str]) -> None:
        await self._update(_UPDATE_SELLER, row, columns)

    async def sellers(
        self, *, kind: str | None, status: str | None, after_id: int | None, limit: int
    ) -> list[SellerRow]:
        stmt = _SELLER_LISTS(kind is not None, status is not None, after_id is not None)
        params = self._p(kind=kind, status=status, after_id=after_id, limit=limit)
        return await (await self.db()).all(stmt, params)

    # -- orders -------------------------------------------------------------------------------------------
    async def order_by_external_id(self, external_id: str, *, lock: bool = False) -> OrderRow | None:
        return await self._one(_ORDER_BY_EXT, external_id, lock)

    async def order(self, order_id: int) -> OrderRow | None:
        return await (await self.db()).one(_ORDER_BY_ID, self._p(key=order_id))

    async def insert_order(self, row: OrderRow) -> None:
        await self._insert(_INSERT_ORDER, row, _names(OrderRow, O))

    async def update_order(self, row: OrderRow, columns: set[str]) -> None:
        await self._update(_UPDATE_ORDER, row, columns)

    async def orders(
        self, f: OrderFilter, *, after: tuple[dt.datetime, int] | None, limit: int
    ) -> list[OrderRow]:
        stmt = _ORDER_LISTS(
            f.customer_id is not None,
            f.seller_id is not None,
            f.status is not None,
            f.fulfilment is not None,
            after is not None,
        )
        params = self._p(
            customer=f.customer_id,
            seller=f.seller_id,
            status=f.status,
            fulfilment=f.fulfilment,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return await (await self.db()).all(stmt, params)

    async def items_of(self, order_ids: list[int]) -> dict[int, list[ItemRow]]:
        out: dict[int, list[ItemRow]] = {i: [] for i in order_ids}
        if order_ids:
            for item in await (await self.db()).all(_ITEMS_OF, self._p(ids=sorted(set(order_ids)))):
                out[item.order_id].append(item)
        return out

    async def replace_items(self, order_id: int, items: list[ItemRow]) -> None:
        db = await self.db()
        await db.run(_DELETE_ITEMS, self._p(order=order_id))
        rows = []
        for item in items:
            item.workspace_id, item.order_id = self.workspace_id, order_id
            rows.append({n: getattr(item, n) for n in _ITEM_NAMES})
        await db.run_many(_INSERT_ITEM, rows)

    # -- shipments ----------------------------------------------------------------------------------------
    async def shipment_by_external_id(self, external_id: str, *, lock: bool = False) -> ShipmentRow | None:
        return await self._one(_SHIPMENT_BY_EXT, external_id, lock)

    async def shipment(self, shipment_id: int, *, lock: bool = False) -> ShipmentRow | None:
        return await self._one(_SHIPMENT_BY_ID, shipment_id, lock)

    async def insert_shipment(self, row: ShipmentRow) -> None:
        await self._insert(_INSERT_SHIPMENT, row, _names(ShipmentRow, SH))

    async def update_shipment(self, row: ShipmentRow, columns: set[str]) -> None:
        await self._update(_UPDATE_SHIPMENT, row, columns)

    async def shipments_of(self, order_ids: list[int]) -> dict[int, list[ShipmentRow]]:
        out: dict[int, list[ShipmentRow]] = {i: [] for i in order_ids}
        if order_ids:
            for s in await (await self.db()).all(_SHIPMENTS_OF, self._p(ids=sorted(set(order_ids)))):
                out[s.order_id].append(s)
        return out

    async def shipments(self, f: ShipmentFilter, *, after_id: int | None, limit: int) -> list[ShipmentRow]:
        stmt = _SHIPMENT_LISTS(f.order_id is not None, f.status is not None, f.stalled, after_id is not None)
        params = self._p(order=f.order_id, status=f.status, after_id=after_id, limit=limit)
        return await (await self.db()).all(stmt, params)

    async def stall_facts(self, shipment_id: int) -> StallFacts | None:
        return await (await self.db()).one(_STALL_FACTS, self._p(id=shipment_id))

    async def mark_stalled(self, shipment_id: int, reason: str, at: dt.datetime) -> bool:
        """Mark it unless it is marked already or has reached its end: True if this call did."""
        changed = await (await self.db()).run(_MARK_STALLED, self._p(id=shipment_id, reason=reason, at=at))
        return changed == 1

    async def stalled_candidates(
        self,
        *,
        no_progress_before: dt.datetime | None,
        promised_before: dt.datetime | None,
        after_id: int,
        limit: int,
    ) -> list[int]:
        if no_progress_before is None and promised_before is None:
            return []
        stmt = _CANDIDATES(no_progress_before is not None, promised_before is not None)
        params = self._p(
            no_progress_before=no_progress_before,
            promised_before=promised_before,
            after_id=after_id,
            limit=limit,
        )
        return [int(r[0]) for r in await (await self.db()).all(stmt, params)]

    # -- tracking events -----------------------------------------------------------------------------------
    async def known_event_keys(self, shipment_id: int, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        rows = await (await self.db()).all(_EVENT_KEYS, self._p(shipment=shipment_id, keys=sorted(set(keys))))
        return {str(r[0]) for r in rows}

    async def insert_events(self, events: list[TrackingRow]) -> None:
        rows = []
        for e in events:
            e.workspace_id = self.workspace_id
            rows.append({n: getattr(e, n) for n in _EVENT_NAMES})
        await (await self.db()).run_many(_INSERT_EVENT, rows)

    async def events_of(self, shipment_ids: list[int]) -> dict[int, list[TrackingRow]]:
        out: dict[int, list[TrackingRow]] = {i: [] for i in shipment_ids}
        if shipment_ids:
            for e in await (await self.db()).all(_EVENTS_OF, self._p(ids=sorted(set(shipment_ids)))):
                out[e.shipment_id].append(e)
        return out

    # -- the connection ------------------------------------------------------------------------------------
    async def connection(self) -> ConnectionRow | None:
        return await (await self.db()).one(_CONNECTION, self._p())

    async def insert_connection(self, row: ConnectionRow) -> None:
        await self._insert(_INSERT_CONNECTION, row, _names(ConnectionRow, CN))

    async def update_connection(self, row: ConnectionRow) -> None:
        params = self._p(
            v_inbound_secret=row.inbound_secret,
            v_outbound_url=row.outbound_url,
            v_outbound_secret=row.outbound_secret,
            v_updated_at=row.updated_at,
        )
        await (await self.db()).run(_UPDATE_CONNECTION, params)
