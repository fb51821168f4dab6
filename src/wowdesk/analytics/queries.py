"""Contacts per order: how often customers get in touch for every order placed, per contact reason,
per seller and per product, over a period. The headline figure of a customer-centric shop: the best
contact is the one the customer never needed; a reason, seller or product whose rate stands out is
a problem to fix at its source."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import REPORTS_READ
from wowdesk.analytics.schemas import ContactsBy, ContactsReport, ContactsRow
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.stats import queries as order_stats
from wowdesk.conversations import queries as conversations
from wowdesk.core.actor import Actor
from wowdesk.core.i18n import _
from wowdesk.core.uow import now
from wowdesk.policies.reasons import queries as reasons
from wowdesk.tickets import queries as tickets

MAX_ROWS = 50


def _rate(contacts: int, orders: int) -> float | None:
    return round(contacts / orders, 4) if orders else None


async def contacts_per_order(
    session: AsyncSession,
    actor: Actor,
    *,
    by: ContactsBy = "reason",
    days: int = 60,
    reason: str | None = None,
) -> ContactsReport:
    """Over the last ``days`` days (to now): contacts (tickets made, chats begun that did not become
    tickets) against orders placed, grouped ``by`` reason, seller or product, largest first."""
    actor.require(REPORTS_READ)
    until = now(session)
    since = until - dt.timedelta(days=days)
    ws = actor.workspace_id
    contacts = [
        *await tickets.contacts_between(session, ws, since, until),
        *await conversations.contacts_between(session, ws, since, until),
    ]
    if reason is not None:
        contacts = [c for c in contacts if c[1] == reason]
    per_seller = await order_stats.orders_per_seller(session, ws, since, until)
    orders = sum(per_seller.values())
    about_orders = [order_id for order_id, _reason in contacts if order_id is not None]
    if by == "reason":
        rows = await _by_reason(session, actor, Counter(code or "" for _order, code in contacts), orders)
    elif by == "seller":
        rows = await _by_seller(session, actor, about_orders, per_seller)
    else:
        rows = await _by_product(session, ws, about_orders, since, until)
    total = sum(r.contacts for r in rows) or 1
    for r in rows:
        r.share = round(r.contacts / total, 4)
    return ContactsReport(
        by=by,
        reason=reason,
        since=since,
        until=until,
        orders=orders,
        contacts=len(contacts),
        contacts_about_an_order=len(about_orders),
        contacts_per_order=_rate(len(contacts), orders),
        rows=rows[:MAX_ROWS],
    )


def _sorted(rows: list[ContactsRow]) -> list[ContactsRow]:
    return sorted(rows, key=lambda r: (-r.contacts, r.key))


async def _by_reason(
    session: AsyncSession, actor: Actor, counts: Counter[str], orders: int
) -> list[ContactsRow]:
    names = {
        r.code: reasons.reason_out(r).name
        for r in await reasons.list_reasons(session, actor, include_inactive=True)
    }
    return _sorted(
        [
            ContactsRow(
                key=code,
                label=names.get(code, code) if code else _("No reason given"),
                contacts=n,
                orders=orders,
                contacts_per_order=_rate(n, orders),
                share=0.0,
            )
            for code, n in counts.items()
        ]
    )


async def _by_seller(
    session: AsyncSession, actor: Actor, about_orders: list[int], per_seller: dict[int, int]
) -> list[ContactsRow]:
    sellers, _items = await order_stats.sellers_and_items_of(session, actor.workspace_id, about_orders)
    counts = Counter(sellers[o] for o in about_orders if o in sellers)
    top = counts.most_common(MAX_ROWS)
    names = await commerce.seller_names(session, actor.workspace_id, [seller_id for seller_id, _n in top])
    rows = []
    for seller_id, n in top:
        label = names.get(seller_id) or _("Seller {id}", id=seller_id)
        orders = per_seller.get(seller_id, 0)
        rows.append(
            ContactsRow(
                key=str(seller_id),
                label=label,
                contacts=n,
                orders=orders,
                contacts_per_order=_rate(n, orders),
                share=0.0,
            )
        )
    return _sorted(rows)


async def _by_product(
    session: AsyncSession, workspace_id: int, about_orders: list[int], since: dt.datetime, until: dt.datetime
) -> list[ContactsRow]:
    _sellers, items = await order_stats.sellers_and_items_of(session, workspace_id, about_orders)
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for order_id in about_orders:
        for sku in {sku for sku, _name in items.get(order_id, [])}:
            counts[sku] += 1
        for sku, name in items.get(order_id, []):
            names.setdefault(sku, name)
    top = [sku for sku, _n in counts.most_common(MAX_ROWS)]
    per_sku = await order_stats.orders_per_sku(session, workspace_id, since, until, top)
    return _sorted(
        [
            ContactsRow(
                key=sku,
                label=names.get(sku, sku),
                contacts=counts[sku],
                orders=per_sku.get(sku, 0),
                contacts_per_order=_rate(counts[sku], per_sku.get(sku, 0)),
                share=0.0,
            )
            for sku in top
        ]
    )
