"""Every statement of macros, prepared once (``core.sql``, ADR 0009)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, or_, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, insert_row, record_columns, select_record
from wowdesk.tickets.macros.models import Macro, MacroRow

M = cast(Table, Macro.__table__)
WS: BindParameter[Any] = bindparam("ws")
MAX_LISTED = 500

_COLUMNS = [c.name for c in record_columns(MacroRow, M)]
_MACRO = Stmt(
    select_record(MacroRow, M).where(M.c.workspace_id == WS, M.c.id == bindparam("id")), into=MacroRow
)
# Shared macros first, then the agent's own, each in their order.
_VISIBLE = Stmts(
    lambda active_only: Stmt(
        select_record(MacroRow, M)
        .where(
            M.c.workspace_id == WS,
            or_(M.c.owner_id.is_(None), M.c.owner_id == bindparam("agent")),
            *([M.c.active.is_(True)] if active_only else []),
        )
        .order_by(M.c.owner_id.is_not(None), M.c.position, M.c.name, M.c.id)
        .limit(MAX_LISTED),
        into=MacroRow,
    )
)
_INSERT = Stmt(insert_row(M, [n for n in _COLUMNS if n != "id"], returning=["id"]))
_UPDATE = Stmts(
    lambda columns: Stmt(
        update(M)
        .where(M.c.workspace_id == WS, M.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=M.c[c].type) for c in sorted(columns)})
    )
)
_DELETE = Stmt(delete(M).where(M.c.workspace_id == WS, M.c.id == bindparam("id")))


class MacrosRepository(StatementRepository):
    async def macro(self, macro_id: int) -> MacroRow | None:
        return await (await self.db()).one(_MACRO, self._p(id=macro_id))

    async def visible_to(self, agent_id: int | None, *, active_only: bool = False) -> list[MacroRow]:
        """Shared macros and `agent_id`'s own (only shared ones for None)."""
        return await (await self.db()).all(_VISIBLE(active_only), self._p(agent=agent_id))

    async def insert(self, row: MacroRow) -> MacroRow:
        values = {n: getattr(row, n) for n in _COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT, values))
        return row

    async def update(self, row: MacroRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE(frozenset(columns)), params)

    async def delete(self, row: MacroRow) -> None:
        await (await self.db()).run(_DELETE, self._p(id=row.id))
