"""Every statement of the SLA, prepared once (``core.sql``, ADR 0009): policies, and the timers
that ticket writes read and change (locked with the ticket's row on PostgreSQL)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, select, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, in_list, insert_row, record_columns, select_record
from wowdesk.tickets.models import TicketComment
from wowdesk.tickets.sla.models import PolicyRow, SlaPolicy, SlaTimer, TimerRow

P = cast(Table, SlaPolicy.__table__)
TM = cast(Table, SlaTimer.__table__)
COMMENTS = cast(Table, TicketComment.__table__)
WS: BindParameter[Any] = bindparam("ws")

_POLICY_COLUMNS = [c.name for c in record_columns(PolicyRow, P)]
_TIMER_COLUMNS = [c.name for c in record_columns(TimerRow, TM)]
# What a change of a timer writes (its identity and creation stay).
TIMER_CHANGES = (
    "policy_id",
    "status",
    "target_seconds",
    "used_us",
    "run",
    "running_since",
    "due_at",
    "near_at",
    "fulfilled_at",
    "breached_at",
    "near_breach_at",
    "updated_at",
)

_POLICIES = Stmts(
    lambda active_only: Stmt(
        select_record(PolicyRow, P)
        .where(P.c.workspace_id == WS, *([P.c.active.is_(True)] if active_only else []))
        .order_by(P.c.position, P.c.id)
        .limit(bindparam("limit")),
        into=PolicyRow,
    )
)
_POLICY = Stmt(
    select_record(PolicyRow, P).where(P.c.workspace_id == WS, P.c.id == bindparam("id")), into=PolicyRow
)
_POLICY_BY_NAME = Stmt(
    select_record(PolicyRow, P).where(P.c.workspace_id == WS, P.c.name == bindparam("name")), into=PolicyRow
)
_POLICY_OF_CALENDAR = Stmt(
    select(P.c.name)
    .where(P.c.workspace_id == WS, P.c.calendar_id == bindparam("calendar"))
    .order_by(P.c.position, P.c.id)
    .limit(1)
)
_INSERT_POLICY = Stmt(insert_row(P, [n for n in _POLICY_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_POLICY = Stmts(
    lambda columns: Stmt(
        update(P)
        .where(P.c.workspace_id == WS, P.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=P.c[c].type) for c in sorted(columns)})
    )
)
_DELETE_POLICY = Stmt(delete(P).where(P.c.workspace_id == WS, P.c.id == bindparam("id")))

_TIMERS_Q = (
    select_record(TimerRow, TM)
    .where(TM.c.workspace_id == WS, TM.c.ticket_id == bindparam("ticket"))
    .order_by(TM.c.id)
)
_TIMERS_OF_TICKET = {
    False: Stmt(_TIMERS_Q, into=TimerRow),
    True: Stmt(_TIMERS_Q.with_for_update(), into=TimerRow),
}
_TIMER_Q = select_record(TimerRow, TM).where(
    TM.c.workspace_id == WS, TM.c.ticket_id == bindparam("ticket"), TM.c.metric == bindparam("metric")
)
_TIMER = {False: Stmt(_TIMER_Q, into=TimerRow), True: Stmt(_TIMER_Q.with_for_update(), into=TimerRow)}
_INSERT_TIMER = Stmt(insert_row(TM, [n for n in _TIMER_COLUMNS if n != "id"]))
_UPDATE_TIMER = Stmt(
    update(TM)
    .where(TM.c.workspace_id == WS, TM.c.id == bindparam("id"))
    .values({c: bindparam(f"v_{c}", type_=TM.c[c].type) for c in TIMER_CHANGES})
)
_DELETE_TIMERS = Stmt(delete(TM).where(TM.c.workspace_id == WS, in_list(TM.c.id, "ids")))

# Replies so far: the newest public agent reply and the newest public customer comment (ids).
_LAST_PUBLIC = Stmt(
    select(
        func.max(COMMENTS.c.id).filter(COMMENTS.c.author_kind == "agent"),
        func.max(COMMENTS.c.id).filter(COMMENTS.c.author_kind == "customer"),
    ).where(
        and_(
            COMMENTS.c.workspace_id == WS,
            COMMENTS.c.ticket_id == bindparam("ticket"),
            COMMENTS.c.public.is_(True),
        )
    )
)


class SlaRepository(StatementRepository):
    # -- policies --------------------------------------------------------------------------------------
    async def policies(self, *, active_only: bool = False, limit: int = 1000) -> list[PolicyRow]:
        """In evaluation order (position, then id)."""
        return await (await self.db()).all(_POLICIES(active_only), self._p(limit=limit))

    async def policy(self, policy_id: int) -> PolicyRow | None:
        return await (await self.db()).one(_POLICY, self._p(id=policy_id))

    async def policy_by_name(self, name: str) -> PolicyRow | None:
        return await (await self.db()).one(_POLICY_BY_NAME, self._p(name=name))

    async def policy_using_calendar(self, calendar_id: int) -> str | None:
        name = await (await self.db()).scalar(_POLICY_OF_CALENDAR, self._p(calendar=calendar_id))
        return None if name is None else str(name)

    async def insert_policy(self, row: PolicyRow) -> PolicyRow:
        values = {n: getattr(row, n) for n in _POLICY_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_POLICY, values))
        return row

    async def update_policy(self, row: PolicyRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_POLICY(frozenset(columns)), params)

    async def delete_policy(self, row: PolicyRow) -> None:
        await (await self.db()).run(_DELETE_POLICY, self._p(id=row.id))

    # -- timers ----------------------------------------------------------------------------------------
    async def timers(self, ticket_id: int, *, for_update: bool = False) -> list[TimerRow]:
        db = await self.db()
        stmt = _TIMERS_OF_TICKET[for_update and db.name == "postgresql"]
        return await db.all(stmt, self._p(ticket=ticket_id))

    async def timer(self, ticket_id: int, metric: str, *, for_update: bool = False) -> TimerRow | None:
        db = await self.db()
        params = self._p(ticket=ticket_id, metric=metric)
        return await db.one(_TIMER[for_update and db.name == "postgresql"], params)

    async def insert_timers(self, rows: list[TimerRow]) -> None:
        """Write new timers (a timer is known by its ticket and metric; its id is not read back)."""
        values = []
        for r in rows:
            r.workspace_id = self.workspace_id
            values.append({n: getattr(r, n) for n in _TIMER_COLUMNS if n != "id"})
        await (await self.db()).run_many(_INSERT_TIMER, values)

    async def update_timers(self, rows: list[TimerRow]) -> None:
        await (await self.db()).run_many(
            _UPDATE_TIMER,
            [self._p(id=r.id, **{f"v_{c}": getattr(r, c) for c in TIMER_CHANGES}) for r in rows],
        )

    async def delete_timers(self, ids: list[int]) -> None:
        if ids:
            await (await self.db()).run(_DELETE_TIMERS, self._p(ids=ids))

    async def last_public(self, ticket_id: int) -> tuple[int | None, int | None]:
        """Ids of the newest public reply by an agent and the newest public customer comment."""
        row = await (await self.db()).one(_LAST_PUBLIC, self._p(ticket=ticket_id))
        return (row[0], row[1]) if row else (None, None)
