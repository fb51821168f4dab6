"""Every statement of commerce's counts, prepared once (``core.sql``, ADR 0009). Periods are
``placed_at`` in [since, until), read from the (workspace_id, placed_at) index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from wowdesk.commerce.models import Order, OrderItem, Seller
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, driver, in_list

O = cast(Table, Order.__table__)  # noqa: E741
IT = cast(Table, OrderItem.__table__)
SE = cast(Table, Seller.__table__)
WS: BindParameter[Any] = bindparam("ws")


def _at(name: str) -> Any:
    return bindparam(name, type_=O.c.placed_at.type)


_IN_PERIOD = (O.c.workspace_id == WS, O.c.placed_at >= _at("since"), O.c.placed_at < _at("until"))

_ORDERS_PER_SELLER = Stmt(select(O.c.seller_id, func.count()).where(*_IN_PERIOD).group_by(O.c.seller_id))
_ORDERS_PER_SKU = Stmt(
    select(IT.c.sku, func.count(func.distinct(IT.c.order_id)))
    .select_from(IT.join(O, and_(O.c.id == IT.c.order_id, O.c.workspace_id == IT.c.workspace_id)))
    .where(*_IN_PERIOD, in_list(IT.c.sku, "skus"))
    .group_by(IT.c.sku)
)
_SELLERS_OF = Stmt(
    select(O.c.id, O.c.seller_id, O.c.fulfilment).where(O.c.workspace_id == WS, in_list(O.c.id, "ids"))
)
_PLACED_SELLERS_OF = Stmt(
    select(O.c.id, O.c.seller_id, O.c.fulfilment).where(*_IN_PERIOD, in_list(O.c.id, "ids"))
)
_ITEMS_OF = Stmt(
    select(IT.c.order_id, IT.c.sku, IT.c.name)
    .where(IT.c.workspace_id == WS, in_list(IT.c.order_id, "ids"))
    .order_by(IT.c.order_id, IT.c.position)
)
_OUT_OF_STOCK = and_(O.c.status == "cancelled", O.c.cancel_reason == "out_of_stock", O.c.shipped_at.is_(None))
# Late: shipped after its ship-by time, or not shipped (nor cancelled) and past it now.
_LATE = and_(
    O.c.ship_by.is_not(None),
    case(
        (O.c.shipped_at.is_not(None), O.c.shipped_at > O.c.ship_by),
        else_=and_(O.c.status != "cancelled", O.c.ship_by < _at("now")),
    ),
)
_SELLER_RECORD = Stmt(
    select(
        O.c.seller_id,
        func.count(),
        func.sum(case((_OUT_OF_STOCK, 1), else_=0)),
        func.sum(case((and_(O.c.ship_by.is_not(None), O.c.status != "cancelled"), 1), else_=0)),
        func.sum(case((_LATE, 1), else_=0)),
    )
    .where(*_IN_PERIOD)
    .group_by(O.c.seller_id)
)
_CUSTOMER_ORDERS = Stmt(
    select(func.count()).where(
        O.c.workspace_id == WS, O.c.customer_id == bindparam("customer"), O.c.placed_at >= _at("since")
    )
)
_CUSTOMER_ORDER_NUMBERS = Stmt(
    select(O.c.id, O.c.number, O.c.placed_at)
    .where(O.c.workspace_id == WS, O.c.customer_id == bindparam("customer"))
    .order_by(O.c.placed_at.desc(), O.c.id.desc())
    .limit(bindparam("limit"))
)
_CHARGEBACKS = Stmt(select(O.c.id, O.c.seller_id).where(*_IN_PERIOD, O.c.chargeback_at.is_not(None)))


@dataclass(frozen=True, slots=True)
class SellerRecord:
    seller_id: int
    orders: int
    cancelled_out_of_stock: int
    due_to_ship: int  # orders with a ship-by time that were not cancelled
    shipped_late: int


class StatsRepository(StatementRepository):
    async def orders_per_seller(self, since: dt.datetime, until: dt.datetime) -> dict[int, int]:
        rows = await (await self.db()).all(_ORDERS_PER_SELLER, self._p(since=since, until=until))
        return {int(r[0]): int(r[1]) for r in rows}

    async def orders_per_sku(self, since: dt.datetime, until: dt.datetime, skus: list[str]) -> dict[str, int]:
        if not skus:
            return {}
        rows = await (await self.db()).all(_ORDERS_PER_SKU, self._p(since=since, until=until, skus=skus))
        return {str(r[0]): int(r[1]) for r in rows}

    async def sellers_of(
        self, order_ids: list[int], period: tuple[dt.datetime, dt.datetime] | None = None
    ) -> dict[int, tuple[int, str]]:
        """order id → (seller id, fulfilment), of those orders (placed in ``period`` if given)."""
        if not order_ids:
            return {}
        if period is None:
            rows = await (await self.db()).all(_SELLERS_OF, self._p(ids=order_ids))
        else:
            params = self._p(ids=order_ids, since=period[0], until=period[1])
            rows = await (await self.db()).all(_PLACED_SELLERS_OF, params)
        return {int(r[0]): (int(r[1]), str(r[2])) for r in rows}

    async def items_of(self, order_ids: list[int]) -> list[tuple[int, str, str]]:
        rows = await (await self.db()).all(_ITEMS_OF, self._p(ids=order_ids)) if order_ids else []
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def seller_records(
        self, since: dt.datetime, until: dt.datetime, now: dt.datetime
    ) -> list[SellerRecord]:
        rows = await (await self.db()).all(_SELLER_RECORD, self._p(since=since, until=until, now=now))
        return [
            SellerRecord(int(r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows
        ]

    async def customer_orders(self, customer_id: int, since: dt.datetime) -> int:
        return int(
            await (await self.db()).scalar(_CUSTOMER_ORDERS, self._p(customer=customer_id, since=since)) or 0
        )

    async def customer_order_numbers(
        self, customer_id: int, limit: int
    ) -> list[tuple[int, str, dt.datetime]]:
        rows = await (await self.db()).all(
            _CUSTOMER_ORDER_NUMBERS, self._p(customer=customer_id, limit=limit)
        )
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    async def chargebacks(self, since: dt.datetime, until: dt.datetime) -> list[tuple[int, int]]:
        rows = await (await self.db()).all(_CHARGEBACKS, self._p(since=since, until=until))
        return [(int(r[0]), int(r[1])) for r in rows]


_WORKSPACES_WITH_SELLERS = Stmt(select(SE.c.workspace_id).distinct().order_by(SE.c.workspace_id))


async def workspaces_having_sellers(session: AsyncSession) -> list[int]:
    return [int(r[0]) for r in await (await driver(session)).all(_WORKSPACES_WITH_SELLERS)]
