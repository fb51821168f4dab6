"""Reads of tickets answered by e-mail: the address a customer's replies go to, and what the
console shows about it near a ticket's reply box."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.customers import queries as customers
from wowdesk.customers.queries import CustomerRow
from wowdesk.tickets.models import TicketRow

REPLIES_BY_EMAIL = "email"
UNVERIFIED_EMAIL = "unverified_email"  # the address a visitor typed (conversations.do_identify_visitor)
MAX_MERGE_HOPS = 20


async def surviving_customer(
    session: AsyncSession, workspace_id: int, customer_id: int
) -> CustomerRow | None:
    """The customer, or the one it was merged into (following merges of merges)."""
    seen: set[int] = set()
    customer = await customers.find_customer(session, workspace_id, customer_id)
    while customer is not None and customer.merged_into_id is not None and len(seen) < MAX_MERGE_HOPS:
        seen.add(customer.id)
        if customer.merged_into_id in seen:
            break
        customer = await customers.find_customer(session, workspace_id, customer.merged_into_id)
    return customer


async def address_of(session: AsyncSession, customer: CustomerRow) -> str | None:
    """Where e-mail to this customer goes: their first e-mail address on record (given by an agent,
    an integration or the site's verified identity), else the one they typed in the chat."""
    described = await customers.describe_customer(session, customer.workspace_id, customer)
    if described.emails:
        return described.emails[0]
    typed = (customer.custom_attributes or {}).get(UNVERIFIED_EMAIL)
    return typed if isinstance(typed, str) and "@" in typed else None


async def reply_address(session: AsyncSession, workspace_id: int, customer_id: int) -> str | None:
    customer = await surviving_customer(session, workspace_id, customer_id)
    return await address_of(session, customer) if customer is not None else None


async def reply_panel(session: AsyncSession, ticket: TicketRow) -> dict[str, Any]:
    """For the console's ticket page: whether replies go by e-mail, and to whom (nothing to read
    for a ticket that does not e-mail)."""
    if ticket.replies_by != REPLIES_BY_EMAIL:
        return {"replies_by_email": False}
    return {
        "replies_by_email": True,
        "reply_address": await reply_address(session, ticket.workspace_id, ticket.requester_id),
    }
