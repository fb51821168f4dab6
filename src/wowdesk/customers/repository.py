"""Every statement of the customers domain, prepared once (``core.sql``), as plain records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, in_list, insert_row, record_columns, select_record
from wowdesk.customers.models import Customer, CustomerIdentity, CustomerRow, IdentityRow

C = cast(Table, Customer.__table__)
I = cast(Table, CustomerIdentity.__table__)  # noqa: E741 - the identities table
WS: BindParameter[Any] = bindparam("ws")

_CUSTOMER_COLUMNS = [c.name for c in record_columns(CustomerRow, C)]
_IDENTITY_COLUMNS = [c.name for c in record_columns(IdentityRow, I)]

_CUSTOMER = Stmt(
    select_record(CustomerRow, C).where(C.c.workspace_id == WS, C.c.id == bindparam("id")), into=CustomerRow
)
_CUSTOMERS_FOR_UPDATE = Stmt(
    select_record(CustomerRow, C)
    .where(C.c.workspace_id == WS, in_list(C.c.id, "ids"))
    .order_by(C.c.id)
    .with_for_update(),
    into=CustomerRow,
)
# Driven from the unique (workspace_id, channel, value) index, then the primary key: the plan
# cannot go astray whatever the statistics say.
_BY_IDENTITY = Stmt(
    select_record(CustomerRow, C).where(
        C.c.workspace_id == WS,
        C.c.id
        == select(I.c.customer_id)
        .where(I.c.workspace_id == WS, I.c.channel == bindparam("channel"), I.c.value == bindparam("value"))
        .scalar_subquery(),
    ),
    into=CustomerRow,
)
_FIRST_EMAIL = (
    select(I.c.value)
    .where(I.c.customer_id == C.c.id, I.c.channel == "email")
    .order_by(I.c.id)
    .limit(1)
    .scalar_subquery()
)
_NAMES_EMAILS = Stmt(
    select(C.c.id, C.c.name, _FIRST_EMAIL).where(C.c.workspace_id == WS, in_list(C.c.id, "ids"))
)
_INSERT_CUSTOMER = Stmt(insert_row(C, [n for n in _CUSTOMER_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_CUSTOMER = Stmts(
    lambda columns: Stmt(
        update(C)
        .where(C.c.workspace_id == WS, C.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=C.c[c].type) for c in sorted(columns)})
    )
)
_REPOINT_MERGED = Stmt(
    update(C)
    .where(C.c.workspace_id == WS, C.c.merged_into_id == bindparam("from_id"))
    .values(merged_into_id=bindparam("to_id"))
)

_IDENTITIES = Stmt(
    select_record(IdentityRow, I)
    .where(I.c.workspace_id == WS, in_list(I.c.customer_id, "ids"))
    .order_by(I.c.id),
    into=IdentityRow,
)
_IDENTITY = Stmt(
    select_record(IdentityRow, I).where(
        I.c.workspace_id == WS, I.c.channel == bindparam("channel"), I.c.value == bindparam("value")
    ),
    into=IdentityRow,
)
_INSERT_IDENTITY = Stmt(insert_row(I, ["workspace_id", *(n for n in _IDENTITY_COLUMNS if n != "id")]))
_DELETE_IDENTITY = Stmt(delete(I).where(I.c.workspace_id == WS, I.c.id == bindparam("id")))
_MOVE_IDENTITIES = Stmt(
    update(I)
    .where(I.c.workspace_id == WS, I.c.customer_id == bindparam("from_id"))
    .values(customer_id=bindparam("to_id"))
)


@dataclass(frozen=True)
class _ListShape:
    dialect: str
    include_merged: bool
    identity: bool
    q: bool
    after: bool
    tag: bool


def _has_tag(dialect: str) -> ColumnElement[bool]:
    """Membership of ``:tag`` in the JSON tag list, in each database's own JSON syntax."""
    if dialect == "postgresql":
        return C.c.tags.op("@>")(func.jsonb_build_array(bindparam("tag", type_=String())))
    each = func.json_each(C.c.tags).table_valued("value").alias("tag_each")
    return select(literal_column("1")).select_from(each).where(each.c.value == bindparam("tag")).exists()


def _list_statement(shape: _ListShape) -> Stmt[CustomerRow]:
    stmt: Select[Any] = select_record(CustomerRow, C).where(C.c.workspace_id == WS)
    if not shape.include_merged:
        stmt = stmt.where(C.c.merged_into_id.is_(None))
    if shape.identity:
        stmt = stmt.where(
            C.c.id.in_(
                select(I.c.customer_id).where(
                    I.c.workspace_id == WS,
                    I.c.channel == bindparam("channel"),
                    I.c.value == bindparam("value"),
                )
            )
        )
    if shape.q:
        like: BindParameter[Any] = bindparam("like")
        sub = select(I.c.customer_id).where(
            I.c.workspace_id == WS, func.lower(I.c.value).like(like, escape="\\")
        )
        stmt = stmt.where(or_(func.lower(C.c.name).like(like, escape="\\"), C.c.id.in_(sub)))
    if shape.after:
        stmt = stmt.where(C.c.id < bindparam("after_id"))
    if shape.tag:
        stmt = stmt.where(_has_tag(shape.dialect))
    return Stmt(stmt.order_by(C.c.id.desc()).limit(bindparam("limit")), into=CustomerRow)


_LISTS = Stmts(_list_statement)


class CustomersRepository(StatementRepository):
    """The customers domain's statements for one workspace, on the unit of work's connection."""

    # -- customers -------------------------------------------------------------------------------------------
    async def customer(self, customer_id: int) -> CustomerRow | None:
        return await (await self.db()).one(_CUSTOMER, self._p(id=customer_id))

    async def customer_by_identity(self, channel: str, value: str) -> CustomerRow | None:
        """The customer owning an identity, in one query."""
        return await (await self.db()).one(_BY_IDENTITY, self._p(channel=channel, value=value))

    async def names_and_emails(self, ids: list[int]) -> dict[int, tuple[str, str | None]]:
        """(name, first e-mail address) per customer id, in one query."""
        if not ids:
            return {}
        rows = await (await self.db()).all(_NAMES_EMAILS, self._p(ids=sorted(set(ids))))
        return {int(i): (str(n), e) for i, n, e in rows}

    async def insert_customer(self, row: CustomerRow) -> CustomerRow:
        values = {n: getattr(row, n) for n in _CUSTOMER_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_CUSTOMER, values))
        return row

    async def update_customer(self, row: CustomerRow, columns: set[str]) -> None:
        """Write these columns of the customer as they are on the record."""
        if not columns:
            return
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_CUSTOMER(frozenset(columns)), params)

    async def lock(self, customer_ids: list[int]) -> list[CustomerRow]:
        """These customers read again and, on PostgreSQL, locked until the transaction ends, so a
        check made now still holds at commit. In id order, so two transactions locking the same pair
        cannot deadlock. SQLite serialises writing transactions already."""
        db = await self.db()
        if db.name != "postgresql":
            found = [await self.customer(i) for i in sorted(set(customer_ids))]
            return [c for c in found if c is not None]
        return await db.all(_CUSTOMERS_FOR_UPDATE, self._p(ids=sorted(set(customer_ids))))

    async def repoint_merged(self, from_id: int, to_id: int) -> None:
        """Customers merged into `from_id` earlier now point at `to_id` (a pointer never leads to
        another merged customer)."""
        await (await self.db()).run(_REPOINT_MERGED, self._p(from_id=from_id, to_id=to_id))

    async def customers(
        self,
        *,
        q: str | None,
        tag: str | None,
        identity: tuple[str, str] | None,
        after_id: int | None,
        limit: int,
        include_merged: bool = False,
    ) -> list[CustomerRow]:
        db = await self.db()
        shape = _ListShape(
            dialect=db.name,
            include_merged=include_merged,
            identity=identity is not None,
            q=bool(q),
            after=bool(after_id),
            tag=bool(tag),
        )
        params = self._p(
            channel=identity[0] if identity else None,
            value=identity[1] if identity else None,
            like=f"%{_escape_like(q.lower())}%" if q else None,
            after_id=after_id,
            tag=tag,
            limit=limit,
        )
        return await db.all(_LISTS(shape), params)

    # -- identities ------------------------------------------------------------------------------------------
    async def identities(self, customer_ids: list[int]) -> dict[int, list[IdentityRow]]:
        out: dict[int, list[IdentityRow]] = {c: [] for c in customer_ids}
        if not customer_ids:
            return out
        for ident in await (await self.db()).all(_IDENTITIES, self._p(ids=customer_ids)):
            out[ident.customer_id].append(ident)
        return out

    async def identity(self, channel: str, value: str) -> IdentityRow | None:
        return await (await self.db()).one(_IDENTITY, self._p(channel=channel, value=value))

    async def identities_matching(self, pairs: list[tuple[str, str]]) -> list[IdentityRow]:
        out = []
        for channel, value in dict.fromkeys(pairs):
            found = await self.identity(channel, value)
            if found is not None:
                out.append(found)
        return out

    async def add_identities(self, customer_id: int, pairs: list[tuple[str, str]], now: dt.datetime) -> None:
        rows = [
            {
                "workspace_id": self.workspace_id,
                "customer_id": customer_id,
                "channel": channel,
                "value": value,
                "verified": False,
                "created_at": now,
            }
            for channel, value in pairs
        ]
        await (await self.db()).run_many(_INSERT_IDENTITY, rows)

    async def delete_identity(self, ident: IdentityRow) -> None:
        await (await self.db()).run(_DELETE_IDENTITY, self._p(id=ident.id))

    async def move_identities(self, from_id: int, to_id: int) -> None:
        await (await self.db()).run(_MOVE_IDENTITIES, self._p(from_id=from_id, to_id=to_id))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
