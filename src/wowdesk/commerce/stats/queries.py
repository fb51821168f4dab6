"""Reads of commerce's counts, for reports (contacts per order) and seller metrics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce.stats.repository import SellerRecord, StatsRepository, workspaces_having_sellers

__all__ = ["SellerRecord"]


async def orders_per_seller(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    """Orders placed in [since, until), per seller id."""
    return await StatsRepository(session, workspace_id).orders_per_seller(since, until)


async def orders_per_sku(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime, skus: list[str]
) -> dict[str, int]:
    """How many orders placed in [since, until) contain each of ``skus``."""
    return await StatsRepository(session, workspace_id).orders_per_sku(since, until, sorted(set(skus)))


async def sellers_and_items_of(
    session: AsyncSession, workspace_id: int, order_ids: list[int]
) -> tuple[dict[int, int], dict[int, list[tuple[str, str]]]]:
    """For the given orders: their seller ids, and their items' (sku, name)."""
    repo = StatsRepository(session, workspace_id)
    ids = sorted(set(order_ids))
    items: dict[int, list[tuple[str, str]]] = {}
    for order_id, sku, name in await repo.items_of(ids):
        items.setdefault(order_id, []).append((sku, name))
    return {o: seller for o, (seller, _fulfilment) in (await repo.sellers_of(ids)).items()}, items


async def order_sellers(
    session: AsyncSession, workspace_id: int, order_ids: list[int], *, since: dt.datetime, until: dt.datetime
) -> dict[int, tuple[int, str]]:
    """Of the given orders, those placed in [since, until): order id → (seller id, fulfilment)."""
    return await StatsRepository(session, workspace_id).sellers_of(sorted(set(order_ids)), (since, until))


async def seller_records(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> dict[int, SellerRecord]:
    """Each seller's orders placed in [since, until): how many, how many were cancelled for being
    out of stock before shipping, how many were due to ship and how many of those shipped late (or
    are unshipped past their ship-by time at ``now``)."""
    rows = await StatsRepository(session, workspace_id).seller_records(since, until, now)
    return {r.seller_id: r for r in rows}


async def customer_orders(
    session: AsyncSession, workspace_id: int, customer_id: int, since: dt.datetime
) -> int:
    """How many orders the customer placed since ``since``."""
    return await StatsRepository(session, workspace_id).customer_orders(customer_id, since)


async def customer_order_numbers(
    session: AsyncSession, workspace_id: int, customer_id: int, *, limit: int = 20
) -> list[tuple[int, str, dt.datetime]]:
    """(id, number, placed at) of the customer's latest orders, newest first: what a form offers
    to say which order a ticket is about."""
    return await StatsRepository(session, workspace_id).customer_order_numbers(customer_id, limit)


async def chargebacks(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[int, int]]:
    """(order id, seller id) of orders placed in [since, until) that were charged back."""
    return await StatsRepository(session, workspace_id).chargebacks(since, until)


async def workspaces_with_sellers(session: AsyncSession) -> list[int]:
    """Every workspace that has at least one seller (the seller-metrics job's round)."""
    return await workspaces_having_sellers(session)
