"""Proactive lost-parcel contact: on ``shipment.stalled``, in one unit of work, open a ticket for
the customer, apply the first resolution policy that fits (automatic: granted through the ledger
as the system; suggest: left on the ticket for an agent), and tell the customer — in their chat
and on the ticket — what happened and what they get.

Exactly once per parcel: the contact row (unique per shipment) is written first, so a second run
of the same event, a second runner racing this one, or a later sweep finds it and does nothing;
and the ledger's idempotency keys are the parcel's (``lost-parcel:{shipment_id}:{kind}``), so
whatever path grants a parcel's refund, it is granted once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import OrderOut, ShipmentOut
from wowdesk.conversations import actions as chat_actions
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import MAX_BODY as MAX_CHAT_BODY
from wowdesk.conversations.schemas import AgentMessageIn
from wowdesk.core.actor import Actor
from wowdesk.core.errors import DomainError
from wowdesk.core.i18n import normalize_language
from wowdesk.core.sql import driver
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.customers.schemas import RequesterIn
from wowdesk.policies.ledger import queries as ledger
from wowdesk.policies.resolutions import actions as resolutions
from wowdesk.policies.resolutions import queries as policies
from wowdesk.policies.resolutions.queries import Proposal, evaluate
from wowdesk.policies.resolutions.schemas import ContactReasonIn
from wowdesk.tickets import actions as tickets
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.outreach import chat_of, tell_requester
from wowdesk.tickets.proactive import messages
from wowdesk.tickets.proactive.models import ProactiveContact
from wowdesk.tickets.proactive.repository import ProactiveRepository
from wowdesk.tickets.repository import PROACTIVE_TAG, TicketsRepository
from wowdesk.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate

TAGS = ["lost-parcel", PROACTIVE_TAG]
ENDED = frozenset({"delivered", "returned", "cancelled"})


def system_actor(workspace_id: int, via: str = "lost-parcel") -> Actor:
    return Actor.system(workspace_id, via=via)


async def _claim_parcel(
    session: AsyncSession, workspace_id: int, data: dict[str, Any]
) -> ProactiveContact | None:
    """The contact row of this parcel, written now; None if it exists (handled before)."""
    repo = ProactiveRepository(session, workspace_id)
    if await repo.of_shipment(int(data["shipment_id"])) is not None:
        return None
    t = now(session)
    row = ProactiveContact(
        workspace_id=workspace_id,
        shipment_id=int(data["shipment_id"]),
        order_id=int(data["order_id"]),
        customer_id=int(data["customer_id"]),
        ticket_id=None,
        policy_id=None,
        policy_version=None,
        mode=None,
        outcome={},
        told_via=None,
        language="en",
        contacted_at=None,
        created_at=t,
        updated_at=t,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # another runner took this parcel at the same moment
        return None
    return row


async def _language(session: AsyncSession, workspace_id: int, customer_id: int) -> str:
    customer = await customers.find_customer(session, workspace_id, customer_id)
    if customer is not None and customer.language:
        return normalize_language(customer.language)
    return normalize_language((await accounts.get_workspace(session, workspace_id)).default_language)


async def _choose(
    session: AsyncSession, workspace_id: int, order: OrderOut, shipment: ShipmentOut
) -> tuple[Any, Proposal] | None:
    """The first enabled lost-parcel policy whose document applies, with its proposal."""
    refunded = await ledger.returned_on_order(session, workspace_id, order.id)
    facts = policies.facts_of(order, shipment, refunded_minor=refunded)
    at = now(session)
    for policy, doc in await policies.acting_policies(session, workspace_id, "shipment_stalled"):
        proposal = evaluate(doc, facts, at)
        if proposal is not None:
            return policy, proposal
    return None


async def _reach_chat(session: AsyncSession, system: Actor, ticket: TicketRow) -> Any | None:
    """The customer's latest web chat, linked to the ticket when it has none yet (so the words
    reach the widget through ``tell_requester``); a chat tied to another ticket is returned to be
    told directly."""
    for channel in await chat_queries.list_channels(session, ticket.workspace_id):
        if channel.kind != "webchat" or not channel.active:
            continue
        latest = await chat_queries.latest_of_visitor(session, channel, ticket.requester_id)
        if latest is None:
            continue
        if latest.ticket_id is None:
            await chat_actions.do_link_ticket(session, system, latest, ticket.id)
            return None
        return latest
    return None


async def _tell(session: AsyncSession, system: Actor, ticket: TicketRow, body: str, shipment_id: int) -> str:
    other_chat = await _reach_chat(session, system, ticket)
    told = await tell_requester(session, system, ticket, body, client_id=f"lost-parcel-{shipment_id}")
    if told.message_id is None and other_chat is not None:
        await chat_actions.do_send_message(
            session,
            system,
            other_chat,
            AgentMessageIn(body=body[:MAX_CHAT_BODY], client_id=f"lost-parcel-{shipment_id}"),
        )
        return "chat"
    return told.via


async def _apply(
    session: AsyncSession,
    system: Actor,
    ticket: TicketRow,
    policy: Any,
    proposal: Proposal,
    order: OrderOut,
    shipment: ShipmentOut,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
    """Automatic: grant now (offers left as a suggestion); suggest: leave it all for an agent.
    Returns (granted, offers, suggested)."""
    common = {
        "ticket_id": ticket.id,
        "policy": policy,
        "customer_id": order.customer_id,
        "order_id": order.id,
        "shipment_id": shipment.id,
    }
    offers = [g.as_dict() for g in proposal.offers]
    if proposal.offers:
        offer = Proposal(**{**_fields(proposal), "grants": proposal.offers})
        await resolutions.do_store_suggestion(
            session, system.workspace_id, proposal=offer, kind="offer", **common
        )
    if policy.mode != "automatic":
        if proposal.now:
            now_part = Proposal(**{**_fields(proposal), "grants": proposal.now})
            await resolutions.do_store_suggestion(
                session, system.workspace_id, proposal=now_part, kind="resolution", **common
            )
        return [], offers, bool(proposal.now)
    granted = await resolutions.grant_all(
        session,
        system,
        proposal.now,
        reason_code=proposal.reason_code,
        customer_id=order.customer_id,
        order_id=order.id,
        ticket_id=ticket.id,
        shipment_id=shipment.id,
        policy_id=policy.id,
        policy_version=policy.version,
        key_of=lambda kind: resolutions.grant_key(shipment.id, None, kind),
        note=f"{policy.name} v{policy.version}",
    )
    return granted, offers, False


def _fields(p: Proposal) -> dict[str, Any]:
    return {
        "grants": p.grants,
        "reason_code": p.reason_code,
        "why": p.why,
        "no_return_required": p.no_return_required,
        "claim_reason": p.claim_reason,
        "days": p.days,
    }


async def do_contact_about_stalled(session: AsyncSession, data: dict[str, Any]) -> ProactiveContact | None:
    """React to one ``shipment.stalled`` (its data): see the module. None when the parcel was
    handled before, or has reached its end meanwhile."""
    workspace_id = int(data["workspace_id"])
    system = system_actor(workspace_id)
    contact = await _claim_parcel(session, workspace_id, data)
    if contact is None:
        return None
    shipment = await commerce.get_shipment(session, system, contact.shipment_id)
    order = await commerce.get_order(session, system, contact.order_id)
    if shipment.delivered_at is not None or shipment.status in ENDED:
        contact.outcome = {"skipped": shipment.status}
        await session.flush()
        return contact
    language = await _language(session, workspace_id, order.customer_id)
    chosen = await _choose(session, workspace_id, order, shipment)
    ticket = await tickets.do_create_ticket(
        session,
        system,
        TicketCreate(
            subject=messages.subject(language, order.number),
            requester=RequesterIn(id=order.customer_id),
            status="open",
            type="incident",
            tags=TAGS,
            channel="api",
            order_id=order.id,  # no contact reason: the customer has not got in touch
        ),
    )
    at = now(session)
    last = shipment.last_event_at or shipment.shipped_at
    days = chosen[1].days if chosen else ((at - last).days if last else 0)
    workspace_language = normalize_language(
        (await accounts.get_workspace(session, workspace_id)).default_language
    )
    note = messages.agent_note(
        workspace_language,
        number=order.number,
        carrier=shipment.carrier,
        tracking=shipment.tracking_number,
        days=days,
        policy=(chosen[0].name, chosen[0].version, chosen[0].mode) if chosen else None,
    )
    await tickets.do_add_comment(session, system, ticket, CommentCreate(body=note, public=False))
    granted: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    suggested = False
    if chosen is not None:
        policy, proposal = chosen
        granted, offers, suggested = await _apply(session, system, ticket, policy, proposal, order, shipment)
        contact.policy_id, contact.policy_version, contact.mode = policy.id, policy.version, policy.mode
    body = messages.customer_message(
        language,
        why=chosen[1].why if chosen else "no_progress",
        days=days,
        number=order.number,
        carrier=shipment.carrier,
        tracking=shipment.tracking_number,
        granted=granted,
        offers=offers,
        no_return=bool(chosen and chosen[1].no_return_required),
        suggested=suggested,
    )
    contact.told_via = await _tell(session, system, ticket, body, shipment.id)
    contact.ticket_id, contact.language, contact.contacted_at, contact.updated_at = (
        ticket.id,
        language,
        at,
        at,
    )
    contact.outcome = {"granted": granted, "offers": offers, "suggested": suggested}
    await session.flush()
    if granted and not offers and not suggested:
        await _solve(session, system, ticket)
    return contact


async def _solve(session: AsyncSession, system: Actor, ticket: TicketRow) -> None:
    """Solved when the policy did everything (a reply reopens it); left open when the workspace's
    required fields keep it from being solved."""
    try:
        async with (await driver(session)).savepoint():
            await tickets.do_update_ticket(session, system, ticket, TicketUpdate(status="solved"))
    except DomainError:
        pass


async def chat_for(session: AsyncSession, ticket: TicketRow) -> Any | None:
    """The chat that reaches this ticket's requester (tests and the console read it)."""
    return await chat_of(session, ticket)


# -- compensation lines on the ticket's timeline ------------------------------------------------------------

COMPENSATION_LINES = {
    "compensation.granted": "granted",
    "compensation.approval_requested": "approval_requested",
    "compensation.approved": "approved",
    "compensation.declined": "declined",
    "compensation.delivered": "delivered",
    "compensation.delivery_failed": "delivery_failed",
}


async def do_add_compensation_line(session: AsyncSession, name: str, data: dict[str, Any]) -> bool:
    """One timeline line on the ticket a compensation event names (``kind`` "compensation",
    ``field`` what happened, ``new`` the entry's kind and amount). False if the ticket is gone."""
    workspace_id, ticket_id = int(data["workspace_id"]), data.get("ticket_id")
    what = COMPENSATION_LINES.get(name)
    if ticket_id is None or what is None:
        return False
    repo = TicketsRepository(session, workspace_id)
    if await repo.ticket(int(ticket_id)) is None:
        return False
    detail = {
        "entry_id": data.get("entry_id"),
        "kind": data.get("kind"),
        "amount_minor": data.get("amount_minor"),
        "currency": data.get("currency"),
        "reason_code": data.get("reason_code"),
    }
    for extra in ("approval_id", "reason", "external_reference"):
        if data.get(extra) is not None:
            detail[extra] = data[extra]
    await repo.add_timeline(
        [
            {
                "ticket_id": int(ticket_id),
                "actor": data.get("actor") or "system",
                "via": "ledger",
                "kind": "compensation",
                "field": what,
                "old": None,
                "new": detail,
                "comment_id": None,
                "created_at": now(session),
            }
        ]
    )
    return True


async def do_apply_contact_reason_policies(session: AsyncSession, workspace_id: int, ticket_id: int) -> None:
    """A ticket now says why the customer got in touch and which order it is about: the workspace's
    contact-reason policies look at it (an automatic one grants at once, once per ticket and order; a
    suggesting one leaves its one-click suggestion on the ticket). Nothing happens for an order that
    is not the requester's, or when the reason or order was cleared meanwhile."""
    system = system_actor(workspace_id, via="policy")
    ticket = await TicketsRepository(session, workspace_id).ticket(ticket_id, for_update=True)
    if ticket is None or ticket.contact_reason is None or ticket.order_id is None:
        return
    try:
        await resolutions.do_evaluate_contact_reason(
            session,
            system,
            ticket.id,
            ticket.requester_id,
            ContactReasonIn(order_id=ticket.order_id, reason=ticket.contact_reason),
        )
    except DomainError:
        return  # the order is not the requester's (or is gone): no policy applies
