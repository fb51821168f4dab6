"""Writes of the contact-reason taxonomy: seed the defaults, add a reason, change one (names,
group, order, retire/restore). Codes never change: tickets, reports and policies name them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import REASONS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.policies.reasons.defaults import DEFAULT_REASONS
from wowdesk.policies.reasons.events import ContactReasonCreated, ContactReasonUpdated
from wowdesk.policies.reasons.models import ReasonRow
from wowdesk.policies.reasons.repository import MAX_REASONS, ReasonsRepository
from wowdesk.policies.reasons.schemas import ReasonCreate, ReasonUpdate


async def do_seed_default_reasons(session: AsyncSession, workspace_id: int) -> int:
    """Add the default taxonomy's reasons a workspace lacks (by code); returns how many were added.
    Run when a workspace is created; running it again changes nothing."""
    repo = ReasonsRepository(session, workspace_id)
    have = {r.code for r in await repo.all()}
    t = now(session)
    added = 0
    for position, (code, parent, en, hant, hans) in enumerate(DEFAULT_REASONS):
        if code in have:
            continue
        names = {"en": en, "zh-Hant": hant, "zh-Hans": hans}
        await repo.insert(ReasonRow(0, workspace_id, code, parent, names, True, position * 10, t, t))
        added += 1
    return added


async def _check_parent(repo: ReasonsRepository, code: str, parent_code: str | None) -> None:
    if parent_code is None:
        return
    if parent_code == code:
        raise InvalidInput(N_("A reason cannot be its own group."))
    parent = await repo.by_code(parent_code)
    if parent is None:
        raise InvalidInput(N_("There is no reason {code} to group under."), code=parent_code)
    if parent.parent_code is not None:
        raise InvalidInput(
            N_("{code} is itself inside a group; reasons are grouped one level deep."), code=parent_code
        )


async def do_create_reason(session: AsyncSession, actor: Actor, data: ReasonCreate) -> ReasonRow:
    actor.require(REASONS_MANAGE)
    repo = ReasonsRepository(session, actor.workspace_id)
    existing = await repo.all()
    if any(r.code == data.code for r in existing):
        raise Conflict(N_("A reason with the code {code} exists already."), code=data.code)
    if len(existing) >= MAX_REASONS:
        raise InvalidInput(N_("A workspace has at most {max} contact reasons."), max=MAX_REASONS)
    await _check_parent(repo, data.code, data.parent_code)
    t = now(session)
    row = await repo.insert(
        ReasonRow(
            0,
            actor.workspace_id,
            data.code,
            data.parent_code,
            dict(data.names),
            data.active,
            data.position,
            t,
            t,
        )
    )
    record_event(
        session,
        ContactReasonCreated(
            workspace_id=actor.workspace_id,
            occurred_at=t,
            actor=actor.ref,
            code=row.code,
            parent_code=row.parent_code,
        ),
    )
    return row


async def do_update_reason(session: AsyncSession, actor: Actor, code: str, data: ReasonUpdate) -> ReasonRow:
    actor.require(REASONS_MANAGE)
    repo = ReasonsRepository(session, actor.workspace_id)
    row = await repo.by_code(code)
    if row is None:
        raise NotFound(N_("There is no contact reason {code}."), code=code)
    fields = data.model_fields_set
    if "parent_code" in fields and data.parent_code != row.parent_code:
        await _check_parent(repo, row.code, data.parent_code)
        if data.parent_code is not None and any(r.parent_code == row.code for r in await repo.all()):
            raise InvalidInput(
                N_("{code} is a group with reasons in it; it cannot go inside another."), code=code
            )
    changed: set[str] = set()
    for name in ("parent_code", "names", "active", "position"):
        if name in fields and getattr(data, name) != getattr(row, name):
            setattr(row, name, getattr(data, name))
            changed.add(name)
    if changed:
        row.updated_at = now(session)
        await repo.update(row, changed | {"updated_at"})
        record_event(
            session,
            ContactReasonUpdated(
                workspace_id=actor.workspace_id,
                occurred_at=row.updated_at,
                actor=actor.ref,
                code=row.code,
                changes=sorted(changed),
            ),
        )
    return row
