"""Writes of SLA policies (admins: ``sla.manage``). A policy's calendar must be the workspace's;
its conditions and targets are checked by the input schema. Changing a policy re-plans nothing at
once: a ticket's timers follow the policy's new calendar, warning time and targets at the next
change of the ticket that moves them (status, priority, tags, a reply)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.calendars import queries as calendars
from wowdesk.accounts.permissions import SLA_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.tickets.sla.models import PolicyRow
from wowdesk.tickets.sla.repository import SlaRepository
from wowdesk.tickets.sla.schemas import MAX_POLICIES, PolicyCreate, PolicyUpdate

_FIELDS = (
    "name",
    "description",
    "position",
    "active",
    "channels",
    "customer_tags",
    "ticket_tags",
    "calendar_id",
    "targets",
    "near_breach_minutes",
)


async def _check_calendar(session: AsyncSession, workspace_id: int, calendar_id: int | None) -> None:
    if calendar_id is not None and await calendars.find_calendar(session, workspace_id, calendar_id) is None:
        raise InvalidInput(N_("The calendar {id} does not exist."), id=calendar_id)


async def _unique_name(repo: SlaRepository, name: str, own_id: int | None) -> None:
    found = await repo.policy_by_name(name)
    if found is not None and found.id != own_id:
        raise Conflict(N_("An SLA policy named {name} exists already."), name=name)


async def do_create_policy(session: AsyncSession, actor: Actor, data: PolicyCreate) -> PolicyRow:
    actor.require(SLA_MANAGE)
    repo = SlaRepository(session, actor.workspace_id)
    await _check_calendar(session, actor.workspace_id, data.calendar_id)
    await _unique_name(repo, data.name, None)
    if len(await repo.policies(limit=MAX_POLICIES)) >= MAX_POLICIES:
        raise Conflict(N_("A workspace has at most {max} SLA policies."), max=MAX_POLICIES)
    t = now(session)
    return await repo.insert_policy(
        PolicyRow(
            id=0,
            workspace_id=actor.workspace_id,
            name=data.name,
            description=data.description,
            position=data.position,
            active=data.active,
            channels=list(data.channels),
            customer_tags=data.customer_tags,
            ticket_tags=data.ticket_tags,
            calendar_id=data.calendar_id,
            targets={p: dict(m) for p, m in data.targets.items()},
            near_breach_minutes=data.near_breach_minutes,
            created_at=t,
            updated_at=t,
        )
    )


async def do_update_policy(
    session: AsyncSession, actor: Actor, row: PolicyRow, data: PolicyUpdate
) -> PolicyRow:
    actor.require(SLA_MANAGE)
    repo = SlaRepository(session, actor.workspace_id)
    columns: set[str] = set()
    for name in _FIELDS:
        if name not in data.model_fields_set:
            continue
        value = getattr(data, name)
        if name == "calendar_id":
            await _check_calendar(session, actor.workspace_id, value)
        elif name == "name" and value != row.name:
            await _unique_name(repo, value, row.id)
        elif name == "targets":
            value = {p: dict(m) for p, m in value.items()}
        elif name == "channels":
            value = list(dict.fromkeys(value))
        if value != getattr(row, name):
            setattr(row, name, value)
            columns.add(name)
    if columns:
        row.updated_at = now(session)
        await repo.update_policy(row, columns | {"updated_at"})
    return row


async def do_delete_policy(session: AsyncSession, actor: Actor, row: PolicyRow) -> None:
    """Remove a policy and its tickets' timers (deactivate it instead to keep them)."""
    actor.require(SLA_MANAGE)
    await SlaRepository(session, actor.workspace_id).delete_policy(row)
