"""Reads of resolution policies (their versions, the ones that act on a trigger) and of the
suggestions on a ticket; turning commerce's order and shipment into the facts a policy tests."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import COMPENSATION_GRANT, POLICIES_MANAGE, TICKETS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_
from wowdesk.policies.resolutions.document import PolicyDocument, error_items, is_yaml, load_text
from wowdesk.policies.resolutions.evaluate import Facts, OrderFacts, Proposal, ShipmentFacts, evaluate
from wowdesk.policies.resolutions.models import (
    ResolutionPolicy,
    ResolutionPolicyVersion,
    ResolutionSuggestion,
)
from wowdesk.policies.resolutions.repository import ResolutionsRepository
from wowdesk.policies.resolutions.schemas import (
    PolicyOut,
    PolicyVersionOut,
    ProposedGrantOut,
    SuggestionOut,
)

# What other rooms use of the pure parts (the API reads bodies; proactive contact evaluates).
__all__ = ["Proposal", "evaluate", "is_yaml", "load_text"]


def invalid_document(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """A 422 problem whose ``errors`` list says in plain words what is wrong, and where."""
    return InvalidInput(
        N_("The policy is not valid: see errors for what to change."),
        extra={"errors": error_items(exc, prefix)},
    )


def parse_document(data: Any) -> PolicyDocument:
    try:
        return PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise invalid_document(exc) from None


# -- policies ------------------------------------------------------------------------------------------------


def policy_out(p: ResolutionPolicy) -> PolicyOut:
    return PolicyOut(
        id=p.id,
        name=p.name,
        enabled=p.enabled,
        mode=p.mode,
        trigger_kind=p.trigger_kind,
        version=p.version,
        document=p.document,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def version_out(v: ResolutionPolicyVersion) -> PolicyVersionOut:
    return PolicyVersionOut(
        version=v.version,
        name=v.name,
        enabled=v.enabled,
        mode=v.mode,
        document=v.document,
        saved_by=v.saved_by,
        created_at=v.created_at,
    )


async def list_policies(session: AsyncSession, actor: Actor) -> list[ResolutionPolicy]:
    actor.require(COMPENSATION_GRANT)  # agents see what the policies do; admins change them
    return await ResolutionsRepository(session, actor.workspace_id).policies()


async def get_policy(session: AsyncSession, actor: Actor, policy_id: int) -> ResolutionPolicy:
    actor.require(COMPENSATION_GRANT)
    p = await ResolutionsRepository(session, actor.workspace_id).policy(policy_id)
    if p is None or p.archived_at is not None:
        raise NotFound(N_("Resolution policy not found."))
    return p


async def policy_version_exists(
    session: AsyncSession, workspace_id: int, policy_id: int, version: int | None
) -> bool:
    """Whether the workspace has this policy (archived ones too: what they did stays on record) and,
    when given, this version of it: what a compensation naming a policy is checked against."""
    repo = ResolutionsRepository(session, workspace_id)
    if await repo.policy(policy_id) is None:
        return False
    return version is None or await repo.version(policy_id, version) is not None


async def list_versions(session: AsyncSession, actor: Actor, policy_id: int) -> list[ResolutionPolicyVersion]:
    actor.require(POLICIES_MANAGE)
    repo = ResolutionsRepository(session, actor.workspace_id)
    if await repo.policy(policy_id) is None:
        raise NotFound(N_("Resolution policy not found."))
    return await repo.versions(policy_id)


async def acting_policies(
    session: AsyncSession, workspace_id: int, trigger_kind: str
) -> list[tuple[ResolutionPolicy, PolicyDocument]]:
    """The enabled policies of a trigger, oldest first, with their documents read."""
    out = []
    for p in await ResolutionsRepository(session, workspace_id).enabled(trigger_kind):
        out.append((p, PolicyDocument.model_validate(p.document)))
    return out


# -- suggestions ---------------------------------------------------------------------------------------------


def suggestion_out(s: ResolutionSuggestion) -> SuggestionOut:
    p = s.proposal
    return SuggestionOut(
        id=s.id,
        ticket_id=s.ticket_id,
        policy_id=s.policy_id,
        policy_version=s.policy_version,
        kind=s.kind,
        status=s.status,
        customer_id=s.customer_id,
        order_id=s.order_id,
        shipment_id=s.shipment_id,
        grants=[ProposedGrantOut.model_validate(g) for g in p.get("grants", [])],
        reason_code=str(p.get("reason_code", "")),
        why=str(p.get("why", "")),
        no_return_required=bool(p.get("no_return_required")),
        claim_reason=p.get("claim_reason"),
        outcome=s.outcome,
        decided_by=s.decided_by,
        decided_at=s.decided_at,
        created_at=s.created_at,
    )


async def list_suggestions(session: AsyncSession, actor: Actor, ticket_id: int) -> list[ResolutionSuggestion]:
    """The ticket's suggestions, newest first (the caller checked the agent may see the ticket)."""
    actor.require(TICKETS_READ)
    return await ResolutionsRepository(session, actor.workspace_id).suggestions(ticket_id)


async def get_suggestion(
    session: AsyncSession, actor: Actor, ticket_id: int, suggestion_id: int, *, for_update: bool = False
) -> ResolutionSuggestion:
    actor.require(TICKETS_READ)
    row = await ResolutionsRepository(session, actor.workspace_id).suggestion(
        ticket_id, suggestion_id, for_update=for_update
    )
    if row is None:
        raise NotFound(N_("Suggestion not found."))
    return row


# -- facts ---------------------------------------------------------------------------------------------------


def order_facts(order: Any, *, refunded_minor: int = 0) -> OrderFacts:
    """Commerce's ``OrderOut`` as the facts a policy tests."""
    seller = getattr(order, "seller", None)
    return OrderFacts(
        id=order.id,
        customer_id=order.customer_id,
        currency=order.currency,
        total_minor=order.total_minor,
        items_total_minor=order.items_total_minor,
        shipping_minor=order.shipping_minor,
        fulfilment=order.fulfilment,
        seller_id=order.seller_id,
        seller_kind=getattr(seller, "kind", None),
        refunded_minor=refunded_minor,
    )


def shipment_facts(shipment: Any) -> ShipmentFacts:
    """Commerce's ``ShipmentOut`` as facts."""
    return ShipmentFacts(
        id=shipment.id,
        status=shipment.status,
        shipped_at=shipment.shipped_at,
        last_event_at=shipment.last_event_at,
        promised_at=shipment.promised_at,
        delivered_at=shipment.delivered_at,
    )


def facts_of(
    order: Any, shipment: Any | None = None, *, contact_reason: str | None = None, refunded_minor: int = 0
) -> Facts:
    return Facts(
        order=order_facts(order, refunded_minor=refunded_minor),
        shipment=shipment_facts(shipment) if shipment is not None else None,
        contact_reason=contact_reason,
    )
