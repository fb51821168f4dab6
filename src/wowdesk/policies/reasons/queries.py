"""Reads of the contact-reason taxonomy: the list (names in the reader's language), and the check
a ticket or a conversation runs on the reason it is given."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, current_language
from wowdesk.policies.reasons.models import ReasonRow
from wowdesk.policies.reasons.repository import ReasonsRepository
from wowdesk.policies.reasons.schemas import ReasonOut


def reason_out(row: ReasonRow, language: str | None = None) -> ReasonOut:
    names = dict(row.names or {})
    lang = language or current_language()
    return ReasonOut(
        code=row.code,
        parent_code=row.parent_code,
        name=names.get(lang) or names.get("en") or row.code,
        names=names,
        active=row.active,
        position=row.position,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_reasons(
    session: AsyncSession, actor: Actor, *, include_inactive: bool = False
) -> list[ReasonRow]:
    """Every reason, groups and their reasons together in list order (anyone signed in may read)."""
    rows = await ReasonsRepository(session, actor.workspace_id).all()
    return [r for r in rows if include_inactive or r.active]


async def check_reason(session: AsyncSession, workspace_id: int, code: str) -> str:
    """``code`` if it is an active reason of the workspace; otherwise a 422 saying so. A group is
    not a reason a contact can carry when it has reasons inside it."""
    repo = ReasonsRepository(session, workspace_id)
    row = await repo.by_code(code)
    if row is None or not row.active:
        raise InvalidInput(N_("{code} is not one of this workspace's contact reasons."), code=code)
    if row.parent_code is None and any(r.parent_code == code and r.active for r in await repo.all()):
        raise InvalidInput(N_("{code} is a group; choose one of the reasons in it."), code=code)
    return code
