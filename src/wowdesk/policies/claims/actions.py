"""Writes of claims: opened once per refunded ledger entry (the listener of compensation.granted),
then moved along the lifecycle of ``states.py`` by supervisors. Nothing here commits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import CLAIMS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.policies.claims import events as ev
from wowdesk.policies.claims.models import Claim
from wowdesk.policies.claims.repository import ClaimsRepository
from wowdesk.policies.claims.schemas import ClaimTransitionIn, OpenClaimIn
from wowdesk.policies.claims.states import can_move


async def do_open_claim(
    session: AsyncSession, actor: Actor, data: OpenClaimIn, *, evidence: str, links: list[str]
) -> tuple[Claim, bool]:
    """The claim recovering one refund: opened, or the one opened before for the same ledger entry
    (a listener that runs twice opens one claim). Returns (claim, opened now)."""
    actor.require(CLAIMS_MANAGE)
    repo = ClaimsRepository(session, actor.workspace_id)
    found = await repo.of_entry(data.ledger_entry_id)
    if found is not None:
        return found, False
    t = now(session)
    claim = Claim(
        workspace_id=actor.workspace_id,
        **data.model_dump(),
        evidence=evidence,
        evidence_links=links,
        status="open",
        status_note=None,
        status_changed_at=t,
        status_changed_by=actor.ref,
        created_at=t,
        updated_at=t,
    )
    try:
        async with session.begin_nested():
            session.add(claim)
            await session.flush()
    except IntegrityError:  # opened by a concurrent run of the listener
        found = await repo.of_entry(data.ledger_entry_id)
        if found is None:
            raise
        return found, False
    record_event(
        session,
        ev.ClaimOpened(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            claim_id=claim.id,
            seller_id=claim.seller_id,
            order_id=claim.order_id,
            ledger_entry_id=claim.ledger_entry_id,
            amount_minor=claim.amount_minor,
            currency=claim.currency,
            reason=claim.reason,
        ),
    )
    return claim, True


async def do_transition_claim(
    session: AsyncSession, actor: Actor, claim: Claim, data: ClaimTransitionIn
) -> Claim:
    """Move the claim to `data.to` if its lifecycle allows; the same move again changes nothing."""
    actor.require(CLAIMS_MANAGE)
    locked = await ClaimsRepository(session, actor.workspace_id).claim(claim.id, for_update=True)
    assert locked is not None
    if locked.status == data.to:
        return locked
    if not can_move(locked.status, data.to):
        raise Conflict(
            N_("A claim that is {current} cannot become {new}."), current=locked.status, new=data.to
        )
    old = locked.status
    t = now(session)
    locked.status, locked.status_note = data.to, data.note
    locked.status_changed_at = locked.updated_at = t
    locked.status_changed_by = actor.ref
    await session.flush()
    record_event(
        session,
        ev.ClaimStatusChanged(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            claim_id=locked.id,
            seller_id=locked.seller_id,
            order_id=locked.order_id,
            old_status=old,
            new_status=data.to,
            note=data.note,
        ),
    )
    return locked
