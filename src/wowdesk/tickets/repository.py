from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.db import dialect_of
from wowdesk.core.repository import WorkspaceRepository
from wowdesk.core.search import newest_matches_first
from wowdesk.tickets.models import Attachment, Ticket, TicketComment, TicketEvent, TicketField, TicketTag


@dataclass
class TicketFilter:
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    requester_id: int | None = None
    tag: str | None = None
    matching: Select[tuple[int]] | None = None  # ids from the search index
    search: str | None = None  # the words searched for (for index-ordered search on SQLite)
    nothing: bool = False  # a search with no searchable term


SORTS = {
    "-created_at": (Ticket.id, True),
    "created_at": (Ticket.id, False),
    "-updated_at": (Ticket.updated_at, True),
    "updated_at": (Ticket.updated_at, False),
}


SEARCH_KIND = "ticket"  # the kind of search document a ticket is

# Hot statements, built once (bind parameters instead of per-call construction).
_TICKET = select(Ticket).where(Ticket.workspace_id == bindparam("ws"), Ticket.id == bindparam("id"))
_TICKET_FOR_UPDATE = _TICKET.with_for_update()
_TAGS = (
    select(TicketTag.ticket_id, TicketTag.tag)
    .where(
        TicketTag.workspace_id == bindparam("ws"), TicketTag.ticket_id.in_(bindparam("ids", expanding=True))
    )
    .order_by(TicketTag.ticket_id, TicketTag.tag)
)


class TicketsRepository(WorkspaceRepository):
    async def ticket(self, ticket_id: int) -> Ticket | None:
        return await self.by_id(Ticket, ticket_id)

    async def ticket_for_update(self, ticket_id: int) -> Ticket | None:
        """The ticket, row-locked until the transaction ends on PostgreSQL (SQLite's single writer
        serialises write transactions already)."""
        q = _TICKET_FOR_UPDATE if dialect_of(self.session) == "postgresql" else _TICKET
        params = {"ws": self.workspace_id, "id": ticket_id}
        return (await self.session.execute(q, params)).scalar_one_or_none()

    async def tickets(
        self, f: TicketFilter, *, sort: str, after: dict[str, Any] | None, limit: int
    ) -> list[Ticket]:
        if f.nothing:
            return []
        newest_first = bool(f.search) and sort == "-created_at" and dialect_of(self.session) == "sqlite"
        if f.matching is not None and dialect_of(self.session) == "sqlite" and not newest_first:
            # A search drives the query from its matches (looked up by primary key). Written as
            # `workspace_id + 0` the tenancy filter cannot tempt SQLite's planner into walking
            # every ticket of the workspace by index and testing each against the matches
            # (17-90 ms at 100k tickets, whatever the term).
            q = select(Ticket).where((Ticket.workspace_id + 0) == self.workspace_id)
        else:
            q = self.scoped(Ticket)
        if f.statuses:
            q = q.where(Ticket.status.in_(f.statuses))
        if f.priorities:
            q = q.where(Ticket.priority.in_(f.priorities))
        if f.types:
            q = q.where(Ticket.type.in_(f.types))
        if f.unassigned:
            q = q.where(Ticket.assignee_id.is_(None))
        elif f.assignee_id is not None:
            q = q.where(Ticket.assignee_id == f.assignee_id)
        if f.team_id is not None:
            q = q.where(Ticket.team_id == f.team_id)
        if f.requester_id is not None:
            q = q.where(Ticket.requester_id == f.requester_id)
        if f.tag:
            q = q.where(
                Ticket.id.in_(
                    select(TicketTag.ticket_id).where(
                        TicketTag.workspace_id == self.workspace_id, TicketTag.tag == f.tag
                    )
                )
            )
        col, desc = SORTS[sort]
        if newest_first and f.search:
            # Newest first straight from the full-text index (core.search.newest_matches_first).
            if after is not None:
                q = q.where(Ticket.id < after["id"])
            ordered = newest_matches_first(
                q, Ticket.id, workspace_id=self.workspace_id, kind=SEARCH_KIND, query=f.search
            )
            if ordered is None:
                return []
            return list((await self.session.execute(ordered.limit(limit))).scalars())
        if f.matching is not None:
            q = q.where(Ticket.id.in_(f.matching))
        if after is not None:
            if col is Ticket.id:
                q = q.where(Ticket.id < after["id"] if desc else Ticket.id > after["id"])
            else:
                v: dt.datetime = after["v"]
                q = (
                    q.where((col < v) | ((col == v) & (Ticket.id < after["id"])))
                    if desc
                    else q.where((col > v) | ((col == v) & (Ticket.id > after["id"])))
                )
        order: list[Any] = [col.desc(), Ticket.id.desc()] if desc else [col.asc(), Ticket.id.asc()]
        if col is Ticket.id:
            order = order[:1]
        return list((await self.session.execute(q.order_by(*order).limit(limit))).scalars())

    # -- tags --------------------------------------------------------------------------------------------
    async def tags(self, ticket_ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {t: [] for t in ticket_ids}
        if not ticket_ids:
            return out
        await self.session.flush()  # tags added in this unit of work are part of the answer
        params = {"ws": self.workspace_id, "ids": ticket_ids}
        for ticket_id, tag in (await (await self.session.connection()).execute(_TAGS, params)).all():
            out[ticket_id].append(tag)
        return out

    async def set_tags(self, ticket_id: int, add: list[str], remove: list[str]) -> None:
        if remove:
            await self.session.execute(
                delete(TicketTag).where(
                    TicketTag.workspace_id == self.workspace_id,
                    TicketTag.ticket_id == ticket_id,
                    TicketTag.tag.in_(remove),
                )
            )
        for tag in add:
            self.session.add(TicketTag(workspace_id=self.workspace_id, ticket_id=ticket_id, tag=tag))

    # -- comments, timeline, attachments ------------------------------------------------------------------
    async def comments(
        self, ticket_id: int, *, public_only: bool = False, after_id: int | None = None, limit: int = 100
    ) -> list[TicketComment]:
        q = self.scoped(TicketComment).where(TicketComment.ticket_id == ticket_id)
        if public_only:
            q = q.where(TicketComment.public.is_(True))
        if after_id:
            q = q.where(TicketComment.id > after_id)
        return list((await self.session.execute(q.order_by(TicketComment.id).limit(limit))).scalars())

    async def comments_by_ids(self, ids: list[int]) -> dict[int, TicketComment]:
        if not ids:
            return {}
        q = self.scoped(TicketComment).where(TicketComment.id.in_(ids))
        return {c.id: c for c in (await self.session.execute(q)).scalars()}

    async def events(self, ticket_id: int, *, after_id: int | None, limit: int) -> list[TicketEvent]:
        q = self.scoped(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        if after_id:
            q = q.where(TicketEvent.id > after_id)
        return list((await self.session.execute(q.order_by(TicketEvent.id).limit(limit))).scalars())

    async def attachments_for_comments(self, comment_ids: list[int]) -> dict[int, list[Attachment]]:
        out: dict[int, list[Attachment]] = {c: [] for c in comment_ids}
        if not comment_ids:
            return out
        q = self.scoped(Attachment).where(Attachment.comment_id.in_(comment_ids)).order_by(Attachment.id)
        for a in (await self.session.execute(q)).scalars():
            out[a.comment_id or 0].append(a)
        return out

    async def attachments_by_ids(self, ids: list[int]) -> list[Attachment]:
        if not ids:
            return []
        q = self.scoped(Attachment).where(Attachment.id.in_(ids))
        return list((await self.session.execute(q)).scalars())

    async def attachment(self, attachment_id: int) -> Attachment | None:
        return await self.by_id(Attachment, attachment_id)

    async def tickets_of_requester(self, requester_id: int) -> list[Ticket]:
        q = self.scoped(Ticket).where(Ticket.requester_id == requester_id).order_by(Ticket.id)
        if dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        return list((await self.session.execute(q)).scalars())

    # -- custom field definitions ---------------------------------------------------------------------------
    async def fields(self, *, active_only: bool = False) -> list[TicketField]:
        q = self.scoped(TicketField)
        if active_only:
            q = q.where(TicketField.active.is_(True))
        return list((await self.session.execute(q.order_by(TicketField.position, TicketField.id))).scalars())

    async def field(self, field_id: int) -> TicketField | None:
        return await self.by_id(TicketField, field_id)

    async def field_by_key(self, key: str) -> TicketField | None:
        q = self.scoped(TicketField).where(TicketField.key == key)
        return (await self.session.execute(q)).scalar_one_or_none()


# -- maintenance across workspaces (jobs) ----------------------------------------------------------------


async def orphan_attachments(session: AsyncSession, before: dt.datetime, limit: int) -> list[Attachment]:
    q = (
        select(Attachment)
        .where(Attachment.ticket_id.is_(None), Attachment.created_at < before)
        .order_by(Attachment.id)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars())


async def delete_attachment(session: AsyncSession, attachment: Attachment) -> None:
    await session.delete(attachment)
