"""Writes of resolution policies (every save a new version), and of the suggestions they leave on
tickets: stored once per ticket, policy and kind, then accepted (granted through the ledger under
the agent's own authority) or dismissed. Nothing here commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import COMPENSATION_GRANT, POLICIES_MANAGE
from wowdesk.commerce import queries as commerce
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.policies.ledger import actions as ledger
from wowdesk.policies.ledger import queries as ledger_queries
from wowdesk.policies.ledger.schemas import GrantRequest
from wowdesk.policies.resolutions import events as ev
from wowdesk.policies.resolutions import queries
from wowdesk.policies.resolutions.document import PolicyDocument
from wowdesk.policies.resolutions.evaluate import Proposal, ProposedGrant, evaluate
from wowdesk.policies.resolutions.models import (
    ResolutionPolicy,
    ResolutionPolicyVersion,
    ResolutionSuggestion,
)
from wowdesk.policies.resolutions.queries import get_suggestion
from wowdesk.policies.resolutions.repository import ResolutionsRepository
from wowdesk.policies.resolutions.schemas import (
    MAX_POLICIES,
    AcceptIn,
    ContactReasonIn,
    PolicyIn,
    PolicyPatch,
)


async def complete(session: AsyncSession, workspace_id: int, doc: PolicyDocument) -> dict[str, Any]:
    """The document as it is stored: the workspace's currency when it names none."""
    if doc.currency is None:
        doc = doc.model_copy(
            update={"currency": (await accounts.get_workspace(session, workspace_id)).currency}
        )
    return doc.model_dump(mode="json", exclude_none=True)


async def _save_version(session: AsyncSession, actor: Actor, policy: ResolutionPolicy) -> None:
    session.add(
        ResolutionPolicyVersion(
            workspace_id=policy.workspace_id,
            policy_id=policy.id,
            version=policy.version,
            name=policy.name,
            enabled=policy.enabled,
            mode=policy.mode,
            document=policy.document,
            saved_by=actor.ref,
            created_at=policy.updated_at,
        )
    )
    await session.flush()
    record_event(
        session,
        ev.ResolutionPolicySaved(
            workspace_id=policy.workspace_id,
            occurred_at=policy.updated_at,
            actor=actor.ref,
            policy_id=policy.id,
            version=policy.version,
            enabled=policy.enabled,
            mode=policy.mode,
            trigger_kind=policy.trigger_kind,
        ),
    )


async def do_create_policy(session: AsyncSession, actor: Actor, data: PolicyIn) -> ResolutionPolicy:
    actor.require(POLICIES_MANAGE)
    repo = ResolutionsRepository(session, actor.workspace_id)
    if await repo.count() >= MAX_POLICIES:
        raise InvalidInput(N_("A workspace has at most {limit} resolution policies."), limit=MAX_POLICIES)
    t = now(session)
    policy = await repo.add(
        ResolutionPolicy(
            name=data.name,
            enabled=data.enabled,
            mode=data.mode,
            trigger_kind=data.document.trigger.kind,
            version=1,
            document=await complete(session, actor.workspace_id, data.document),
            archived_at=None,
            created_at=t,
            updated_at=t,
        )
    )
    await _save_version(session, actor, policy)
    return policy


async def do_update_policy(
    session: AsyncSession, actor: Actor, policy: ResolutionPolicy, data: PolicyIn | PolicyPatch
) -> ResolutionPolicy:
    """Save a new version (the old ones stay). A PATCH changes only what it names."""
    actor.require(POLICIES_MANAGE)
    locked = await ResolutionsRepository(session, actor.workspace_id).policy(policy.id, for_update=True)
    if locked is None or locked.archived_at is not None:
        raise Conflict(N_("This policy was deleted meanwhile."))
    for name in ("name", "enabled", "mode"):
        value = getattr(data, name)
        if value is not None:
            setattr(locked, name, value)
    if data.document is not None:
        locked.document = await complete(session, actor.workspace_id, data.document)
        locked.trigger_kind = data.document.trigger.kind
    locked.version += 1
    locked.updated_at = now(session)
    await session.flush()
    await _save_version(session, actor, locked)
    return locked


async def do_delete_policy(session: AsyncSession, actor: Actor, policy: ResolutionPolicy) -> None:
    """A deleted policy stops acting and leaves the list; its versions stay on record (ledger
    entries and suggestions name them)."""
    actor.require(POLICIES_MANAGE)
    policy.archived_at = policy.updated_at = now(session)
    policy.enabled = False
    await session.flush()


# -- suggestions -------------------------------------------------------------------------------------------


async def do_store_suggestion(
    session: AsyncSession,
    workspace_id: int,
    *,
    ticket_id: int,
    policy: ResolutionPolicy,
    proposal: Proposal,
    kind: str,
    customer_id: int,
    order_id: int,
    shipment_id: int | None,
) -> ResolutionSuggestion:
    """Leave `proposal` on the ticket for an agent. The open suggestion of this ticket, policy and
    kind is kept if there is one (a policy evaluated twice suggests once)."""
    repo = ResolutionsRepository(session, workspace_id)
    found = await repo.open_suggestion(ticket_id, policy.id, kind)
    if found is not None:
        return found
    t = now(session)
    row = ResolutionSuggestion(
        workspace_id=workspace_id,
        ticket_id=ticket_id,
        open_ticket_id=ticket_id,
        policy_id=policy.id,
        policy_version=policy.version,
        kind=kind,
        status="open",
        customer_id=customer_id,
        order_id=order_id,
        shipment_id=shipment_id,
        proposal=proposal.as_dict(),
        outcome=None,
        decided_by=None,
        decided_at=None,
        created_at=t,
        updated_at=t,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # stored by a concurrent evaluation: keep theirs
        found = await repo.open_suggestion(ticket_id, policy.id, kind)
        if found is None:
            raise
        return found
    record_event(
        session,
        ev.ResolutionSuggested(
            workspace_id=workspace_id,
            occurred_at=t,
            actor="system",
            suggestion_id=row.id,
            ticket_id=ticket_id,
            policy_id=policy.id,
            policy_version=policy.version,
            customer_id=customer_id,
            order_id=order_id,
            shipment_id=shipment_id,
        ),
    )
    return row


def grant_key(shipment_id: int | None, suggestion_id: int | None, kind: str) -> str:
    """The ledger's idempotency key of one grant: a lost parcel's grants are keyed by the parcel,
    whoever makes them (the policy, or an agent taking its suggestion), so a parcel is never
    compensated twice for the same thing."""
    if shipment_id is not None:
        return f"lost-parcel:{shipment_id}:{kind}"
    return f"suggestion:{suggestion_id}:{kind}"


async def grant_all(
    session: AsyncSession,
    actor: Actor,
    grants: list[ProposedGrant],
    *,
    reason_code: str,
    customer_id: int,
    order_id: int,
    ticket_id: int | None,
    shipment_id: int | None,
    policy_id: int,
    policy_version: int,
    key_of: Any,
    note: str = "",
) -> list[dict[str, Any]]:
    """Grant each of `grants` through the ledger as `actor` (the system for a policy acting on its
    own: not bound by agents' limits; an agent: within their limit, else an approval request).
    Returns what happened to each, as stored on a suggestion's outcome."""
    out = []
    for g in grants:
        result = await ledger.do_grant_compensation(
            session,
            actor,
            GrantRequest(
                kind=g.kind,
                customer_id=customer_id,
                order_id=order_id,
                ticket_id=ticket_id,
                shipment_id=shipment_id,
                amount_minor=g.amount_minor,
                currency=g.currency,
                reason_code=reason_code,
                note=note,
                idempotency_key=key_of(g.kind),
                policy_id=policy_id,
                policy_version=policy_version,
            ),
        )
        out.append(
            {
                "kind": g.kind,
                "amount_minor": g.amount_minor,
                "currency": g.currency,
                "entry_id": result.entry.id,
                "status": result.entry.status,
                "approval_id": result.approval.id if result.approval is not None else None,
                "replayed": result.replayed,
            }
        )
    return out


async def _decidable(
    session: AsyncSession, actor: Actor, ticket_id: int, suggestion_id: int
) -> ResolutionSuggestion | None:
    row = await get_suggestion(session, actor, ticket_id, suggestion_id, for_update=True)
    return row if row.status == "open" else None


async def do_accept_suggestion(
    session: AsyncSession, actor: Actor, ticket_id: int, suggestion_id: int, data: AcceptIn
) -> ResolutionSuggestion:
    """Grant what the suggestion proposes, under the agent's own authority (above their limit: an
    approval request each). Accepting an accepted suggestion again changes nothing."""
    actor.require(COMPENSATION_GRANT)
    row = await _decidable(session, actor, ticket_id, suggestion_id)
    if row is None:
        done = await get_suggestion(session, actor, ticket_id, suggestion_id)
        if done.status == "accepted":
            return done
        raise Conflict(N_("This suggestion was dismissed; it can no longer be accepted."))
    grants = [ProposedGrant(**g) for g in row.proposal.get("grants", [])]
    order_id = row.order_id
    if row.kind == "offer":
        if data.order_id is None:
            raise InvalidInput(N_("An offer is paid on the replacement order: give its order_id."))
        order_id = data.order_id
    elif data.order_id is not None or data.amount_minor is not None:
        raise InvalidInput(
            N_("A resolution grants what it proposes; only an offer takes an order and amount.")
        )
    if data.amount_minor is not None:
        if data.amount_minor > grants[0].amount_minor:
            raise InvalidInput(
                N_("The policy offers at most {amount} minor units."), amount=grants[0].amount_minor
            )
        grants = [ProposedGrant(grants[0].kind, data.amount_minor, grants[0].currency)]
    outcome = await grant_all(
        session,
        actor,
        grants,
        reason_code=str(row.proposal.get("reason_code") or "policy"),
        customer_id=row.customer_id,
        order_id=order_id,
        ticket_id=row.ticket_id,
        shipment_id=row.shipment_id if order_id == row.order_id else None,
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        key_of=lambda kind: grant_key(row.shipment_id, row.id, kind),
    )
    return await _decide(session, actor, row, "accepted", {"grants": outcome})


async def do_dismiss_suggestion(
    session: AsyncSession, actor: Actor, ticket_id: int, suggestion_id: int
) -> ResolutionSuggestion:
    actor.require(COMPENSATION_GRANT)
    row = await _decidable(session, actor, ticket_id, suggestion_id)
    if row is None:
        done = await get_suggestion(session, actor, ticket_id, suggestion_id)
        if done.status == "dismissed":
            return done
        raise Conflict(N_("This suggestion was accepted already."))
    return await _decide(session, actor, row, "dismissed", None)


async def _decide(
    session: AsyncSession,
    actor: Actor,
    row: ResolutionSuggestion,
    status: str,
    outcome: dict[str, Any] | None,
) -> ResolutionSuggestion:
    t = now(session)
    row.status, row.open_ticket_id, row.outcome = status, None, outcome
    row.decided_by, row.decided_at, row.updated_at = actor.ref, t, t
    await session.flush()
    record_event(
        session,
        ev.ResolutionSuggestionDecided(
            workspace_id=row.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            suggestion_id=row.id,
            ticket_id=row.ticket_id,
            policy_id=row.policy_id,
            status=status,
        ),
    )
    return row


async def do_evaluate_contact_reason(
    session: AsyncSession, actor: Actor, ticket_id: int, customer_id: int, data: ContactReasonIn
) -> tuple[ResolutionSuggestion | None, list[dict[str, Any]]]:
    """A ticket about `data.order_id` was given the contact reason `data.reason`: the first enabled
    contact-reason policy that applies either grants at once (automatic, as the system; keyed by
    ticket, order and kind, so asking again pays nothing more) or leaves its suggestion on the
    ticket. Returns (the suggestion, what was granted); (None, []) when no policy applies."""
    actor.require(COMPENSATION_GRANT)
    order = await commerce.get_order(session, actor, data.order_id)
    if order.customer_id != customer_id:
        raise InvalidInput(N_("This order is not the ticket requester's."))
    refunded = await ledger_queries.returned_on_order(session, actor.workspace_id, order.id)
    facts = queries.facts_of(order, contact_reason=data.reason, refunded_minor=refunded)
    at = now(session)
    repo = ResolutionsRepository(session, actor.workspace_id)
    for policy, doc in await queries.acting_policies(session, actor.workspace_id, "contact_reason"):
        prior = await repo.latest_for(ticket_id, policy.id, order.id)
        if prior is not None and prior.status == "accepted" and prior.decided_by == "system":
            return None, [{**g, "replayed": True} for g in (prior.outcome or {}).get("grants", [])]
        proposal = evaluate(doc, facts, at)
        if proposal is None:
            continue
        row = await do_store_suggestion(
            session,
            actor.workspace_id,
            ticket_id=ticket_id,
            policy=policy,
            proposal=proposal,
            kind="resolution",
            customer_id=order.customer_id,
            order_id=order.id,
            shipment_id=None,
        )
        if policy.mode != "automatic":
            return row, []
        # Automatic: granted now as the system, and recorded as a suggestion the policy took itself
        # (what acted, which version, what it granted), which a new evaluation finds.
        system = Actor.system(actor.workspace_id, via="policy")
        granted = await grant_all(
            session,
            system,
            proposal.now,
            reason_code=proposal.reason_code,
            customer_id=order.customer_id,
            order_id=order.id,
            ticket_id=ticket_id,
            shipment_id=None,
            policy_id=policy.id,
            policy_version=policy.version,
            key_of=lambda kind: f"contact-reason:{ticket_id}:{order.id}:{kind}",
            note=f"{policy.name} v{policy.version}",
        )
        await _decide(session, system, row, "accepted", {"grants": granted})
        return None, granted
    return None, []
