"""Every statement of the tickets domain, prepared once (``core.sql``): tickets, tags, comments,
the timeline, attachments and custom field definitions, as plain records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.search import joined_matches, matches, newest_matching_first, search_parameter
from wowdesk.core.sql import Stmt, Stmts, driver, in_list, insert_row, record_columns, select_record
from wowdesk.tickets.models import (
    Attachment,
    AttachmentRow,
    CommentRow,
    FieldRow,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketField,
    TicketRow,
    TicketTag,
    TimelineRow,
)

SEARCH_KIND = "ticket"  # the kind of search document a ticket is

T = cast(Table, Ticket.__table__)
TAGS = cast(Table, TicketTag.__table__)
PROACTIVE_TAG = "proactive"  # tickets the platform opened itself (tickets.proactive)
COMMENTS = cast(Table, TicketComment.__table__)
EVENTS = cast(Table, TicketEvent.__table__)
FIELDS = cast(Table, TicketField.__table__)
FILES = cast(Table, Attachment.__table__)

WS: BindParameter[Any] = bindparam("ws")


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
    search: str | None = None  # the words searched for (subject and comments, any script)
    team_ids: list[int] = field(default_factory=list)  # in one of these teams
    channels: list[str] = field(default_factory=list)  # arrived by one of these channels
    # Custom fields equal to a value: (key, how the value is stored: "str" | "num" | "bool", value).
    fields: list[tuple[str, str, Any]] = field(default_factory=list)


SORTS = {
    "-created_at": (T.c.id, True),
    "created_at": (T.c.id, False),
    "-updated_at": (T.c.updated_at, True),
    "updated_at": (T.c.updated_at, False),
}

# -- tickets -------------------------------------------------------------------------------------------------

_TICKET_COLUMNS = [c.name for c in record_columns(TicketRow, T)]
_TICKET = Stmt(
    select_record(TicketRow, T).where(T.c.workspace_id == WS, T.c.id == bindparam("id")), into=TicketRow
)
_TICKET_FOR_UPDATE = Stmt(
    select_record(TicketRow, T).where(T.c.workspace_id == WS, T.c.id == bindparam("id")).with_for_update(),
    into=TicketRow,
)
_INSERT_TICKET = Stmt(insert_row(T, [n for n in _TICKET_COLUMNS if n != "id"], returning=["id"]))
_TICKETS_OF_REQUESTER = Stmt(
    select_record(TicketRow, T)
    .where(T.c.workspace_id == WS, T.c.requester_id == bindparam("requester"))
    .order_by(T.c.id),
    into=TicketRow,
)
_TICKETS_OF_REQUESTER_FOR_UPDATE = Stmt(
    select_record(TicketRow, T)
    .where(T.c.workspace_id == WS, T.c.requester_id == bindparam("requester"))
    .order_by(T.c.id)
    .with_for_update(),
    into=TicketRow,
)


def _update_ticket(columns: frozenset[str]) -> Stmt[Any]:
    values = {c: bindparam(f"v_{c}", type_=T.c[c].type) for c in sorted(columns)}
    return Stmt(update(T).where(T.c.workspace_id == WS, T.c.id == bindparam("id")).values(values))


_UPDATES = Stmts(_update_ticket)


@dataclass(frozen=True)
class _Shape:
    """What a list query looks like, whatever the values: each shape is prepared once."""

    dialect: str
    statuses: bool
    priorities: bool
    types: bool
    assignee: bool
    unassigned: bool
    team: bool
    requester: bool
    tag: bool
    search: bool
    sort: str
    after: bool
    team_ids: bool = False
    channels: bool = False
    fields: tuple[tuple[str, str], ...] = ()  # (key, storage kind): field keys are part of the shape
    count: bool = False  # how many match (up to the limit), not which


def _field_value(key: str, kind: str) -> Any:
    value = T.c.custom_fields[key]
    return value.as_boolean() if kind == "bool" else value.as_float() if kind == "num" else value.as_string()


def _list_statement(shape: _Shape) -> Stmt[Any]:
    col, desc = SORTS[shape.sort]
    newest_first = shape.search and shape.sort == "-created_at" and shape.dialect == "sqlite"
    q: Select[Any] = select_record(TicketRow, T)
    if shape.search and shape.dialect == "sqlite" and not newest_first:
        # A search drives the query from its matches (looked up by primary key). Written as
        # `workspace_id + 0` the tenancy filter cannot tempt SQLite's planner into walking every
        # ticket of the workspace by index and testing each against the matches (17-90 ms at
        # 100k tickets, whatever the term).
        q = q.where((T.c.workspace_id + 0) == WS)
    else:
        q = q.where(T.c.workspace_id == WS)
    if shape.statuses:
        status: ColumnElement[Any] = T.c.status
        if shape.search and shape.dialect == "postgresql" and not shape.count:
            # Compared as `COLLATE "C"` (the same equality: statuses are ASCII words) no index can
            # serve the status, while the planner still estimates it from the column's statistics.
            # So a search does not read the whole view by index to hash-join it with the matches
            # (13-40 ms for the 25k open tickets and a term in 100 of them): a rare term starts
            # from its full-text matches and looks each ticket up by primary key (< 1 ms), a
            # common one still walks the view by activity and stops at the LIMIT (1-6 ms). Not
            # for a count, which reads all of a common term's matches: the status index then
            # gives their view's ids alone (index-only) to hash-join with them.
            status = status.collate("C")
        q = q.where(in_list(status, "statuses"))
    if shape.priorities:
        q = q.where(in_list(T.c.priority, "priorities"))
    if shape.types:
        q = q.where(in_list(T.c.type, "types"))
    if shape.unassigned:
        q = q.where(T.c.assignee_id.is_(None))
    elif shape.assignee:
        q = q.where(T.c.assignee_id == bindparam("assignee"))
    if shape.team:
        q = q.where(T.c.team_id == bindparam("team"))
    if shape.requester:
        q = q.where(T.c.requester_id == bindparam("requester"))
    if shape.team_ids:
        q = q.where(in_list(T.c.team_id, "team_ids"))
    if shape.channels:
        q = q.where(in_list(T.c.channel, "channels"))
    for i, (key, kind) in enumerate(shape.fields):
        q = q.where(_field_value(key, kind) == bindparam(f"field{i}"))
    if shape.tag:
        q = q.where(
            T.c.id.in_(
                select(TAGS.c.ticket_id).where(TAGS.c.workspace_id == WS, TAGS.c.tag == bindparam("tag"))
            )
        )
    if newest_first:
        # Newest first straight from the full-text index (core.search.newest_matching_first).
        if shape.after:
            q = q.where(T.c.id < bindparam("after_id"))
        q = newest_matching_first(q, T.c.id, SEARCH_KIND)
        return Stmt(q.limit(bindparam("limit")), into=TicketRow)
    if shape.search and shape.dialect == "sqlite":
        q = joined_matches(q, T.c.id, SEARCH_KIND)
    elif shape.search:
        q = q.where(matches(shape.dialect, T.c.id, SEARCH_KIND))
    if shape.count:
        capped = q.with_only_columns(T.c.id).limit(bindparam("limit")).subquery()
        return Stmt(select(func.count()).select_from(capped))
    if shape.after:
        after_id: BindParameter[Any] = bindparam("after_id")
        if col is T.c.id:
            q = q.where(T.c.id < after_id if desc else T.c.id > after_id)
        else:
            v = bindparam("after_v", type_=T.c.updated_at.type)
            q = (
                q.where(or_(col < v, and_(col == v, T.c.id < after_id)))
                if desc
                else q.where(or_(col > v, and_(col == v, T.c.id > after_id)))
            )
    order: list[Any] = [col.desc(), T.c.id.desc()] if desc else [col.asc(), T.c.id.asc()]
    if col is T.c.id:
        order = order[:1]
    return Stmt(q.order_by(*order).limit(bindparam("limit")), into=TicketRow)


_LISTS = Stmts(_list_statement)

# -- tags, comments, timeline, attachments, fields --------------------------------------------------------

# A ticket's tags by primary key (ticket_id, tag). Written as `workspace_id + 0` the tenancy filter
# cannot tempt SQLite's planner, when it has no statistics for the table (a database that grew
# since the last ANALYZE), into the covering index (workspace_id, tag, ticket_id) instead: a walk
# of every tag of the workspace, 1.2 ms at 20k tickets and growing, on every trigger evaluation.
_TAGS = Stmt(
    select(TAGS.c.ticket_id, TAGS.c.tag)
    .where((TAGS.c.workspace_id + 0) == WS, in_list(TAGS.c.ticket_id, "ids"))
    .order_by(TAGS.c.ticket_id, TAGS.c.tag)
)
_ADD_TAG = Stmt(insert_row(TAGS, ("workspace_id", "ticket_id", "tag")))
_REMOVE_TAGS = Stmt(
    delete(TAGS).where(
        TAGS.c.workspace_id == WS, TAGS.c.ticket_id == bindparam("ticket"), in_list(TAGS.c.tag, "tags")
    )
)

_COMMENT_COLUMNS = [c.name for c in record_columns(CommentRow, COMMENTS)]
_INSERT_COMMENT = Stmt(insert_row(COMMENTS, [n for n in _COMMENT_COLUMNS if n != "id"], returning=["id"]))
_COMMENTS = Stmts(
    lambda public_only, after: Stmt(
        select_record(CommentRow, COMMENTS)
        .where(
            COMMENTS.c.workspace_id == WS,
            COMMENTS.c.ticket_id == bindparam("ticket"),
            *([COMMENTS.c.public.is_(True)] if public_only else []),
            *([COMMENTS.c.id > bindparam("after_id")] if after else []),
        )
        .order_by(COMMENTS.c.id)
        .limit(bindparam("limit")),
        into=CommentRow,
    )
)
_COMMENT_BODIES = Stmt(
    select(COMMENTS.c.body)
    .where(COMMENTS.c.workspace_id == WS, COMMENTS.c.ticket_id == bindparam("ticket"))
    .order_by(COMMENTS.c.id)
    .limit(1000)
)
_COMMENTS_BY_IDS = Stmt(
    select_record(CommentRow, COMMENTS).where(COMMENTS.c.workspace_id == WS, in_list(COMMENTS.c.id, "ids")),
    into=CommentRow,
)

_TIMELINE_COLUMNS = [c.name for c in record_columns(TimelineRow, EVENTS)]
_INSERT_TIMELINE = Stmt(insert_row(EVENTS, ["workspace_id", *(n for n in _TIMELINE_COLUMNS if n != "id")]))
_TIMELINE = Stmts(
    lambda after: Stmt(
        select_record(TimelineRow, EVENTS)
        .where(
            EVENTS.c.workspace_id == WS,
            EVENTS.c.ticket_id == bindparam("ticket"),
            *([EVENTS.c.id > bindparam("after_id")] if after else []),
        )
        .order_by(EVENTS.c.id)
        .limit(bindparam("limit")),
        into=TimelineRow,
    )
)
_TIMELINE_LATEST = Stmts(
    lambda before: Stmt(
        select_record(TimelineRow, EVENTS)
        .where(
            EVENTS.c.workspace_id == WS,
            EVENTS.c.ticket_id == bindparam("ticket"),
            *([EVENTS.c.id < bindparam("before_id")] if before else []),
        )
        .order_by(EVENTS.c.id.desc())
        .limit(bindparam("limit")),
        into=TimelineRow,
    )
)

_FILE_COLUMNS = [c.name for c in record_columns(AttachmentRow, FILES)]
_INSERT_FILE = Stmt(insert_row(FILES, [n for n in _FILE_COLUMNS if n != "id"], returning=["id"]))
_FILE = Stmt(
    select_record(AttachmentRow, FILES).where(FILES.c.workspace_id == WS, FILES.c.id == bindparam("id")),
    into=AttachmentRow,
)
_FILES_BY_IDS = Stmt(
    select_record(AttachmentRow, FILES).where(FILES.c.workspace_id == WS, in_list(FILES.c.id, "ids")),
    into=AttachmentRow,
)
_FILES_OF_COMMENTS = Stmt(
    select_record(AttachmentRow, FILES)
    .where(FILES.c.workspace_id == WS, in_list(FILES.c.comment_id, "ids"))
    .order_by(FILES.c.id),
    into=AttachmentRow,
)
_ATTACH = Stmt(
    update(FILES)
    .where(FILES.c.workspace_id == WS, FILES.c.id == bindparam("id"))
    .values(ticket_id=bindparam("ticket"), comment_id=bindparam("comment"))
)
_ORPHANS = Stmt(
    select_record(AttachmentRow, FILES)
    .where(
        FILES.c.ticket_id.is_(None), FILES.c.created_at < bindparam("before", type_=FILES.c.created_at.type)
    )
    .order_by(FILES.c.id)
    .limit(bindparam("limit")),
    into=AttachmentRow,
)
_DELETE_FILE = Stmt(delete(FILES).where(FILES.c.id == bindparam("id")))

_FIELD_COLUMNS = [c.name for c in record_columns(FieldRow, FIELDS)]
_FIELDS = Stmts(
    lambda active_only: Stmt(
        select_record(FieldRow, FIELDS)
        .where(FIELDS.c.workspace_id == WS, *([FIELDS.c.active.is_(True)] if active_only else []))
        .order_by(FIELDS.c.position, FIELDS.c.id),
        into=FieldRow,
    )
)
_FIELD = Stmt(
    select_record(FieldRow, FIELDS).where(FIELDS.c.workspace_id == WS, FIELDS.c.id == bindparam("id")),
    into=FieldRow,
)
_FIELD_BY_KEY = Stmt(
    select_record(FieldRow, FIELDS).where(FIELDS.c.workspace_id == WS, FIELDS.c.key == bindparam("key")),
    into=FieldRow,
)
_INSERT_FIELD = Stmt(
    insert_row(
        FIELDS,
        ["workspace_id", *(n for n in _FIELD_COLUMNS if n != "id"), "created_at", "updated_at"],
        returning=["id"],
    )
)
_UPDATE_FIELD = Stmts(
    lambda columns: Stmt(
        update(FIELDS)
        .where(FIELDS.c.workspace_id == WS, FIELDS.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=FIELDS.c[c].type) for c in sorted(columns)})
    )
)
_DELETE_FIELD = Stmt(delete(FIELDS).where(FIELDS.c.workspace_id == WS, FIELDS.c.id == bindparam("id")))
# Whether any ticket holds a value for a field (a value set to nothing is removed, never stored).
_FIELD_IN_USE = Stmts(
    lambda key: Stmt(
        select(T.c.id).where(T.c.workspace_id == WS, T.c.custom_fields[key].as_string().is_not(None)).limit(1)
    )
)


# Contacts made in a period (analytics: contacts per order), read from (workspace_id, created_at).
# A ticket tagged `proactive` is the platform reaching out (tickets.proactive), not a contact.
_CONTACTS_BETWEEN = Stmt(
    select(T.c.order_id, T.c.contact_reason).where(
        T.c.workspace_id == WS,
        T.c.created_at >= bindparam("since", type_=T.c.created_at.type),
        T.c.created_at < bindparam("until", type_=T.c.created_at.type),
        ~select(TAGS.c.ticket_id).where(TAGS.c.ticket_id == T.c.id, TAGS.c.tag == PROACTIVE_TAG).exists(),
    )
)


class TicketsRepository(StatementRepository):
    """The tickets domain's statements for one workspace, on the unit of work's connection."""

    # -- tickets ---------------------------------------------------------------------------------------------
    async def ticket(self, ticket_id: int, *, for_update: bool = False) -> TicketRow | None:
        """The ticket; `for_update` row-locks it until the transaction ends on PostgreSQL (SQLite's
        single writer serialises write transactions already)."""
        db = await self.db()
        stmt = _TICKET_FOR_UPDATE if for_update and db.name == "postgresql" else _TICKET
        return await db.one(stmt, self._p(id=ticket_id))

    async def insert_ticket(self, row: TicketRow) -> TicketRow:
        values = {n: getattr(row, n) for n in _TICKET_COLUMNS if n != "id"}
        values["workspace_id"] = self.workspace_id
        row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_TICKET, values))
        return row

    async def update_ticket(self, ticket: TicketRow, columns: set[str]) -> None:
        """Write these columns of the ticket as they are on the record."""
        if not columns:
            return
        params = self._p(id=ticket.id, **{f"v_{c}": getattr(ticket, c) for c in columns})
        await (await self.db()).run(_UPDATES(frozenset(columns)), params)

    async def tickets(
        self, f: TicketFilter, *, sort: str, after: dict[str, Any] | None, limit: int
    ) -> list[TicketRow]:
        db = await self.db()
        found = self._list(db.name, f, sort=sort, after=after, limit=limit, count=False)
        return [] if found is None else await db.all(*found)

    async def count(self, f: TicketFilter, *, up_to: int) -> int:
        """How many tickets match, counting no further than `up_to`."""
        db = await self.db()
        found = self._list(db.name, f, sort="-updated_at", after=None, limit=up_to, count=True)
        return 0 if found is None else int(await db.scalar(*found))

    def _list(
        self,
        dialect: str,
        f: TicketFilter,
        *,
        sort: str,
        after: dict[str, Any] | None,
        limit: int,
        count: bool,
    ) -> tuple[Stmt[Any], dict[str, Any]] | None:
        q = search_parameter(dialect, f.search) if f.search is not None else None
        if f.search is not None and q is None:
            return None  # nothing searchable in the words (only punctuation, say): no match
        fields = tuple((key, kind) for key, kind, _v in f.fields)
        shape = _Shape(
            dialect=dialect,
            statuses=bool(f.statuses),
            priorities=bool(f.priorities),
            types=bool(f.types),
            assignee=f.assignee_id is not None,
            unassigned=f.unassigned,
            team=f.team_id is not None,
            requester=f.requester_id is not None,
            tag=f.tag is not None,
            search=f.search is not None,
            sort=sort,
            after=after is not None,
            team_ids=bool(f.team_ids),
            channels=bool(f.channels),
            fields=fields,
            count=count,
        )
        params = self._p(
            statuses=f.statuses,
            priorities=f.priorities,
            types=f.types,
            assignee=f.assignee_id,
            team=f.team_id,
            requester=f.requester_id,
            tag=f.tag,
            q=q,
            limit=limit,
            after_id=(after or {}).get("id"),
            after_v=(after or {}).get("v"),
            team_ids=f.team_ids,
            channels=f.channels,
            **{f"field{i}": value for i, (_k, _kind, value) in enumerate(f.fields)},
        )
        return _LISTS(shape), params

    async def tickets_of_requester(self, requester_id: int, *, for_update: bool = False) -> list[TicketRow]:
        db = await self.db()
        stmt = (
            _TICKETS_OF_REQUESTER_FOR_UPDATE
            if for_update and db.name == "postgresql"
            else _TICKETS_OF_REQUESTER
        )
        return await db.all(stmt, self._p(requester=requester_id))

    # -- tags ------------------------------------------------------------------------------------------------
    async def tags(self, ticket_ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {t: [] for t in ticket_ids}
        if not ticket_ids:
            return out
        for ticket_id, tag in await (await self.db()).all(_TAGS, self._p(ids=ticket_ids)):
            out[ticket_id].append(tag)
        return out

    async def set_tags(self, ticket_id: int, add: list[str], remove: list[str]) -> None:
        db = await self.db()
        if remove:
            await db.run(_REMOVE_TAGS, self._p(ticket=ticket_id, tags=remove))
        if add:
            await db.run_many(
                _ADD_TAG, [{"workspace_id": self.workspace_id, "ticket_id": ticket_id, "tag": t} for t in add]
            )

    # -- comments, timeline ----------------------------------------------------------------------------------
    async def insert_comment(self, row: CommentRow) -> CommentRow:
        values = {n: getattr(row, n) for n in _COMMENT_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_COMMENT, values))
        return row

    async def comments(
        self, ticket_id: int, *, public_only: bool = False, after_id: int | None = None, limit: int = 100
    ) -> list[CommentRow]:
        stmt = _COMMENTS(public_only, bool(after_id))
        return await (await self.db()).all(stmt, self._p(ticket=ticket_id, after_id=after_id, limit=limit))

    async def comment_bodies(self, ticket_id: int) -> list[str]:
        return [b for (b,) in await (await self.db()).all(_COMMENT_BODIES, self._p(ticket=ticket_id))]

    async def comments_by_ids(self, ids: list[int]) -> dict[int, CommentRow]:
        if not ids:
            return {}
        return {c.id: c for c in await (await self.db()).all(_COMMENTS_BY_IDS, self._p(ids=ids))}

    async def add_timeline(self, rows: list[dict[str, Any]]) -> None:
        """Timeline lines (TimelineRow fields but the id), in one call."""
        for r in rows:
            r["workspace_id"] = self.workspace_id
        await (await self.db()).run_many(_INSERT_TIMELINE, rows)

    async def events(self, ticket_id: int, *, after_id: int | None, limit: int) -> list[TimelineRow]:
        stmt = _TIMELINE(bool(after_id))
        return await (await self.db()).all(stmt, self._p(ticket=ticket_id, after_id=after_id, limit=limit))

    async def latest_events(self, ticket_id: int, *, before_id: int | None, limit: int) -> list[TimelineRow]:
        """The newest `limit` timeline rows (before `before_id`), newest first."""
        stmt = _TIMELINE_LATEST(bool(before_id))
        params = self._p(ticket=ticket_id, before_id=before_id, limit=limit)
        return await (await self.db()).all(stmt, params)

    # -- attachments -----------------------------------------------------------------------------------------
    async def insert_attachment(self, row: AttachmentRow) -> AttachmentRow:
        values = {n: getattr(row, n) for n in _FILE_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_FILE, values))
        return row

    async def attachment(self, attachment_id: int) -> AttachmentRow | None:
        return await (await self.db()).one(_FILE, self._p(id=attachment_id))

    async def attachments_by_ids(self, ids: list[int]) -> list[AttachmentRow]:
        if not ids:
            return []
        return await (await self.db()).all(_FILES_BY_IDS, self._p(ids=ids))

    async def attachments_for_comments(self, comment_ids: list[int]) -> dict[int, list[AttachmentRow]]:
        out: dict[int, list[AttachmentRow]] = {c: [] for c in comment_ids}
        if not comment_ids:
            return out
        for a in await (await self.db()).all(_FILES_OF_COMMENTS, self._p(ids=comment_ids)):
            out[a.comment_id or 0].append(a)
        return out

    async def attach(self, attachment: AttachmentRow, ticket_id: int, comment_id: int | None) -> None:
        attachment.ticket_id, attachment.comment_id = ticket_id, comment_id
        await (await self.db()).run(_ATTACH, self._p(id=attachment.id, ticket=ticket_id, comment=comment_id))

    # -- custom field definitions --------------------------------------------------------------------------
    async def fields(self, *, active_only: bool = False) -> list[FieldRow]:
        return await (await self.db()).all(_FIELDS(active_only), self._p())

    async def field(self, field_id: int) -> FieldRow | None:
        return await (await self.db()).one(_FIELD, self._p(id=field_id))

    async def field_by_key(self, key: str) -> FieldRow | None:
        return await (await self.db()).one(_FIELD_BY_KEY, self._p(key=key))

    async def insert_field(self, row: FieldRow, now: dt.datetime) -> FieldRow:
        values = {n: getattr(row, n) for n in _FIELD_COLUMNS if n != "id"}
        values.update(workspace_id=self.workspace_id, created_at=now, updated_at=now)
        row.id = int(await (await self.db()).scalar(_INSERT_FIELD, values))
        return row

    async def update_field(self, row: FieldRow, columns: set[str], now: dt.datetime) -> None:
        params = self._p(id=row.id, v_updated_at=now, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_FIELD(frozenset({*columns, "updated_at"})), params)

    async def field_in_use(self, key: str) -> bool:
        return await (await self.db()).scalar(_FIELD_IN_USE(key), self._p()) is not None

    async def delete_field(self, row: FieldRow) -> None:
        await (await self.db()).run(_DELETE_FIELD, self._p(id=row.id))


# -- maintenance across workspaces (jobs) ----------------------------------------------------------------


async def orphan_attachments(session: AsyncSession, before: dt.datetime, limit: int) -> list[AttachmentRow]:
    return await (await driver(session)).all(_ORPHANS, {"before": before, "limit": limit})


async def delete_attachment(session: AsyncSession, attachment: AttachmentRow) -> None:
    await (await driver(session)).run(_DELETE_FILE, {"id": attachment.id})


async def contacts_between(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[int | None, str | None]]:
    """(order id, contact reason) of every ticket made in [since, until)."""
    rows = await (await driver(session)).all(
        _CONTACTS_BETWEEN, {"ws": workspace_id, "since": since, "until": until}
    )
    return [(r[0], r[1]) for r in rows]
