"""Writes of the inbox: saved views and canned responses. Shared ones (everyone's) are for those
who may manage the inbox (supervisors, admins); anyone may keep their own."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import INBOX_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.inbox.models import CannedResponse, InboxView
from wowdesk.inbox.repository import InboxRepository
from wowdesk.inbox.schemas import CannedIn, CannedUpdate, ViewFilters, ViewIn, ViewUpdate

MAX_VIEWS_PER_AGENT = 50


def _may_change(actor: Actor, owner_id: int | None) -> None:
    if owner_id is None and not actor.can(INBOX_MANAGE):
        raise Forbidden(N_("Only supervisors and admins change what everyone shares."))
    if owner_id is not None and owner_id != actor.id and actor.kind != "system":
        raise Forbidden()


async def _check_filters(session: AsyncSession, workspace_id: int, f: ViewFilters) -> None:
    """The teams and the agent a view names are this workspace's (a foreign id is refused, not saved)."""
    for team_id in f.team_ids:
        if await accounts.find_team(session, workspace_id, team_id) is None:
            raise InvalidInput(N_("The team {id} does not exist."), id=team_id)
    if isinstance(f.assignee, int) and await accounts.find_agent(session, workspace_id, f.assignee) is None:
        raise InvalidInput(N_("The agent {id} does not exist."), id=f.assignee)


async def do_create_view(session: AsyncSession, actor: Actor, data: ViewIn) -> InboxView:
    owner = None if data.shared else actor.id
    if owner is None and not data.shared:
        raise InvalidInput(N_("A personal view needs an agent."))
    _may_change(actor, owner)
    await _check_filters(session, actor.workspace_id, data.filters)
    repo = InboxRepository(session, actor.workspace_id)
    if owner is not None:
        own = [v for v in await repo.views_for(owner) if v.owner_id == owner]
        if len(own) >= MAX_VIEWS_PER_AGENT:
            raise Conflict(N_("You have {max} views already; delete one first."), max=MAX_VIEWS_PER_AGENT)
    t = now(session)
    view = InboxView(
        owner_id=owner,
        name=data.name,
        filters=data.filters.model_dump(mode="json", exclude_defaults=True),
        position=data.position,
        created_at=t,
        updated_at=t,
    )
    return await repo.add(view)


async def do_update_view(session: AsyncSession, actor: Actor, view: InboxView, data: ViewUpdate) -> InboxView:
    _may_change(actor, view.owner_id)
    if data.name is not None:
        view.name = data.name
    if data.filters is not None:
        await _check_filters(session, actor.workspace_id, data.filters)
        view.filters = data.filters.model_dump(mode="json", exclude_defaults=True)
    if data.position is not None:
        view.position = data.position
    view.updated_at = now(session)
    await session.flush()
    return view


async def do_delete_view(session: AsyncSession, actor: Actor, view: InboxView) -> None:
    _may_change(actor, view.owner_id)
    await InboxRepository(session, actor.workspace_id).delete(view)


async def do_create_canned(session: AsyncSession, actor: Actor, data: CannedIn) -> CannedResponse:
    owner = None if data.shared else actor.id
    _may_change(actor, owner)
    repo = InboxRepository(session, actor.workspace_id)
    if await repo.canned_by_shortcut(data.shortcut, owner) is not None:
        raise Conflict(N_("The shortcut /{shortcut} is taken."), shortcut=data.shortcut)
    t = now(session)
    row = CannedResponse(
        owner_id=owner,
        shortcut=data.shortcut,
        title=data.title,
        body=data.body,
        language=data.language,
        created_at=t,
        updated_at=t,
    )
    return await repo.add(row)


async def do_update_canned(
    session: AsyncSession, actor: Actor, canned: CannedResponse, data: CannedUpdate
) -> CannedResponse:
    _may_change(actor, canned.owner_id)
    repo = InboxRepository(session, actor.workspace_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("shortcut") and changes["shortcut"] != canned.shortcut:
        taken = await repo.canned_by_shortcut(changes["shortcut"], canned.owner_id)
        if taken is not None:
            raise Conflict(N_("The shortcut /{shortcut} is taken."), shortcut=changes["shortcut"])
    for key in ("shortcut", "title", "body"):
        if changes.get(key) is not None:
            setattr(canned, key, changes[key])
    if "language" in changes:
        canned.language = changes["language"]
    canned.updated_at = now(session)
    await session.flush()
    return canned


async def do_delete_canned(session: AsyncSession, actor: Actor, canned: CannedResponse) -> None:
    _may_change(actor, canned.owner_id)
    await InboxRepository(session, actor.workspace_id).delete(canned)
