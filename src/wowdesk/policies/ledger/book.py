"""The ledger's bookkeeping, shared by its actions: the checks a grant passes (the order, the
refundable amount, the asker's limit), the locks it takes, its audit lines and events, and what
happens when an entry takes effect (credit added, delivery queued)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import OrderOut
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.money import format_money
from wowdesk.customers import queries as customers
from wowdesk.policies.authority import queries as authority
from wowdesk.policies.authority.schemas import Limit
from wowdesk.policies.ledger import events as ev
from wowdesk.policies.ledger import queries, states
from wowdesk.policies.ledger.models import EntryRow, LogRow
from wowdesk.policies.ledger.repository import LedgerRepository
from wowdesk.policies.ledger.schemas import GrantOutcome, GrantRequest

DELIVERY_JOB = "policies.ledger.deliver"
DELIVERY_ATTEMPTS = 8
RETURNS = frozenset({"refund", "shipping_reimbursement"})  # money back for an order


def fingerprint(actor: Actor, data: Any) -> str:
    """What makes two requests with one key "the same": who asked, and everything they asked."""
    raw = json.dumps([actor.ref, data], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def event(cls: type[ev.CompensationEvent], e: EntryRow, actor: str, **extra: Any) -> ev.CompensationEvent:
    return cls(
        workspace_id=e.workspace_id,
        occurred_at=e.updated_at,
        actor=actor,
        entry_id=e.id,
        kind=e.kind,
        status=e.status,
        customer_id=e.customer_id,
        order_id=e.order_id,
        ticket_id=e.ticket_id,
        shipment_id=e.shipment_id,
        seller_id=e.seller_id,
        fulfilment=e.fulfilment,
        amount_minor=e.amount_minor,
        currency=e.currency,
        reason_code=e.reason_code,
        agent_id=e.agent_id,
        policy_id=e.policy_id,
        **extra,
    )


async def log(
    repo: LedgerRepository, e: EntryRow, action: str, old: str | None, actor: str, reason: str | None = None
) -> None:
    await repo.add_log(
        LogRow(
            id=0,
            workspace_id=e.workspace_id,
            entry_id=e.id,
            action=action,
            from_status=old,
            to_status=e.status,
            actor=actor,
            reason=reason,
            created_at=e.updated_at,
        )
    )


async def outcome(repo: LedgerRepository, e: EntryRow, *, replayed: bool) -> GrantOutcome:
    approval = await repo.approval_of(e.id)
    return GrantOutcome(
        entry=queries.entry_out(e),
        approval=queries.approval_out(approval) if approval else None,
        replayed=replayed,
    )


async def replay(repo: LedgerRepository, found: EntryRow, request_hash: str) -> GrantOutcome:
    if found.request_hash != request_hash:
        raise Conflict(N_("This idempotency key was used for a different compensation."))
    return await outcome(repo, found, replayed=True)


# -- checks -------------------------------------------------------------------------------------------------


async def order_of(session: AsyncSession, actor: Actor, data: GrantRequest) -> OrderOut | None:
    if data.order_id is None:
        return None
    system = Actor.system(actor.workspace_id)
    try:
        order = await commerce.get_order(session, system, data.order_id)
    except NotFound:
        raise InvalidInput(N_("Order {id} does not exist."), id=data.order_id) from None
    if order.customer_id != data.customer_id:
        raise InvalidInput(N_("Order {number} is not this customer's."), number=order.number)
    if order.currency != data.currency:
        raise InvalidInput(
            N_(
                "Order {number} was paid in {order_currency}; compensate it in that currency, not {currency}."
            ),
            number=order.number,
            order_currency=order.currency,
            currency=data.currency,
        )
    if data.shipment_id is not None:
        try:
            shipment = await commerce.get_shipment(session, system, data.shipment_id)
        except NotFound:
            shipment = None
        if shipment is None or shipment.order_id != order.id:
            raise InvalidInput(
                N_("Shipment {id} is not part of order {number}."), id=data.shipment_id, number=order.number
            )
    return order


async def check_refs(session: AsyncSession, actor: Actor, data: GrantRequest) -> None:
    if await customers.find_customer(session, actor.workspace_id, data.customer_id) is None:
        raise InvalidInput(N_("Customer {id} does not exist."), id=data.customer_id)
    if data.ticket_id is not None:
        ticket = await queries.find_ticket(session, actor.workspace_id, data.ticket_id)
        if ticket is None:
            raise InvalidInput(N_("Ticket {id} does not exist."), id=data.ticket_id)
    if data.policy_id is not None:
        # Imported here: the resolutions grant through this ledger (their actions import it).
        from wowdesk.policies.resolutions import queries as resolutions

        if not await resolutions.policy_version_exists(
            session, actor.workspace_id, data.policy_id, data.policy_version
        ):
            raise InvalidInput(
                N_("Resolution policy {id} (version {version}) does not exist."),
                id=data.policy_id,
                version=data.policy_version if data.policy_version is not None else "—",
            )


async def check_refundable(repo: LedgerRepository, order: OrderOut, amount: int, *, exclude: int = 0) -> None:
    """Never return more for an order than was paid for it."""
    returned = await repo.returned_on_order(
        order.id, sorted(RETURNS), sorted(states.COUNTED), exclude=exclude
    )
    left = max(0, order.total_minor - returned)
    if amount > left:
        raise Conflict(
            N_("Order {number} was paid {total}; {returned} is refunded or asked for, {left} is left."),
            extra={"refundable_minor": left, "currency": order.currency},
            number=order.number,
            total=format_money(order.total_minor, order.currency),
            returned=format_money(returned, order.currency),
            left=format_money(left, order.currency),
        )


# Why a grant within the asker's limit still waits for a supervisor: the customer's abuse score.
CUSTOMER_REVIEW = "customer_review"


async def within(
    session: AsyncSession, actor: Actor, kind: str, amount: int, currency: str, *, exclude: int = 0
) -> tuple[Limit, str | None]:
    """The actor's limit for `kind`, and why this grant is above it (None: it is within)."""
    limit = (await authority.limits_for(session, actor))[kind]
    used = 0
    if actor.kind == "agent" and actor.id is not None:
        totals = await queries.authorised_today(
            session, actor.workspace_id, actor.id, limit.currency, exclude=exclude
        )
        used = totals.get(kind, 0)
    if limit.allows(amount, currency, used):
        return limit, None
    if currency != limit.currency:
        return limit, "other_currency"
    if limit.per_grant_minor is not None and amount > limit.per_grant_minor:
        return limit, "above_per_grant"
    return limit, "above_per_day"


async def effective_status(session: AsyncSession, workspace_id: int, kind: str) -> str:
    """Goodwill credit is kept here (the customer's balance); the rest goes to the store when the
    workspace has an outbound connection, and is only recorded when it has none."""
    if kind == "goodwill_credit":
        return states.RECORDED
    connection = await commerce.get_connection(session, workspace_id)
    return states.PENDING if connection is not None and connection.outbound_url else states.RECORDED


def scopes(actor: Actor, kind: str, order_id: int | None, customer_id: int) -> list[str]:
    """The locks of a grant, always in this order: the agent, the order, the customer's credit."""
    scopes = [f"agent:{actor.id}"] if actor.kind == "agent" and actor.id is not None else []
    if order_id is not None:
        scopes.append(f"order:{order_id}")
    if kind == "goodwill_credit":
        scopes.append(f"customer:{customer_id}")
    return scopes


async def took_effect(session: AsyncSession, repo: LedgerRepository, e: EntryRow, actor: str) -> None:
    record_event(session, event(ev.CompensationGranted, e, actor, authorised_by=e.authorised_by))
    if e.kind == "goodwill_credit":
        await repo.add_to_balance(e.customer_id, e.currency, e.amount_minor, e.updated_at)
    if e.status == states.PENDING:
        await enqueue(
            session,
            DELIVERY_JOB,
            {"entry_id": e.id},
            workspace_id=e.workspace_id,
            dedupe_key=f"compensation:{e.id}",
            max_attempts=DELIVERY_ATTEMPTS,
        )
