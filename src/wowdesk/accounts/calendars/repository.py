"""Every statement of the calendars, prepared once (``core.sql``, ADR 0009): the SLA timers read a
calendar on ticket writes, so these stay off the ORM."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.accounts.calendars.models import BusinessCalendar, CalendarRow
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, insert_row, record_columns, select_record

C = cast(Table, BusinessCalendar.__table__)
WS: BindParameter[Any] = bindparam("ws")
MAX_CALENDARS = 200

_COLUMNS = [c.name for c in record_columns(CalendarRow, C)]
_LIST = Stmt(
    select_record(CalendarRow, C)
    .where(C.c.workspace_id == WS)
    .order_by(C.c.is_default.desc(), C.c.name, C.c.id)
    .limit(MAX_CALENDARS + 1),
    into=CalendarRow,
)
_ONE = Stmt(
    select_record(CalendarRow, C).where(C.c.workspace_id == WS, C.c.id == bindparam("id")), into=CalendarRow
)
_BY_NAME = Stmt(
    select_record(CalendarRow, C).where(C.c.workspace_id == WS, C.c.name == bindparam("name")),
    into=CalendarRow,
)
_INSERT = Stmt(insert_row(C, [n for n in _COLUMNS if n != "id"], returning=["id"]))
_UPDATE = Stmts(
    lambda columns: Stmt(
        update(C)
        .where(C.c.workspace_id == WS, C.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=C.c[c].type) for c in sorted(columns)})
    )
)
_CLEAR_DEFAULT = Stmt(
    update(C)
    .where(C.c.workspace_id == WS, C.c.is_default.is_(True), C.c.id != bindparam("keep"))
    .values(is_default=False)
)
_DELETE = Stmt(delete(C).where(C.c.workspace_id == WS, C.c.id == bindparam("id")))


class CalendarsRepository(StatementRepository):
    async def calendars(self) -> list[CalendarRow]:
        """Default first, then by name; at most MAX_CALENDARS + 1 (to tell there are more)."""
        return await (await self.db()).all(_LIST, self._p())

    async def calendar(self, calendar_id: int) -> CalendarRow | None:
        return await (await self.db()).one(_ONE, self._p(id=calendar_id))

    async def by_name(self, name: str) -> CalendarRow | None:
        return await (await self.db()).one(_BY_NAME, self._p(name=name))

    async def insert(self, row: CalendarRow) -> CalendarRow:
        values = {n: getattr(row, n) for n in _COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT, values))
        return row

    async def update(self, row: CalendarRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE(frozenset(columns)), params)

    async def clear_default(self, keep: int) -> None:
        """No calendar but `keep` is the workspace's default any more."""
        await (await self.db()).run(_CLEAR_DEFAULT, self._p(keep=keep))

    async def delete(self, row: CalendarRow) -> None:
        await (await self.db()).run(_DELETE, self._p(id=row.id))
