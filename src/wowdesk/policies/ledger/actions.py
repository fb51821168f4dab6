"""Writes of the ledger: granting a compensation (within the asker's limit, or as an approval
request), approving or declining one, recording its delivery, spending credit. Nothing here
commits.

Every grant carries an idempotency key, unique in the workspace: the same key with the same
request returns the first outcome (``replayed``), with another request it is a 409. Grants on one
order, by one agent and to one customer's credit are serialised (``LedgerRepository.lock``), so
the checks (``book``) — the refundable amount, the agent's daily total, the credit balance — see
every grant before them."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import APPROVALS_DECIDE, COMMERCE_WRITE, COMPENSATION_GRANT
from wowdesk.commerce import queries as commerce
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.money import format_money
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.policies.abuse import queries as abuse
from wowdesk.policies.authority import actions as authority_actions
from wowdesk.policies.ledger import book, queries, states
from wowdesk.policies.ledger import events as ev
from wowdesk.policies.ledger.book import (
    CUSTOMER_REVIEW,
    DELIVERY_ATTEMPTS,
    DELIVERY_JOB,
    RETURNS,
    fingerprint,
)
from wowdesk.policies.ledger.models import ApprovalRow, EntryRow, SpendRow
from wowdesk.policies.ledger.repository import LedgerRepository
from wowdesk.policies.ledger.schemas import DecisionIn, GrantOutcome, GrantRequest, SpendIn, SpendOut

__all__ = ["DELIVERY_ATTEMPTS", "DELIVERY_JOB", "fingerprint"]

# -- granting -----------------------------------------------------------------------------------------------


async def do_grant_compensation(session: AsyncSession, actor: Actor, data: GrantRequest) -> GrantOutcome:
    """Grant a compensation: at once when it is within the asker's limit (a policy acting on its
    own has none), else as an approval request for a supervisor."""
    actor.require(COMPENSATION_GRANT)
    if data.idempotency_key is None:
        raise InvalidInput(
            N_("Give an idempotency key (the Idempotency-Key header), so a retry never pays twice.")
        )
    key = data.idempotency_key
    request_hash = fingerprint(actor, data.model_dump(mode="json", exclude={"idempotency_key"}))
    repo = LedgerRepository(session, actor.workspace_id)
    if (found := await repo.entry_by_key(key)) is not None:
        return await book.replay(repo, found, request_hash)
    await book.check_refs(session, actor, data)
    order = await book.order_of(session, actor, data)
    await repo.lock(*book.scopes(actor, data.kind, data.order_id, data.customer_id))
    if (found := await repo.entry_by_key(key)) is not None:  # a twin that held the locks before us
        return await book.replay(repo, found, request_hash)
    await authority_actions.ensure_stored(session, actor.workspace_id)
    _limit, above = await book.within(session, actor, data.kind, data.amount_minor, data.currency)
    if order is not None and data.kind in RETURNS:
        await book.check_refundable(repo, order, data.amount_minor)
    # The few whose history stands out (policies.abuse) go to a supervisor, whoever asks for them.
    if above is None and await abuse.needs_review(session, actor.workspace_id, data.customer_id):
        above = CUSTOMER_REVIEW
    t = now(session)
    status = states.AWAITING if above else await book.effective_status(session, actor.workspace_id, data.kind)
    agent_id = actor.id if actor.kind == "agent" else None
    entry = EntryRow(
        id=0,
        workspace_id=actor.workspace_id,
        kind=data.kind,
        status=status,
        customer_id=data.customer_id,
        order_id=data.order_id,
        shipment_id=data.shipment_id,
        ticket_id=data.ticket_id,
        seller_id=order.seller_id if order else None,
        fulfilment=order.fulfilment if order else None,
        agent_id=agent_id,
        actor=actor.ref,
        policy_id=data.policy_id,
        policy_version=data.policy_version,
        amount_minor=data.amount_minor,
        currency=data.currency,
        reason_code=data.reason_code,
        note=data.note,
        idempotency_key=key,
        request_hash=request_hash,
        authorised_by=None if above else agent_id,
        authorised_at=None if above else t,
        external_reference=None,
        failure_reason=None,
        delivered_at=None,
        created_at=t,
        updated_at=t,
    )
    try:
        async with (await repo.db()).savepoint():
            await repo.insert_entry(entry)
    except IntegrityError:  # the same key committed meanwhile (without a lock in common)
        if (found := await repo.entry_by_key(key)) is None:
            raise Conflict(
                N_("A compensation with this idempotency key is in progress; retry shortly.")
            ) from None
        return await book.replay(repo, found, request_hash)
    if above is None:
        await book.log(repo, entry, "granted", None, actor.ref, data.note)
        await book.took_effect(session, repo, entry, actor.ref)
        return GrantOutcome(entry=queries.entry_out(entry), approval=None, replayed=False)
    approval = await repo.insert_approval(
        ApprovalRow(
            id=0,
            workspace_id=actor.workspace_id,
            entry_id=entry.id,
            status="pending",
            requested_by=agent_id,
            request_reason=above,
            decided_by=None,
            decision_reason=None,
            decided_at=None,
            created_at=t,
            updated_at=t,
        )
    )
    await book.log(repo, entry, "requested", None, actor.ref, above)
    record_event(
        session, book.event(ev.CompensationApprovalRequested, entry, actor.ref, approval_id=approval.id)
    )
    return GrantOutcome(
        entry=queries.entry_out(entry), approval=queries.approval_out(approval), replayed=False
    )


# -- approvals ----------------------------------------------------------------------------------------------


async def _pending(repo: LedgerRepository, approval_id: int, *, lock: bool) -> tuple[ApprovalRow, EntryRow]:
    approval = await repo.approval(approval_id, for_update=lock)
    entry = await repo.entry(approval.entry_id, for_update=lock) if approval else None
    if approval is None or entry is None:
        raise NotFound(N_("Approval request not found."))
    if approval.status != "pending":
        raise Conflict(N_("This request was {status} already."), status=approval.status)
    return approval, entry


async def do_approve(session: AsyncSession, actor: Actor, approval_id: int, data: DecisionIn) -> GrantOutcome:
    """Approve a request above an agent's limit: within the approver's own limit, and never past
    what the order has left to refund. Supervisors may not approve their own requests."""
    actor.require(APPROVALS_DECIDE)
    repo = LedgerRepository(session, actor.workspace_id)
    approval, entry = await _pending(repo, approval_id, lock=False)
    if actor.kind == "agent" and approval.requested_by == actor.id:
        raise Forbidden(N_("You cannot approve your own request; another supervisor must."))
    await repo.lock(*book.scopes(actor, entry.kind, entry.order_id, entry.customer_id))
    approval, entry = await _pending(repo, approval_id, lock=True)
    _limit, above = await book.within(
        session, actor, entry.kind, entry.amount_minor, entry.currency, exclude=entry.id
    )
    if above is not None:
        raise Forbidden(N_("This is above your own limit; someone with a higher limit must approve it."))
    if entry.order_id is not None and entry.kind in RETURNS:
        order = await commerce.get_order(session, Actor.system(actor.workspace_id), entry.order_id)
        await book.check_refundable(repo, order, entry.amount_minor, exclude=entry.id)
    t = now(session)
    new = await book.effective_status(session, actor.workspace_id, entry.kind)
    states.check(entry.status, new)
    old, entry.status, entry.authorised_by, entry.authorised_at, entry.updated_at = (
        entry.status,
        new,
        actor.id,
        t,
        t,
    )
    await repo.update_entry(entry, {"status", "authorised_by", "authorised_at", "updated_at"})
    approval.status, approval.decided_by, approval.decision_reason = "approved", actor.id, data.reason
    approval.decided_at = approval.updated_at = t
    await repo.update_approval(
        approval, {"status", "decided_by", "decision_reason", "decided_at", "updated_at"}
    )
    await book.log(repo, entry, "approved", old, actor.ref, data.reason)
    record_event(
        session,
        book.event(
            ev.CompensationApproved,
            entry,
            actor.ref,
            approval_id=approval.id,
            decided_by=actor.id or 0,
            reason=data.reason,
        ),
    )
    await book.took_effect(session, repo, entry, actor.ref)
    return await book.outcome(repo, entry, replayed=False)


async def do_decline(session: AsyncSession, actor: Actor, approval_id: int, data: DecisionIn) -> GrantOutcome:
    """Decline a request, with the reason the agent will see."""
    actor.require(APPROVALS_DECIDE)
    repo = LedgerRepository(session, actor.workspace_id)
    approval, entry = await _pending(repo, approval_id, lock=True)
    t = now(session)
    states.check(entry.status, states.DECLINED)
    old, entry.status, entry.updated_at = entry.status, states.DECLINED, t
    await repo.update_entry(entry, {"status", "updated_at"})
    approval.status, approval.decided_by, approval.decision_reason = "declined", actor.id, data.reason
    approval.decided_at = approval.updated_at = t
    await repo.update_approval(
        approval, {"status", "decided_by", "decision_reason", "decided_at", "updated_at"}
    )
    await book.log(repo, entry, "declined", old, actor.ref, data.reason)
    record_event(
        session,
        book.event(
            ev.CompensationDeclined,
            entry,
            actor.ref,
            approval_id=approval.id,
            decided_by=actor.id or 0,
            reason=data.reason,
        ),
    )
    return await book.outcome(repo, entry, replayed=False)


# -- delivery -----------------------------------------------------------------------------------------------


async def do_record_delivery(
    session: AsyncSession,
    workspace_id: int,
    entry_id: int,
    *,
    reference: str | None = None,
    failure: str | None = None,
) -> EntryRow | None:
    """The store took the entry (`reference`: its id for it, if it gave one), or it failed for good
    (`failure`: why). An entry no longer awaiting delivery is left as it is (None)."""
    repo = LedgerRepository(session, workspace_id)
    entry = await repo.entry(entry_id, for_update=True)
    if entry is None or entry.status != states.PENDING:
        return None
    t = now(session)
    old = entry.status
    if failure is None:
        entry.status, entry.external_reference, entry.delivered_at, entry.updated_at = (
            states.DELIVERED,
            reference,
            t,
            t,
        )
        await repo.update_entry(entry, {"status", "external_reference", "delivered_at", "updated_at"})
        await book.log(repo, entry, "delivered", old, "system", reference)
        record_event(
            session, book.event(ev.CompensationDelivered, entry, "system", external_reference=reference)
        )
    else:
        entry.status, entry.failure_reason, entry.updated_at = states.FAILED, failure[:2000], t
        await repo.update_entry(entry, {"status", "failure_reason", "updated_at"})
        await book.log(repo, entry, "delivery_failed", old, "system", entry.failure_reason)
        record_event(
            session, book.event(ev.CompensationDeliveryFailed, entry, "system", reason=entry.failure_reason)
        )
    return entry


# -- credit -------------------------------------------------------------------------------------------------


async def do_spend_credit(session: AsyncSession, actor: Actor, customer_id: int, data: SpendIn) -> SpendOut:
    """Spend a customer's credit (the store at checkout, or an agent): never below zero; the same
    idempotency key spends once."""
    if not (actor.can(COMMERCE_WRITE) or actor.can(COMPENSATION_GRANT)):
        raise Forbidden()
    if data.idempotency_key is None:
        raise InvalidInput(
            N_("Give an idempotency key (the Idempotency-Key header), so a retry never spends twice.")
        )
    if await customers.find_customer(session, actor.workspace_id, customer_id) is None:
        raise NotFound(N_("Customer not found."))
    key = data.idempotency_key
    request_hash = fingerprint(
        actor, [customer_id, data.model_dump(mode="json", exclude={"idempotency_key"})]
    )
    repo = LedgerRepository(session, actor.workspace_id)

    async def replay() -> SpendOut | None:
        found = await repo.spend_by_key(key)
        if found is None:
            return None
        if found.request_hash != request_hash:
            raise Conflict(N_("This idempotency key was used for a different request."))
        return queries.spend_out(found, replayed=True)

    if (done := await replay()) is not None:
        return done
    await repo.lock(f"customer:{customer_id}")
    if (done := await replay()) is not None:
        return done
    balance = await repo.balance(customer_id, data.currency)
    have = balance.balance_minor if balance else 0
    if data.amount_minor > have:
        raise Conflict(
            N_("The customer has {balance} of credit; {amount} cannot be spent."),
            extra={"balance_minor": have, "currency": data.currency},
            balance=format_money(have, data.currency),
            amount=format_money(data.amount_minor, data.currency),
        )
    t = now(session)
    spend = SpendRow(
        id=0,
        workspace_id=actor.workspace_id,
        customer_id=customer_id,
        amount_minor=data.amount_minor,
        currency=data.currency,
        order_reference=data.order_reference,
        note=data.note,
        actor=actor.ref,
        idempotency_key=key,
        request_hash=request_hash,
        balance_after_minor=have - data.amount_minor,
        created_at=t,
    )
    try:
        async with (await repo.db()).savepoint():
            await repo.insert_spend(spend)
            await repo.add_to_balance(customer_id, data.currency, -data.amount_minor, t)
    except IntegrityError:
        if (done := await replay()) is None:
            raise Conflict(N_("A request with this idempotency key is in progress; retry shortly.")) from None
        return done
    record_event(
        session,
        ev.CreditSpent(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            spend_id=spend.id,
            customer_id=customer_id,
            amount_minor=data.amount_minor,
            currency=data.currency,
            balance_minor=spend.balance_after_minor,
            order_reference=data.order_reference,
        ),
    )
    return queries.spend_out(spend)
