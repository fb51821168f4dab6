"""Every statement of contact reasons, prepared once (``core.sql``, ADR 0009)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, insert_row, record_columns, select_record
from wowdesk.policies.reasons.models import ContactReason, ReasonRow

R = cast(Table, ContactReason.__table__)
WS: BindParameter[Any] = bindparam("ws")
MAX_REASONS = 500  # a taxonomy, not a tag cloud

_COLUMNS = [c.name for c in record_columns(ReasonRow, R)]
_ALL = Stmt(
    select_record(ReasonRow, R)
    .where(R.c.workspace_id == WS)
    .order_by(R.c.position, R.c.code)
    .limit(MAX_REASONS + 1),
    into=ReasonRow,
)
_BY_CODE = Stmt(
    select_record(ReasonRow, R).where(R.c.workspace_id == WS, R.c.code == bindparam("code")), into=ReasonRow
)
_INSERT = Stmt(insert_row(R, [n for n in _COLUMNS if n != "id"], returning=["id"]))
_UPDATE = Stmts(
    lambda columns: Stmt(
        update(R)
        .where(R.c.workspace_id == WS, R.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=R.c[c].type) for c in sorted(columns)})
    )
)


class ReasonsRepository(StatementRepository):
    async def all(self) -> list[ReasonRow]:
        return await (await self.db()).all(_ALL, self._p())

    async def by_code(self, code: str) -> ReasonRow | None:
        return await (await self.db()).one(_BY_CODE, self._p(code=code))

    async def insert(self, row: ReasonRow) -> ReasonRow:
        values = {n: getattr(row, n) for n in _COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT, values))
        return row

    async def update(self, row: ReasonRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE(frozenset(columns)), params)
