"""Reads of the inbox: one list of tickets and conversations by last activity (newest first), the
views over it and how many each holds, canned responses.

The two kinds are read through their own domains' queries, each with its own index, and merged
here: a page costs one bounded query per kind plus one per thing shown (names, tags, previews),
whatever the size of the lists. The cursor remembers where each kind's list stopped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CONVERSATIONS_READ, TICKETS_READ
from wowdesk.conversations import queries as chat
from wowdesk.conversations.models import ChannelRow, ConversationRow
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_, translate
from wowdesk.core.pagination import decode_cursor, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.inbox.models import CannedResponse, InboxView
from wowdesk.inbox.repository import InboxRepository
from wowdesk.inbox.schemas import (
    UNSOLVED,
    CannedOut,
    InboxItem,
    InboxPage,
    Person,
    ViewCount,
    ViewFilters,
    ViewOut,
)
from wowdesk.tickets import queries as tickets
from wowdesk.tickets.models import TicketRow

COUNT_LIMIT = 10_000  # a view's count stops here ("10,000+"): counting is bounded like everything else
PAGE_LIMIT = 100

# A conversation's status in the inbox's vocabulary, and back.
CONVERSATION_STATUS = {"open": "open", "pending": "pending", "snoozed": "snoozed", "resolved": "solved"}
_FROM_INBOX = {v: k for k, v in CONVERSATION_STATUS.items()}
TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
# A channel account's kind → the channel name tickets use.
CHANNEL_NAME = {"webchat": "chat"}

# Built-in views: (key, name msgid, filters). "Mine", "Unassigned" and "My teams" hold what is not
# solved yet; "All open" what waits for an agent; "Pending" what waits for someone else.
BUILTIN: tuple[tuple[str, str, ViewFilters], ...] = (
    ("mine", N_("Mine"), ViewFilters(assignee="me", statuses=list(UNSOLVED))),
    ("unassigned", N_("Unassigned"), ViewFilters(assignee="none", statuses=list(UNSOLVED))),
    ("team", N_("My teams"), ViewFilters(my_teams=True, statuses=list(UNSOLVED))),
    ("open", N_("All open"), ViewFilters(statuses=["new", "open"])),
    ("pending", N_("Pending"), ViewFilters(statuses=["pending", "on_hold", "snoozed"])),
    ("solved", N_("Solved"), ViewFilters(statuses=["solved"])),
)
BUILTIN_KEYS = tuple(key for key, _n, _f in BUILTIN)


# -- views ---------------------------------------------------------------------------------------------


def _view_out(view: InboxView) -> ViewOut:
    return ViewOut(
        key=str(view.id),
        id=view.id,
        name=view.name,
        builtin=False,
        shared=view.owner_id is None,
        filters=ViewFilters.model_validate(view.filters or {}),
        position=view.position,
    )


async def list_views(session: AsyncSession, actor: Actor, language: str | None = None) -> list[ViewOut]:
    """The built-in views, then the shared ones, then the agent's own."""
    out = [
        ViewOut(key=key, name=translate(name, language), builtin=True, shared=True, filters=f)
        for key, name, f in BUILTIN
    ]
    rows = await InboxRepository(session, actor.workspace_id).views_for(actor.id)
    return out + [_view_out(v) for v in rows]


async def get_saved_view(session: AsyncSession, actor: Actor, view_id: int) -> InboxView:
    view = await InboxRepository(session, actor.workspace_id).view(view_id)
    if view is None or (view.owner_id is not None and view.owner_id != actor.id):
        raise NotFound(N_("View not found."))
    return view


async def get_view(session: AsyncSession, actor: Actor, key: str, language: str | None = None) -> ViewOut:
    """A view by its key: a built-in's word or a saved view's id."""
    for k, name, f in BUILTIN:
        if k == key:
            return ViewOut(key=k, name=translate(name, language), builtin=True, shared=True, filters=f)
    if not key.isdigit() or not 1 <= int(key) <= MAX_DB_ID:
        raise NotFound(N_("View not found."))
    return _view_out(await get_saved_view(session, actor, int(key)))


# -- the two lists behind a filter ------------------------------------------------------------------------


@dataclass
class _Plan:
    """A filter made concrete for one agent: what to ask each kind, or None to skip it."""

    tickets: tickets.TicketFilter | None
    conversations: chat.ConversationFilter | None


async def _plan(
    session: AsyncSession, actor: Actor, f: ViewFilters, channels: list[ChannelRow] | None = None
) -> _Plan:
    assignee_id: int | None = None
    unassigned = False
    if f.assignee == "me":
        if actor.id is None:
            return _Plan(None, None)
        assignee_id = actor.id
    elif f.assignee == "none":
        unassigned = True
    elif isinstance(f.assignee, int):
        assignee_id = f.assignee
    team_ids = set(f.team_ids)
    if f.my_teams:
        mine = await chat.teams_of(session, actor)
        team_ids = (team_ids & mine) if team_ids else set(mine)
        if not team_ids:
            return _Plan(None, None)  # in no team: "my teams" holds nothing
    want_tickets = (not f.kinds or "ticket" in f.kinds) and actor.can(TICKETS_READ)
    want_chats = (not f.kinds or "conversation" in f.kinds) and actor.can(CONVERSATIONS_READ)
    want_chats = want_chats and not f.tickets_only()

    tf: tickets.TicketFilter | None = None
    if want_tickets:
        t_statuses: list[str] = [s for s in f.statuses if s in TICKET_STATUSES]
        if not f.statuses or t_statuses:
            tf = tickets.TicketFilter(
                statuses=t_statuses,
                priorities=list(f.priorities),
                assignee_id=assignee_id,
                unassigned=unassigned,
                team_ids=sorted(team_ids),
                channels=list(f.channels),
                tag=f.tag,
                search=f.q,
                fields=await _field_conditions(session, actor, f.fields),
            )
    cf: chat.ConversationFilter | None = None
    if want_chats:
        c_statuses = [_FROM_INBOX[s] for s in f.statuses if s in _FROM_INBOX]
        channel_ids: list[int] = []
        if f.channels:
            every = (
                channels if channels is not None else await chat.list_channels(session, actor.workspace_id)
            )
            channel_ids = [c.id for c in every if CHANNEL_NAME.get(c.kind, c.kind) in f.channels]
        if (not f.statuses or c_statuses) and (not f.channels or channel_ids):
            cf = chat.ConversationFilter(
                statuses=tuple(c_statuses),
                priorities=tuple(f.priorities),
                assignee_id=assignee_id,
                unassigned=unassigned,
                team_ids=tuple(sorted(team_ids)),
                channel_ids=tuple(channel_ids),
            )
    return _Plan(tf, cf)


async def _field_conditions(
    session: AsyncSession, actor: Actor, wanted: dict[str, Any]
) -> list[tuple[str, str, Any]]:
    if not wanted:
        return []
    defined = {fd.key: fd for fd in await tickets.list_fields(session, actor)}
    out: list[tuple[str, str, Any]] = []
    for key, value in sorted(wanted.items()):
        fd = defined.get(key)
        if fd is None:
            raise InvalidInput(N_("Unknown custom field {key}."), key=key)
        if fd.type == "number":
            try:
                out.append((key, "num", float(value)))
            except (TypeError, ValueError):
                raise InvalidInput(N_("The field {key} holds numbers."), key=key) from None
        elif fd.type == "checkbox":
            out.append((key, "bool", value in (True, "true", "1", "on", "yes")))
        else:
            out.append((key, "str", str(value)))
    return out


# -- a page of the inbox --------------------------------------------------------------------------------

_END = "end"


def _position(value: Any) -> tuple[dt.datetime, int] | str | None:
    if value is None or value == _END:
        return value  # type: ignore[no-any-return]
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidInput(N_("The cursor is not valid."))
    at, id_ = value
    if not isinstance(id_, int) or isinstance(id_, bool) or not 1 <= id_ <= MAX_DB_ID:
        raise InvalidInput(N_("The cursor is not valid."))
    try:
        when = dt.datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise InvalidInput(N_("The cursor is not valid.")) from None
    if when.tzinfo is None:
        raise InvalidInput(N_("The cursor is not valid."))
    return when, id_


def _resume(at: Any, fetched: list[Any], shown: list[Any], limit: int, when: Any) -> Any:
    """Where one kind's list goes on from on the next page: after its last row shown, where it
    was if none was shown, or nowhere (``end``) once all of it has been."""
    if not fetched or (len(shown) == len(fetched) and len(fetched) <= limit):
        return _END
    if shown:
        return [when(shown[-1]).isoformat(), shown[-1].id]
    return None if at is None else [at[0].isoformat(), at[1]]


def _read_cursor(cursor: str | None) -> tuple[Any, Any]:
    if not cursor:
        return None, None
    data = decode_cursor(cursor)
    return _position(data.get("t")), _position(data.get("c"))


async def inbox_page(
    session: AsyncSession,
    actor: Actor,
    f: ViewFilters,
    *,
    cursor: str | None = None,
    limit: int = 25,
) -> InboxPage:
    """Tickets and conversations matching the filter, most recent activity first."""
    if not 1 <= limit <= PAGE_LIMIT:
        raise InvalidInput(N_("limit is 1 to {max}."), max=PAGE_LIMIT)
    t_at, c_at = _read_cursor(cursor)
    channels = await chat.list_channels(session, actor.workspace_id)
    plan = await _plan(session, actor, f, channels)
    t_rows: list[TicketRow] = []
    c_rows: list[ConversationRow] = []
    if plan.tickets is not None and t_at != _END:
        t_rows = await tickets.recent_tickets(session, actor, plan.tickets, before=t_at, limit=limit + 1)
    if plan.conversations is not None and c_at != _END:
        c_rows = await chat.list_conversations(
            session, actor, plan.conversations, after=c_at, limit=limit + 1
        )
    merged: list[tuple[dt.datetime, int, int, TicketRow | ConversationRow]] = sorted(
        [(t.updated_at, 1, t.id, t) for t in t_rows] + [(c.last_message_at, 0, c.id, c) for c in c_rows],
        key=lambda e: (e[0], e[1], e[2]),
        reverse=True,
    )
    shown = merged[:limit]
    shown_t = [e[3] for e in shown if isinstance(e[3], TicketRow)]
    shown_c = [e[3] for e in shown if isinstance(e[3], ConversationRow)]
    next_cursor = None
    if len(merged) > limit:
        next_cursor = encode_cursor(
            {
                "t": _resume(t_at, t_rows, shown_t, limit, lambda t: t.updated_at),
                "c": _resume(c_at, c_rows, shown_c, limit, lambda c: c.last_message_at),
            }
        )
    items = await _describe(session, actor, shown_t, shown_c, channels)
    order = {(e[1], e[2]): i for i, e in enumerate(shown)}
    items.sort(key=lambda it: order[(1 if it.kind == "ticket" else 0, it.id)])
    return InboxPage(items=items, next_cursor=next_cursor)


async def _describe(
    session: AsyncSession,
    actor: Actor,
    t_rows: list[TicketRow],
    c_rows: list[ConversationRow],
    channels: list[ChannelRow],
) -> list[InboxItem]:
    ws = actor.workspace_id
    described = await tickets.describe_tickets(session, ws, t_rows) if t_rows else []
    conversations = await chat.describe_conversations(session, ws, c_rows) if c_rows else []
    previews = await chat.last_messages(session, ws, [c.id for c in c_rows])
    names = await accounts.agent_names(
        session, ws, {t.assignee_id for t in t_rows} | {c.assignee_id for c in c_rows}
    )
    by_channel = {c.id: c for c in channels}

    def person(agent_id: int | None) -> Person | None:
        return Person(id=agent_id, name=names.get(agent_id, "")) if agent_id is not None else None

    items = [
        InboxItem(
            kind="ticket",
            id=t.id,
            number=t.number,
            title=t.subject,
            status=t.status,
            priority=t.priority,
            channel=t.channel,
            customer=Person(id=t.requester.id, name=t.requester.name, email=t.requester.email),
            assignee=person(t.assignee_id),
            team_id=t.team_id,
            tags=t.tags,
            activity_at=t.updated_at,
        )
        for t in described
    ]
    rows = {c.id: c for c in c_rows}
    for c in conversations:
        last = previews.get(c.id)
        ch = by_channel.get(c.channel_id)
        preview = ""
        if last is not None and last.kind != "activity":
            preview = last.body[:160]
        items.append(
            InboxItem(
                kind="conversation",
                id=c.id,
                title=c.customer.name,
                preview=preview,
                status=CONVERSATION_STATUS.get(c.status, c.status),
                priority=c.priority,
                channel=CHANNEL_NAME.get(ch.kind, ch.kind) if ch else "chat",
                channel_name=ch.name if ch else "",
                customer=Person(id=c.customer.id, name=c.customer.name, email=c.customer.email),
                assignee=person(c.assignee_id),
                team_id=c.team_id,
                unread=last is not None and last.direction == "incoming" and c.agent_read_seq < last.seq,
                activity_at=rows[c.id].last_message_at,
            )
        )
    return items


# -- counts ---------------------------------------------------------------------------------------------


async def count(
    session: AsyncSession, actor: Actor, f: ViewFilters, *, up_to: int = COUNT_LIMIT
) -> ViewCount:
    plan = await _plan(session, actor, f)
    total = 0
    if plan.tickets is not None:
        total += await tickets.count_tickets(session, actor, plan.tickets, up_to=up_to + 1)
    if plan.conversations is not None and total <= up_to:
        total += await chat.count_conversations(session, actor, plan.conversations, up_to=up_to + 1)
    return ViewCount(key="", count=min(total, up_to), more=total > up_to)


async def view_counts(session: AsyncSession, actor: Actor, views: list[ViewOut]) -> list[ViewCount]:
    out = []
    for v in views:
        c = await count(session, actor, v.filters)
        out.append(ViewCount(key=v.key, count=c.count, more=c.more))
    return out


# -- canned responses -------------------------------------------------------------------------------------


def canned_out(row: CannedResponse) -> CannedOut:
    return CannedOut(
        id=row.id,
        shortcut=row.shortcut,
        title=row.title,
        body=row.body,
        language=row.language,
        shared=row.owner_id is None,
        owner_id=row.owner_id,
        updated_at=row.updated_at,
    )


async def list_canned(session: AsyncSession, actor: Actor) -> list[CannedResponse]:
    return await InboxRepository(session, actor.workspace_id).canned_for(actor.id)


async def get_canned(session: AsyncSession, actor: Actor, canned_id: int) -> CannedResponse:
    row = await InboxRepository(session, actor.workspace_id).canned(canned_id)
    if row is None or (row.owner_id is not None and row.owner_id != actor.id):
        raise NotFound(N_("Canned response not found."))
    return row
