from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.api.schemas import PageOut
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.validation import normalize_tag
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import actions, queries
from wowdesk.tickets.links import actions as link_actions
from wowdesk.tickets.links.schemas import ReplyOut
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.schemas import (
    CommentCreate,
    CommentOut,
    Priority,
    Status,
    TicketCreate,
    TicketOut,
    TicketType,
    TicketUpdate,
    TimelineEntry,
)

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"], route_class=StandardJSONRoute)
_COMMENTS = TypeAdapter(list[CommentOut])

CanRead = Annotated[Actor, Depends(needs(TICKETS_READ))]


async def load_ticket(ticket_id: IdPath, request: Request, session: SessionDep, actor: CanRead) -> TicketRow:
    """The ticket named in the path, in the caller's workspace, or 404 (locked for writes on PostgreSQL)."""
    return await queries.get_ticket(
        session, actor, ticket_id, for_update=request.method not in ("GET", "HEAD")
    )


TicketDep = Annotated[TicketRow, Depends(load_ticket)]


def _etag(ticket: TicketRow) -> str:
    return f'W/"{ticket.version}"'


@asynccontextmanager
async def current_on_stale(session: AsyncSession, ticket: TicketRow) -> AsyncIterator[None]:
    """A write refused because the ticket changed since the caller loaded it (409 with
    ``current_version``) also answers the ticket as it is now, under ``current`` (the shape of
    GET /api/v1/tickets/{id}), so the caller can show it next to what they wanted."""
    try:
        yield
    except Conflict as exc:
        if "current_version" in exc.extra:
            current = await queries.describe_ticket(session, ticket.workspace_id, ticket)
            exc.extra["current"] = current.model_dump(mode="json")
        raise


def _if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit()):  # str.isdigit() also says yes to "²" and "١"
        raise InvalidInput(N_('If-Match must be the ETag of the ticket, e.g. W/"3".'))
    return int(raw)


@router.post(
    "",
    response_model=TicketOut,
    status_code=201,
    summary="Create a ticket",
    description="The requester is found or created by e-mail/phone, or named by id. "
    "Send an `Idempotency-Key` header to make retries safe.",
)
async def create_ticket(
    data: TicketCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> TicketOut:
        ticket = await actions.do_create_ticket(session, actor, data)
        return await queries.describe_ticket(session, actor.workspace_id, ticket)

    return await create_once(request, session, actor, data, create)


def _many(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


@router.get("", response_model=PageOut[TicketOut], summary="List, filter and search tickets")
async def list_tickets(
    session: SessionDep,
    actor: CanRead,
    status: Annotated[
        list[str] | None, Query(description="Repeat or comma-separate: new,open,pending…")
    ] = None,
    priority: Annotated[list[str] | None, Query()] = None,
    type: Annotated[list[str] | None, Query()] = None,
    assignee: str | None = Query(None, max_length=20, description="An agent id, `me` or `none`"),
    team: int | None = Query(None, ge=1, le=MAX_DB_ID),
    requester: int | None = Query(None, ge=1, le=MAX_DB_ID),
    tag: str | None = Query(None, max_length=50),
    q: str | None = Query(
        None, max_length=500, description="Words in the subject or any comment (any script)"
    ),
    sort: Literal["-created_at", "created_at", "-updated_at", "updated_at"] = "-created_at",
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=200),
) -> Response:
    f = queries.TicketFilter(team_id=team, requester_id=requester)
    for values, allowed, target in (
        (status, Status, f.statuses),
        (priority, Priority, f.priorities),
        (type, TicketType, f.types),
    ):
        for v in _many(values):
            if v not in get_args(allowed):
                raise InvalidInput(N_("Unknown filter value {value}."), value=v)
            target.append(v)
    if assignee == "me":
        f.assignee_id = actor.id
    elif assignee == "none":
        f.unassigned = True
    elif assignee is not None:
        if not (assignee.isascii() and assignee.isdigit() and 1 <= int(assignee) <= MAX_DB_ID):
            raise InvalidInput(N_("assignee is an agent id, me or none."))
        f.assignee_id = int(assignee)
    if tag:
        try:
            f.tag = normalize_tag(tag)
        except ValueError as exc:
            raise InvalidInput(N_("Filter not valid: {reason}"), reason=str(exc)) from None
    page = await queries.list_tickets(session, actor, f, q=q, sort=sort, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.get("/{ticket_id}", response_model=TicketOut)
async def get_ticket(ticket: TicketDep, session: SessionDep) -> Response:
    out = await queries.describe_ticket(session, ticket.workspace_id, ticket)
    return model_response(out, headers={"ETag": _etag(ticket)})


@router.patch(
    "/{ticket_id}",
    response_model=TicketOut,
    summary="Change status, priority, type, assignee, team, tags, custom fields, subject",
    description="Status changes follow the ticket state table; a closed ticket cannot change (409). "
    "Send `If-Match` with the ETag from GET to refuse the change if someone else "
    "changed the ticket in between (409 with `current_version` and the ticket as it is now "
    "under `current`).",
)
async def update_ticket(
    ticket: TicketDep,
    data: TicketUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: str | None = Header(None),
) -> Response:
    async with current_on_stale(session, ticket):
        await actions.do_update_ticket(session, actor, ticket, data, expected_version=_if_match(if_match))
    out = await queries.describe_ticket(session, actor.workspace_id, ticket)
    return model_response(out, headers={"ETag": _etag(ticket)})


@router.post(
    "/{ticket_id}/comments",
    response_model=ReplyOut,
    status_code=201,
    summary="Add a public reply (public=true) or an internal note (public=false)",
    description='With `"author": "requester"` an integration posts the requester\'s reply: on a '
    "merged ticket it lands on the ticket it was merged into, on a closed ticket it opens a "
    "follow-up; `ticket_id` of the answer is where it landed and `routed` says why "
    "(`merged` | `follow_up`).",
)
async def add_comment(
    ticket: TicketDep, data: CommentCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> ReplyOut:
        if data.author == "requester":
            reply = await link_actions.do_add_requester_reply(session, actor, ticket, data)
            comment, routed = reply.comment, reply.routed
        else:
            comment, routed = await actions.do_add_comment(session, actor, ticket, data), None
        out = await queries.describe_comment(
            session, actor.workspace_id, comment, has_attachments=bool(data.attachment_ids)
        )
        return ReplyOut(**out.model_dump(), routed=routed, sent_to=ticket.id if routed else None)

    return await create_once(request, session, actor, data, create)


@router.get(
    "/{ticket_id}/comments", response_model=list[CommentOut], summary="Replies and notes, oldest first"
)
async def list_comments(
    ticket: TicketDep,
    session: SessionDep,
    actor: CanRead,
    after_id: int | None = Query(None, ge=0, le=MAX_DB_ID),
    limit: int = Query(100, ge=1, le=500),
) -> Response:
    comments = await queries.list_comments(session, actor, ticket, after_id=after_id, limit=limit)
    return Response(_COMMENTS.dump_json(comments), media_type=JSON)


@router.get(
    "/{ticket_id}/events",
    response_model=PageOut[TimelineEntry],
    summary="The audit timeline: every change, who made it, when, old → new",
)
async def ticket_events(
    ticket: TicketDep,
    session: SessionDep,
    actor: CanRead,
    after_id: int | None = Query(None, ge=0, le=MAX_DB_ID),
    limit: int = Query(200, ge=1, le=1000),
) -> Response:
    rows = await queries.timeline(session, actor, ticket, after_id=after_id, limit=limit + 1)
    more = len(rows) > limit
    return model_response(PageOut(items=rows[:limit], next_cursor=str(rows[limit - 1].id) if more else None))
