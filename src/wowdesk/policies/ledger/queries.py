"""Reads of the ledger: entries (one with its audit trail, or a filtered list), the approvals
queue, a customer's credit, and what an agent may still grant today.

Who sees what: LEDGER_READ (supervisors, admins) sees the whole ledger; an agent sees the entries
they asked for, and all the entries of a ticket assigned to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import (
    APPROVALS_DECIDE,
    COMMERCE_WRITE,
    COMPENSATION_GRANT,
    CUSTOMERS_READ,
    LEDGER_READ,
)
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Forbidden, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import Page
from wowdesk.core.uow import context, now
from wowdesk.customers import queries as customers
from wowdesk.policies.authority import queries as authority
from wowdesk.policies.authority.schemas import KINDS, Day
from wowdesk.policies.ledger import states
from wowdesk.policies.ledger.models import ApprovalRow, EntryRow, LogRow, SpendRow
from wowdesk.policies.ledger.repository import MAX_PAGE, LedgerRepository
from wowdesk.policies.ledger.schemas import (
    ApprovalOut,
    ApprovalWithEntryOut,
    AuditLineOut,
    BalanceOut,
    CreditsOut,
    EntryDetailOut,
    KindAuthorityOut,
    LedgerEntryOut,
    LedgerFilter,
    MyAuthorityOut,
    SpendOut,
    TicketRef,
)

# The composition root puts here how to find a ticket (tickets are a room above this one):
# ``async (session, workspace_id, ticket_id) -> TicketRef | None``.
TICKET_LOOKUP = "policies.ledger.ticket_lookup"
TicketLookup = Callable[[AsyncSession, int, int], Awaitable[TicketRef | None]]

__all__ = ["LedgerFilter"]


async def find_ticket(session: AsyncSession, workspace_id: int, ticket_id: int) -> TicketRef | bool | None:
    """The ticket, None when the workspace has none with this id, or True when no lookup is
    configured (the ticket cannot be checked here)."""
    lookup: TicketLookup | None = context(session).get(TICKET_LOOKUP)
    if lookup is None:
        return True
    return await lookup(session, workspace_id, ticket_id)


# -- shaping ------------------------------------------------------------------------------------------------


def entry_out(e: EntryRow) -> LedgerEntryOut:
    return LedgerEntryOut(
        id=e.id,
        kind=e.kind,
        status=e.status,
        amount_minor=e.amount_minor,
        currency=e.currency,
        customer_id=e.customer_id,
        order_id=e.order_id,
        shipment_id=e.shipment_id,
        ticket_id=e.ticket_id,
        seller_id=e.seller_id,
        fulfilment=e.fulfilment,
        agent_id=e.agent_id,
        actor=e.actor,
        policy_id=e.policy_id,
        policy_version=e.policy_version,
        reason_code=e.reason_code,
        note=e.note,
        idempotency_key=e.idempotency_key,
        authorised_by=e.authorised_by,
        authorised_at=e.authorised_at,
        external_reference=e.external_reference,
        failure_reason=e.failure_reason,
        delivered_at=e.delivered_at,
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


def approval_out(a: ApprovalRow) -> ApprovalOut:
    return ApprovalOut(
        id=a.id,
        entry_id=a.entry_id,
        status=a.status,
        requested_by=a.requested_by,
        request_reason=a.request_reason,
        decided_by=a.decided_by,
        decision_reason=a.decision_reason,
        decided_at=a.decided_at,
        created_at=a.created_at,
    )


def _audit_out(line: LogRow) -> AuditLineOut:
    return AuditLineOut(
        id=line.id,
        action=line.action,
        from_status=line.from_status,
        to_status=line.to_status,
        actor=line.actor,
        reason=line.reason,
        created_at=line.created_at,
    )


def spend_out(s: SpendRow, *, replayed: bool = False) -> SpendOut:
    return SpendOut(
        id=s.id,
        customer_id=s.customer_id,
        amount_minor=s.amount_minor,
        currency=s.currency,
        order_reference=s.order_reference,
        note=s.note,
        actor=s.actor,
        balance_after_minor=s.balance_after_minor,
        created_at=s.created_at,
        replayed=replayed,
    )


# -- entries ------------------------------------------------------------------------------------------------


async def _assigned_to(session: AsyncSession, actor: Actor, ticket_id: int | None) -> bool:
    if ticket_id is None or actor.id is None:
        return False
    ticket = await find_ticket(session, actor.workspace_id, ticket_id)
    return isinstance(ticket, TicketRef) and ticket.assignee_id == actor.id


async def _may_see(session: AsyncSession, actor: Actor, e: EntryRow) -> bool:
    if actor.can(LEDGER_READ):
        return True
    if not actor.can(COMPENSATION_GRANT):
        return False
    return e.agent_id == actor.id or await _assigned_to(session, actor, e.ticket_id)


async def get_entry(session: AsyncSession, actor: Actor, entry_id: int) -> EntryDetailOut:
    """One entry with its approval and its audit trail (404 when the actor may not see it)."""
    repo = LedgerRepository(session, actor.workspace_id)
    entry = await repo.entry(entry_id)
    if entry is None or not await _may_see(session, actor, entry):
        raise NotFound(N_("Compensation not found."))
    approval = await repo.approval_of(entry.id)
    return EntryDetailOut(
        entry=entry_out(entry),
        approval=approval_out(approval) if approval else None,
        audit=[_audit_out(line) for line in await repo.log_of(entry.id)],
    )


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    *,
    customer_id: int | None = None,
    order_id: int | None = None,
    ticket_id: int | None = None,
    agent_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before: int | None = None,
    limit: int = 50,
) -> Page[LedgerEntryOut]:
    """Entries, newest first (pages by id: `before` is the last id of the previous page). An agent
    without LEDGER_READ gets their own entries, and with `ticket_id` of a ticket assigned to them,
    all of that ticket's."""
    own: tuple[int, int] | None = None
    if not actor.can(LEDGER_READ):
        if not actor.can(COMPENSATION_GRANT) or actor.id is None:
            raise Forbidden()
        mine = ticket_id if ticket_id is not None and await _assigned_to(session, actor, ticket_id) else 0
        own = (actor.id, mine)
    rows = await LedgerRepository(session, actor.workspace_id).entries(
        customer_id=customer_id,
        order_id=order_id,
        ticket_id=ticket_id,
        agent_id=agent_id,
        own=own,
        kind=kind,
        status=status,
        since=since,
        until=until,
        before=before,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = str(rows[-1].id) if more and rows else None
    return Page(items=[entry_out(r) for r in rows], next_cursor=cursor)


async def list_filtered(
    session: AsyncSession, actor: Actor, f: LedgerFilter, *, before: int | None = None, limit: int = 50
) -> Page[LedgerEntryOut]:
    return await list_entries(
        session,
        actor,
        customer_id=f.customer_id,
        order_id=f.order_id,
        ticket_id=f.ticket_id,
        agent_id=f.agent_id,
        kind=f.kind,
        status=f.status,
        since=f.since,
        until=f.until,
        before=before,
        limit=limit,
    )


async def customer_history(
    session: AsyncSession, workspace_id: int, customer_id: int, since: dt.datetime
) -> list[LedgerEntryOut]:
    """The customer's compensations since ``since`` that counted (not declined, not failed), newest
    first, at most a page: what the abuse score reads."""
    rows = await LedgerRepository(session, workspace_id).entries(
        customer_id=customer_id,
        order_id=None,
        ticket_id=None,
        agent_id=None,
        own=None,
        kind=None,
        status=None,
        since=since,
        until=None,
        before=None,
        limit=MAX_PAGE,
    )
    return [entry_out(r) for r in rows if r.status in states.COUNTED]


async def returned_on_order(session: AsyncSession, workspace_id: int, order_id: int) -> int:
    """Money returned (or asked to be) for an order: refunds and shipping reimbursements that were
    not declined and did not fail."""
    return await LedgerRepository(session, workspace_id).returned_on_order(
        order_id, ["refund", "shipping_reimbursement"], sorted(states.COUNTED)
    )


# -- approvals ----------------------------------------------------------------------------------------------


async def list_approvals(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None = "pending",
    before: int | None = None,
    limit: int = 50,
) -> Page[ApprovalWithEntryOut]:
    """The approvals queue (APPROVALS_DECIDE), newest first, each with its entry."""
    actor.require(APPROVALS_DECIDE)
    repo = LedgerRepository(session, actor.workspace_id)
    rows = await repo.approvals(status=status, before=before, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for a in rows:
        entry = await repo.entry(a.entry_id)
        if entry is not None:
            items.append(ApprovalWithEntryOut(**approval_out(a).model_dump(), entry=entry_out(entry)))
    return Page(items=items, next_cursor=str(rows[-1].id) if more and rows else None)


# -- credit -------------------------------------------------------------------------------------------------


def _may_read_credit(actor: Actor) -> bool:
    return any(actor.can(p) for p in (LEDGER_READ, COMPENSATION_GRANT, COMMERCE_WRITE, CUSTOMERS_READ))


async def credit_balance(
    session: AsyncSession, actor: Actor, customer_id: int, currency: str | None = None
) -> int:
    """The customer's credit in `currency` (by default the workspace's), in minor units."""
    if not _may_read_credit(actor):
        raise Forbidden()
    if currency is None:
        currency, _tz = await authority.workspace_money(session, actor.workspace_id)
    row = await LedgerRepository(session, actor.workspace_id).balance(customer_id, currency)
    return row.balance_minor if row else 0


async def get_credits(
    session: AsyncSession, actor: Actor, customer_id: int, *, limit: int = 50
) -> CreditsOut:
    if not _may_read_credit(actor):
        raise Forbidden()
    if await customers.find_customer(session, actor.workspace_id, customer_id) is None:
        raise NotFound(N_("Customer not found."))
    repo = LedgerRepository(session, actor.workspace_id)
    return CreditsOut(
        customer_id=customer_id,
        balances=[
            BalanceOut(currency=b.currency, balance_minor=b.balance_minor)
            for b in await repo.balances(customer_id)
        ],
        spends=[spend_out(s) for s in await repo.spends(customer_id, limit=limit)],
    )


# -- authority in use ---------------------------------------------------------------------------------------


async def today(session: AsyncSession, workspace_id: int) -> Day:
    _currency, tz = await authority.workspace_money(session, workspace_id)
    return authority.day_of(now(session), tz)


async def authorised_today(
    session: AsyncSession, workspace_id: int, agent_id: int, currency: str, *, exclude: int = 0
) -> dict[str, int]:
    """What an agent authorised today (the workspace's day), per kind, in `currency`."""
    day = await today(session, workspace_id)
    return await LedgerRepository(session, workspace_id).authorised(
        agent_id, day.start, day.end, currency, sorted(states.EFFECTIVE), exclude=exclude
    )


async def my_authority(session: AsyncSession, actor: Actor) -> MyAuthorityOut:
    """The actor's limits and what they may still grant today without approval."""
    actor.require(COMPENSATION_GRANT)
    limits = await authority.limits_for(session, actor)
    currency, _tz = await authority.workspace_money(session, actor.workspace_id)
    day = await today(session, actor.workspace_id)
    used: dict[str, dict[str, int]] = {}  # per currency of a limit (the workspace's, unless it changed)
    if actor.kind == "agent" and actor.id is not None:
        for cur in {limit.currency for limit in limits.values()}:
            used[cur] = await authorised_today(session, actor.workspace_id, actor.id, cur)
    kinds = {}
    for kind in KINDS:
        limit = limits[kind]
        spent = used.get(limit.currency, {}).get(kind, 0)
        kinds[kind] = KindAuthorityOut(
            per_grant_minor=limit.per_grant_minor,
            per_day_minor=limit.per_day_minor,
            used_today_minor=spent,
            max_now_minor=limit.remaining_today(spent),
        )
    return MyAuthorityOut(
        agent_id=actor.id,
        role=actor.role,
        currency=currency,
        day=day.date,
        time_zone=day.time_zone,
        kinds=kinds,
    )
