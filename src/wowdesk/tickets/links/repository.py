"""Every statement of ticket links, prepared once (``core.sql``, ADR 0009), and the timeline and
comment statements of a ticket that others were merged into (its own rows and their comments,
in one order)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, or_, select
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, in_list, insert_row, record_columns, select_record
from wowdesk.tickets.links.models import LinkRow, TicketLink
from wowdesk.tickets.models import CommentRow, Ticket, TicketComment, TicketEvent, TimelineRow

L = cast(Table, TicketLink.__table__)
T = cast(Table, Ticket.__table__)
COMMENTS = cast(Table, TicketComment.__table__)
EVENTS = cast(Table, TicketEvent.__table__)
WS: BindParameter[Any] = bindparam("ws")
MAX_LINKS = 500

_COLUMNS = [c.name for c in record_columns(LinkRow, L)]
_INSERT = Stmt(insert_row(L, [n for n in _COLUMNS if n != "id"], returning=["id"]))
_LINK = Stmt(select_record(LinkRow, L).where(L.c.workspace_id == WS, L.c.id == bindparam("id")), into=LinkRow)
_LINK_OF = Stmt(
    select_record(LinkRow, L).where(
        L.c.workspace_id == WS, L.c.ticket_id == bindparam("ticket"), L.c.kind == bindparam("kind")
    ),
    into=LinkRow,
)
_LINKS_OF = Stmt(
    select_record(LinkRow, L)
    .where(
        L.c.workspace_id == WS,
        or_(L.c.ticket_id == bindparam("ticket"), L.c.target_id == bindparam("ticket")),
    )
    .order_by(L.c.id)
    .limit(MAX_LINKS),
    into=LinkRow,
)
_SOURCES = Stmt(
    select(L.c.ticket_id)
    .where(L.c.workspace_id == WS, in_list(L.c.target_id, "targets"), L.c.kind == bindparam("kind"))
    .order_by(L.c.ticket_id)
    .limit(MAX_LINKS)
)
# Incidents of a problem still waiting for it (neither solved nor closed), oldest first.
_OPEN_INCIDENTS = Stmt(
    select(L.c.ticket_id)
    .join(T, and_(T.c.id == L.c.ticket_id, T.c.workspace_id == L.c.workspace_id))
    .where(
        L.c.workspace_id == WS,
        L.c.target_id == bindparam("problem"),
        L.c.kind == "incident_of",
        L.c.ticket_id > bindparam("after"),
        T.c.status != "solved",
        T.c.status != "closed",
    )
    .order_by(L.c.ticket_id)
    .limit(bindparam("limit"))
)
_DELETE = Stmt(delete(L).where(L.c.workspace_id == WS, L.c.id == bindparam("id")))
_BY_NUMBERS = Stmt(select(T.c.number, T.c.id).where(T.c.workspace_id == WS, in_list(T.c.number, "numbers")))
_NUMBERS = Stmt(
    select(T.c.id, T.c.number, T.c.subject, T.c.status).where(T.c.workspace_id == WS, in_list(T.c.id, "ids"))
)


def _own_or_merged_comment() -> Any:
    """The ticket's own timeline rows, and the comment rows of the tickets merged into it."""
    return or_(
        EVENTS.c.ticket_id == bindparam("ticket"),
        and_(in_list(EVENTS.c.ticket_id, "merged"), EVENTS.c.kind == "comment"),
    )


_TIMELINE = Stmts(
    lambda after: Stmt(
        select_record(TimelineRow, EVENTS)
        .where(
            EVENTS.c.workspace_id == WS,
            _own_or_merged_comment(),
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
            _own_or_merged_comment(),
            *([EVENTS.c.id < bindparam("before_id")] if before else []),
        )
        .order_by(EVENTS.c.id.desc())
        .limit(bindparam("limit")),
        into=TimelineRow,
    )
)
_COMMENTS = Stmts(
    lambda after: Stmt(
        select_record(CommentRow, COMMENTS)
        .where(
            COMMENTS.c.workspace_id == WS,
            or_(COMMENTS.c.ticket_id == bindparam("ticket"), in_list(COMMENTS.c.ticket_id, "merged")),
            *([COMMENTS.c.id > bindparam("after_id")] if after else []),
        )
        .order_by(COMMENTS.c.id)
        .limit(bindparam("limit")),
        into=CommentRow,
    )
)


class LinksRepository(StatementRepository):
    async def insert(self, row: LinkRow) -> LinkRow:
        values = {n: getattr(row, n) for n in _COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT, values))
        return row

    async def link(self, link_id: int) -> LinkRow | None:
        return await (await self.db()).one(_LINK, self._p(id=link_id))

    async def link_of(self, ticket_id: int, kind: str) -> LinkRow | None:
        """The ticket's own link of this kind (its merge target, its problem …)."""
        return await (await self.db()).one(_LINK_OF, self._p(ticket=ticket_id, kind=kind))

    async def links_of(self, ticket_id: int) -> list[LinkRow]:
        """Links from and to the ticket, oldest first."""
        return await (await self.db()).all(_LINKS_OF, self._p(ticket=ticket_id))

    async def sources(self, target_ids: list[int], kind: str) -> list[int]:
        """Tickets linked with `kind` to any of `target_ids` (merged into them, their incidents)."""
        if not target_ids:
            return []
        rows = await (await self.db()).all(_SOURCES, self._p(targets=target_ids, kind=kind))
        return [r[0] for r in rows]

    async def open_incidents(self, problem_id: int, *, after: int = 0, limit: int) -> list[int]:
        """Ids of the problem's incidents neither solved nor closed, after the id `after`."""
        params = self._p(problem=problem_id, after=after, limit=limit)
        rows = await (await self.db()).all(_OPEN_INCIDENTS, params)
        return [r[0] for r in rows]

    async def delete(self, link: LinkRow) -> None:
        await (await self.db()).run(_DELETE, self._p(id=link.id))

    async def briefs(self, ids: list[int]) -> dict[int, tuple[int, str, str]]:
        """id → (number, subject, status) of these tickets."""
        if not ids:
            return {}
        rows = await (await self.db()).all(_NUMBERS, self._p(ids=ids))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    async def ids_by_numbers(self, numbers: list[int]) -> dict[int, int]:
        """number → id of the tickets with these numbers."""
        if not numbers:
            return {}
        return {n: i for n, i in await (await self.db()).all(_BY_NUMBERS, self._p(numbers=numbers))}

    # -- a merge winner's timeline and comments ---------------------------------------------------
    async def timeline(
        self, ticket_id: int, merged: list[int], *, after_id: int | None, limit: int
    ) -> list[TimelineRow]:
        params = self._p(ticket=ticket_id, merged=merged, after_id=after_id, limit=limit)
        return await (await self.db()).all(_TIMELINE(bool(after_id)), params)

    async def latest_timeline(
        self, ticket_id: int, merged: list[int], *, before_id: int | None, limit: int
    ) -> list[TimelineRow]:
        """The newest `limit` rows (before `before_id`), newest first."""
        params = self._p(ticket=ticket_id, merged=merged, before_id=before_id, limit=limit)
        return await (await self.db()).all(_TIMELINE_LATEST(bool(before_id)), params)

    async def comments(
        self, ticket_id: int, merged: list[int], *, after_id: int | None, limit: int
    ) -> list[CommentRow]:
        params = self._p(ticket=ticket_id, merged=merged, after_id=after_id, limit=limit)
        return await (await self.db()).all(_COMMENTS(bool(after_id)), params)
