"""Reads for tickets, shaped for the API: lists resolve requesters and tags in bounded queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import Page, decode_cursor, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.customers import queries as customers
from wowdesk.tickets import repository as _repository
from wowdesk.tickets.links.queries import merged_sources
from wowdesk.tickets.links.repository import LinksRepository
from wowdesk.tickets.models import AttachmentRow, CommentRow, FieldRow, TicketRow
from wowdesk.tickets.repository import SORTS, TicketFilter, TicketsRepository

__all__ = ["TicketFilter"]  # the filter object callers build for list_tickets
from wowdesk.tickets.schemas import (
    AttachmentOut,
    CommentOut,
    RequesterSummary,
    TicketOut,
    TicketRef,
    TimelineEntry,
)


async def get_ticket(
    session: AsyncSession, actor: Actor, ticket_id: int, *, for_update: bool = False
) -> TicketRow:
    actor.require(TICKETS_READ)
    ticket = await TicketsRepository(session, actor.workspace_id).ticket(ticket_id, for_update=for_update)
    if ticket is None:
        raise NotFound(N_("Ticket not found."))
    return ticket


async def describe_tickets(
    session: AsyncSession, workspace_id: int, tickets: list[TicketRow]
) -> list[TicketOut]:
    repo = TicketsRepository(session, workspace_id)
    tags = await repo.tags([t.id for t in tickets])
    people = await customers.customer_names(session, workspace_id, [t.requester_id for t in tickets])
    out = []
    for t in tickets:
        name, email = people.get(t.requester_id, ("", None))
        out.append(
            TicketOut(
                id=t.id,
                number=t.number,
                subject=t.subject,
                status=t.status,
                priority=t.priority,
                type=t.type,
                channel=t.channel,
                requester=RequesterSummary(id=t.requester_id, name=name, email=email),
                assignee_id=t.assignee_id,
                team_id=t.team_id,
                tags=tags[t.id],
                custom_fields=dict(t.custom_fields or {}),
                version=t.version,
                created_at=t.created_at,
                updated_at=t.updated_at,
                solved_at=t.solved_at,
                closed_at=t.closed_at,
                contact_reason=t.contact_reason,
                order_id=t.order_id,
                replies_by=t.replies_by,
            )
        )
    return out


async def describe_ticket(session: AsyncSession, workspace_id: int, ticket: TicketRow) -> TicketOut:
    return (await describe_tickets(session, workspace_id, [ticket]))[0]


async def list_tickets(
    session: AsyncSession,
    actor: Actor,
    f: TicketFilter,
    *,
    q: str | None = None,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 25,
) -> Page[TicketOut]:
    actor.require(TICKETS_READ)
    if sort not in SORTS:
        raise InvalidInput(
            N_("Unknown sort {sort}; use one of {choices}."), sort=sort, choices=", ".join(SORTS)
        )
    after = _read_cursor(cursor, sort) if cursor else None
    if q is not None and q.strip():
        f.search = q
    rows = await TicketsRepository(session, actor.workspace_id).tickets(
        f, sort=sort, after=after, limit=limit + 1
    )
    items = await describe_tickets(session, actor.workspace_id, rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        key: dict[str, Any] = {"s": sort, "id": last.id}
        if "updated_at" in sort:
            key["v"] = last.updated_at.isoformat()
        next_cursor = encode_cursor(key)
    return Page(items=items, next_cursor=next_cursor)


async def recent_tickets(
    session: AsyncSession,
    actor: Actor,
    f: TicketFilter,
    *,
    before: tuple[dt.datetime, int] | None,
    limit: int,
) -> list[TicketRow]:
    """Tickets by last activity, newest first, strictly after position `before` (updated_at, id):
    the tickets' side of the console's inbox."""
    actor.require(TICKETS_READ)
    after = {"v": before[0], "id": before[1]} if before else None
    return await TicketsRepository(session, actor.workspace_id).tickets(
        f, sort="-updated_at", after=after, limit=limit
    )


async def count_tickets(session: AsyncSession, actor: Actor, f: TicketFilter, *, up_to: int) -> int:
    actor.require(TICKETS_READ)
    return await TicketsRepository(session, actor.workspace_id).count(f, up_to=up_to)


def _read_cursor(cursor: str, sort: str) -> dict[str, Any]:
    """The position a cursor names, checked: it was made for this sort, its id is a database id,
    and for the updated_at sorts it holds a timezone-aware timestamp. Anything else is a 422."""
    data = decode_cursor(cursor)
    ticket_id = data.get("id")
    if (
        data.get("s") != sort
        or not isinstance(ticket_id, int)
        or isinstance(ticket_id, bool)
        or not 1 <= ticket_id <= MAX_DB_ID
    ):
        raise InvalidInput(N_("The cursor is not valid."))
    after: dict[str, Any] = {"id": ticket_id}
    if "updated_at" in sort:
        try:
            value = dt.datetime.fromisoformat(data["v"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(N_("The cursor is not valid.")) from None
        if value.tzinfo is None:
            raise InvalidInput(N_("The cursor is not valid."))
        after["v"] = value
    return after


def _comment_out(c: CommentRow, files: list[AttachmentRow]) -> CommentOut:
    return CommentOut(
        id=c.id,
        ticket_id=c.ticket_id,
        author=f"{c.author_kind}:{c.author_id}" if c.author_id else c.author_kind,
        body=c.body,
        public=c.public,
        via=c.via,
        created_at=c.created_at,
        attachments=[AttachmentOut.model_validate(a) for a in files],
    )


async def list_comments(
    session: AsyncSession, actor: Actor, ticket: TicketRow, *, after_id: int | None = None, limit: int = 100
) -> list[CommentOut]:
    repo = TicketsRepository(session, actor.workspace_id)
    merged = await merged_sources(session, actor.workspace_id, ticket.id)
    if merged:  # with the comments of the tickets merged into this one, in one order
        comments = await LinksRepository(session, actor.workspace_id).comments(
            ticket.id, merged, after_id=after_id, limit=limit
        )
    else:
        comments = await repo.comments(ticket.id, after_id=after_id, limit=limit)
    files = await repo.attachments_for_comments([c.id for c in comments])
    return [_comment_out(c, files[c.id]) for c in comments]


async def describe_comment(
    session: AsyncSession, workspace_id: int, comment: CommentRow, *, has_attachments: bool = True
) -> CommentOut:
    """A comment for the API; `has_attachments=False` (a comment just written without any) saves
    the attachment look-up."""
    if not has_attachments:
        return _comment_out(comment, [])
    files = await TicketsRepository(session, workspace_id).attachments_for_comments([comment.id])
    return _comment_out(comment, files[comment.id])


async def timeline(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    *,
    after_id: int | None = None,
    limit: int = 200,
    latest_before: int | None = None,
    latest: bool = False,
    merged: list[int] | None = None,
) -> list[TimelineEntry]:
    """The audit timeline in order, with the comments it mentions inlined: from the start (or
    after `after_id`), or — `latest` — its last `limit` entries (before `latest_before`)."""
    repo = TicketsRepository(session, actor.workspace_id)
    if merged is None:  # the tickets merged into this one, unless the caller knows them
        merged = await merged_sources(session, actor.workspace_id, ticket.id)
    if merged:  # with the comments of the tickets merged into this one, interleaved
        links = LinksRepository(session, actor.workspace_id)
        if latest:
            rows = list(
                reversed(await links.latest_timeline(ticket.id, merged, before_id=latest_before, limit=limit))
            )
        else:
            rows = await links.timeline(ticket.id, merged, after_id=after_id, limit=limit)
    elif latest:
        rows = list(reversed(await repo.latest_events(ticket.id, before_id=latest_before, limit=limit)))
    else:
        rows = await repo.events(ticket.id, after_id=after_id, limit=limit)
    sources = await LinksRepository(session, actor.workspace_id).briefs(
        sorted({r.ticket_id for r in rows if r.ticket_id != ticket.id})
    )
    comment_ids = [r.comment_id for r in rows if r.comment_id]
    comments = await repo.comments_by_ids(comment_ids)
    files = await repo.attachments_for_comments(comment_ids)
    out = []
    for r in rows:
        c = comments.get(r.comment_id) if r.comment_id else None
        comment = _comment_out(c, files[c.id]) if c is not None else None
        out.append(
            TimelineEntry(
                id=r.id,
                kind=r.kind,
                actor=r.actor,
                via=r.via,
                field=r.field,
                old=r.old,
                new=r.new,
                comment=comment,
                created_at=r.created_at,
                merged_from=TicketRef(id=r.ticket_id, number=sources[r.ticket_id][0])
                if r.ticket_id in sources
                else None,
            )
        )
    return out


async def get_attachment(session: AsyncSession, actor: Actor, attachment_id: int) -> AttachmentRow:
    actor.require(TICKETS_READ)
    a = await TicketsRepository(session, actor.workspace_id).attachment(attachment_id)
    if a is None or (a.ticket_id is None and a.uploaded_by != actor.ref):
        raise NotFound(N_("Attachment not found."))
    return a


async def list_fields(session: AsyncSession, actor: Actor, *, active_only: bool = False) -> list[FieldRow]:
    return await TicketsRepository(session, actor.workspace_id).fields(active_only=active_only)


async def get_field(session: AsyncSession, actor: Actor, field_id: int) -> FieldRow:
    defn = await TicketsRepository(session, actor.workspace_id).field(field_id)
    if defn is None:
        raise NotFound(N_("Custom field not found."))
    return defn


async def contacts_between(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[int | None, str | None]]:
    """The order and contact reason of every ticket made in [since, until): contacts per order."""
    return await _repository.contacts_between(session, workspace_id, since, until)
