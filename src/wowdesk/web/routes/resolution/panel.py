"""The resolution panel of the ticket page (``commerce/_panel.html``): the requester's orders with
their parcels and tracking, their credit and past compensations, the policies' suggestions for the
ticket, and what the agent may still grant today. A fixed number of queries whatever the
customer's history (at most ``ORDERS`` orders, ``ENTRIES`` entries)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMMERCE_READ, COMPENSATION_GRANT, LEDGER_READ
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import OrderOut, ShipmentOut
from wowdesk.core.i18n import _
from wowdesk.core.money import format_money, to_decimal
from wowdesk.core.uow import now
from wowdesk.policies.authority.schemas import KINDS
from wowdesk.policies.ledger import queries as ledger
from wowdesk.policies.ledger.schemas import REASON_CODES, LedgerEntryOut
from wowdesk.policies.resolutions import queries as resolutions
from wowdesk.tickets.models import TicketRow
from wowdesk.web.console import Console
from wowdesk.web.labels import label
from wowdesk.web.routes.resolution import words

ORDERS = 10  # the requester's latest orders on the panel
ENTRIES = 10  # their latest compensations
ENDS = frozenset({"delivered", "returned", "cancelled"})
KEY_PREFIX = "console:"


def new_key() -> str:
    """The idempotency key a grant form carries: the same form sent twice pays once."""
    return KEY_PREFIX + secrets.token_urlsafe(18)


def money(amount_minor: int, currency: str, language: str) -> str:
    return format_money(amount_minor, currency, language)


def plain_amount(amount_minor: int, currency: str) -> str:
    """An amount as an agent types it ("2050.00"), to fill a form."""
    return str(to_decimal(amount_minor, currency))


def _shipment(s: ShipmentOut, at: dt.datetime) -> dict[str, Any]:
    open_ = s.status not in ENDS
    last = s.last_event_at or s.shipped_at
    return {
        "s": s,
        "status": label(words.SHIPMENT_STATUS, s.status),
        "colour": words.SHIPMENT_COLOUR.get(s.status, "status-pending"),
        "service": label(words.SERVICE_LEVEL, s.service_level),
        "stalled": s.stalled_at is not None and open_,
        "late": open_ and s.promised_at is not None and s.promised_at < at,
        "quiet_days": (at - last).days if open_ and last is not None else 0,
        "events": list(reversed(s.events)),  # newest first
    }


def _order(o: OrderOut, at: dt.datetime, left: int | None) -> dict[str, Any]:
    shipments = [_shipment(s, at) for s in o.shipments]
    return {
        "o": o,
        "status": label(words.ORDER_STATUS, o.status),
        "colour": words.ORDER_COLOUR.get(o.status, ""),
        "fulfilment": label(words.FULFILMENT, o.fulfilment),
        "seller_kind": label(words.SELLER_KIND, o.seller.kind),
        "shipments": shipments,
        "stalled": any(s["stalled"] for s in shipments),
        "refundable_minor": left,
    }


async def _entries(session: AsyncSession, c: Console, t: TicketRow) -> list[LedgerEntryOut]:
    """The customer's latest compensations the agent may see: all of them with LEDGER_READ, else
    their own and (when the ticket is theirs) the ticket's."""
    if c.can(LEDGER_READ):
        return (await ledger.list_entries(session, c.actor, customer_id=t.requester_id, limit=ENTRIES)).items
    if not c.can(COMPENSATION_GRANT):
        return []
    own = (await ledger.list_entries(session, c.actor, customer_id=t.requester_id, limit=ENTRIES)).items
    if t.assignee_id != c.actor.id:  # the ledger shows others' entries of a ticket to its assignee only
        return own
    here = (await ledger.list_entries(session, c.actor, ticket_id=t.id, limit=ENTRIES)).items
    merged = {e.id: e for e in [*own, *here] if e.customer_id == t.requester_id}
    return sorted(merged.values(), key=lambda e: e.id, reverse=True)[:ENTRIES]


def describe_entry(e: LedgerEntryOut, numbers: dict[int, str], language: str) -> dict[str, Any]:
    return {
        "e": e,
        "kind": label(words.GRANT_KIND, e.kind),
        "status": label(words.ENTRY_STATUS, e.status),
        "colour": words.ENTRY_COLOUR.get(e.status, ""),
        "amount": money(e.amount_minor, e.currency, language),
        "reason": label(words.REASON, e.reason_code),
        "order": numbers.get(e.order_id or 0, f"#{e.order_id}" if e.order_id else ""),
        "by_policy": e.policy_id is not None and e.agent_id is None,
    }


def grants_text(grants: list[dict[str, Any]], language: str) -> str:
    """ "Refund NT$2,050.00, Goodwill credit NT$100.00" """
    return ", ".join(
        f"{label(words.GRANT_KIND, g['kind'])} {money(int(g['amount_minor']), str(g['currency']), language)}"
        for g in grants
    )


async def _suggestions(session: AsyncSession, c: Console, t: TicketRow) -> list[dict[str, Any]]:
    rows = await resolutions.list_suggestions(session, c.actor, t.id)
    if not rows:
        return []
    names = {p.id: p.name for p in await resolutions.list_policies(session, c.actor)}
    out = []
    for row in rows:
        s = resolutions.suggestion_out(row)
        grants = [g.model_dump() for g in s.grants]
        outcome = (s.outcome or {}).get("grants", [])
        waiting = [g for g in outcome if g.get("approval_id")]
        why = words.WHY.get(s.why)
        out.append(
            {
                "s": s,
                "policy": names.get(s.policy_id, f"#{s.policy_id}"),
                "grants": grants_text(grants, c.language),
                "why": _(why, days=int(row.proposal.get("days") or 0)) if why else "",
                "reason": label(words.REASON, s.reason_code),
                "offer_max": plain_amount(s.grants[0].amount_minor, s.grants[0].currency)
                if s.kind == "offer" and s.grants
                else "",
                "offer_max_text": money(s.grants[0].amount_minor, s.grants[0].currency, c.language)
                if s.kind == "offer" and s.grants
                else "",
                "granted": grants_text([g for g in outcome if not g.get("approval_id")], c.language),
                "waiting": grants_text(waiting, c.language),
            }
        )
    # Open ones first (the newest first within each group: the query's order).
    return sorted(out, key=lambda x: x["s"].status != "open")


async def _authority(session: AsyncSession, c: Console) -> list[dict[str, Any]]:
    mine = await ledger.my_authority(session, c.actor)
    out = []
    for kind in KINDS:
        k = mine.kinds[kind]
        out.append(
            {
                "kind": kind,
                "label": label(words.GRANT_KIND, kind),
                "unlimited": k.max_now_minor is None,
                "max_now": money(k.max_now_minor, mine.currency, c.language)
                if k.max_now_minor is not None
                else "",
                "used": money(k.used_today_minor, mine.currency, c.language),
            }
        )
    return out


async def resolution_panel(session: AsyncSession, c: Console, t: TicketRow) -> dict[str, Any]:
    """The context of ``commerce/_panel.html`` (``res``; None when the agent may not read orders)."""
    if not c.can(COMMERCE_READ):
        return {"res": None}
    at = now(session)
    grant = c.can(COMPENSATION_GRANT)
    orders = await commerce.list_customer_orders(session, c.actor, t.requester_id, limit=ORDERS)
    shown = []
    for o in orders:
        left = None
        if grant:
            left = max(0, o.total_minor - await ledger.returned_on_order(session, c.actor.workspace_id, o.id))
        shown.append(_order(o, at, left))
    numbers = {o.id: o.number for o in orders}
    entries = [describe_entry(e, numbers, c.language) for e in await _entries(session, c, t)]
    balance = 0
    if grant or c.can(LEDGER_READ):  # credit is kept in the workspace's currency
        balance = await ledger.credit_balance(session, c.actor, t.requester_id, c.workspace.currency)
    focus = next((o for o in shown if o["stalled"]), shown[0] if shown else None)
    return {
        "res": {
            "orders": shown,
            "entries": entries,
            "balance": money(balance, c.workspace.currency, c.language) if balance else "",
            "suggestions": await _suggestions(session, c, t) if grant else [],
            "authority": await _authority(session, c) if grant else [],
            "can_grant": grant and t.status != "closed",
            "kinds": [(k, label(words.GRANT_KIND, k)) for k in KINDS],
            "reasons": [(r, label(words.REASON, r)) for r in REASON_CODES],
            "currency": c.workspace.currency,
            "defaults": {
                "kind": "refund",
                "order_id": focus["o"].id if focus else "",
                "reason_code": "lost_parcel" if focus and focus["stalled"] else "",
                "amount": "",
                "note": "",
                "key": new_key(),
            },
            "can_ledger": c.can(LEDGER_READ),
        }
    }
