"""Every statement of authority limits, prepared once (``core.sql``, ADR 0009)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, insert_row, record_columns, select_record
from wowdesk.policies.authority.models import AuthorityLimit, LimitRow

L = cast(Table, AuthorityLimit.__table__)
WS: BindParameter[Any] = bindparam("ws")

_COLUMNS = [c.name for c in record_columns(LimitRow, L)]
_ALL = Stmt(select_record(LimitRow, L).where(L.c.workspace_id == WS).order_by(L.c.id), into=LimitRow)
_OF_SUBJECTS = Stmt(
    select_record(LimitRow, L)
    .where(L.c.workspace_id == WS, L.c.subject.in_([bindparam("role"), bindparam("agent")]))
    .order_by(L.c.id),
    into=LimitRow,
)
_ANY_ROLE = Stmt(
    select_record(LimitRow, L).where(L.c.workspace_id == WS, L.c.subject.like("role:%")).limit(1),
    into=LimitRow,
)
_INSERT = Stmt(insert_row(L, [n for n in _COLUMNS if n != "id"]))
_UPDATE = Stmt(
    update(L)
    .where(L.c.workspace_id == WS, L.c.id == bindparam("id"))
    .values(
        per_grant_minor=bindparam("v_per_grant_minor", type_=L.c.per_grant_minor.type),
        per_day_minor=bindparam("v_per_day_minor", type_=L.c.per_day_minor.type),
        currency=bindparam("v_currency", type_=L.c.currency.type),
        updated_at=bindparam("v_updated_at", type_=L.c.updated_at.type),
    )
)
_DELETE_SUBJECT = Stmt(delete(L).where(L.c.workspace_id == WS, L.c.subject == bindparam("subject")))


class AuthorityRepository(StatementRepository):
    async def all(self) -> list[LimitRow]:
        return await (await self.db()).all(_ALL, self._p())

    async def of(self, role: str, agent_id: int | None) -> list[LimitRow]:
        """The rows of a role and of one agent's overrides."""
        agent = f"agent:{agent_id}" if agent_id is not None else "-"
        return await (await self.db()).all(_OF_SUBJECTS, self._p(role=f"role:{role}", agent=agent))

    async def has_role_limits(self) -> bool:
        return await (await self.db()).one(_ANY_ROLE, self._p()) is not None

    async def insert_many(self, rows: list[LimitRow]) -> None:
        values = []
        for row in rows:
            v = {n: getattr(row, n) for n in _COLUMNS if n != "id"}
            v["workspace_id"] = self.workspace_id
            values.append(v)
        await (await self.db()).run_many(_INSERT, values)

    async def update(self, row: LimitRow) -> None:
        await (await self.db()).run(
            _UPDATE,
            self._p(
                id=row.id,
                v_per_grant_minor=row.per_grant_minor,
                v_per_day_minor=row.per_day_minor,
                v_currency=row.currency,
                v_updated_at=row.updated_at,
            ),
        )

    async def delete_subject(self, subject: str) -> None:
        await (await self.db()).run(_DELETE_SUBJECT, self._p(subject=subject))
