"""Every statement of the ledger, prepared once (``core.sql``, ADR 0009), as plain records.

Grants on one order (and an agent's grants, and a customer's credit) are serialised: on
PostgreSQL by a transaction-scoped advisory lock per (workspace, order | agent | customer); on
SQLite every write transaction already holds the database's one writer (ADR 0006)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, String, Table, bindparam, func, select, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, in_list, insert_row, record_columns, select_record
from wowdesk.policies.ledger.models import (
    ApprovalRow,
    BalanceRow,
    CompensationApproval,
    CompensationEntry,
    CompensationLog,
    CreditBalance,
    CreditSpend,
    EntryRow,
    LogRow,
    SpendRow,
)

E = cast(Table, CompensationEntry.__table__)
LG = cast(Table, CompensationLog.__table__)
A = cast(Table, CompensationApproval.__table__)
B = cast(Table, CreditBalance.__table__)
SP = cast(Table, CreditSpend.__table__)
WS: BindParameter[Any] = bindparam("ws")
MAX_PAGE = 1000


def _names(record: type[Any], table: Table) -> list[str]:
    return [c.name for c in record_columns(record, table)]


def _at(name: str) -> BindParameter[Any]:
    return bindparam(name, type_=E.c.created_at.type)


def _updater(table: Table) -> Stmts:
    return Stmts(
        lambda columns: Stmt(
            update(table)
            .where(table.c.workspace_id == WS, table.c.id == bindparam("id"))
            .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in sorted(columns)})
        )
    )


_LOCK = Stmt(select(func.pg_advisory_xact_lock(bindparam("k", type_=BigInteger()))), result_types=[String()])

# -- entries ----------------------------------------------------------------------------------------------

_ENTRY_COLUMNS = _names(EntryRow, E)
_ENTRY = Stmt(
    select_record(EntryRow, E).where(E.c.workspace_id == WS, E.c.id == bindparam("id")), into=EntryRow
)
_ENTRY_FOR_UPDATE = Stmt(
    select_record(EntryRow, E).where(E.c.workspace_id == WS, E.c.id == bindparam("id")).with_for_update(),
    into=EntryRow,
)
_ENTRY_BY_KEY = Stmt(
    select_record(EntryRow, E).where(E.c.workspace_id == WS, E.c.idempotency_key == bindparam("key")),
    into=EntryRow,
)
_INSERT_ENTRY = Stmt(insert_row(E, [n for n in _ENTRY_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_ENTRY = _updater(E)
# Money returned for an order so far: refunds and shipping reimbursements asked for or paid.
_RETURNED_ON_ORDER = Stmt(
    select(func.coalesce(func.sum(E.c.amount_minor), 0)).where(
        E.c.workspace_id == WS,
        E.c.order_id == bindparam("order"),
        in_list(E.c.kind, "kinds"),
        in_list(E.c.status, "statuses"),
        E.c.id != bindparam("exclude"),
    ),
    result_types=[BigInteger()],
)
# What an agent authorised in a time range, per kind, in one currency.
_AUTHORISED = Stmt(
    select(E.c.kind, func.coalesce(func.sum(E.c.amount_minor), 0))
    .where(
        E.c.workspace_id == WS,
        E.c.authorised_by == bindparam("agent"),
        E.c.authorised_at >= _at("since"),
        E.c.authorised_at < _at("until"),
        E.c.currency == bindparam("currency"),
        in_list(E.c.status, "statuses"),
        E.c.id != bindparam("exclude"),
    )
    .group_by(E.c.kind),
    result_types=[String(), BigInteger()],
)


@dataclass(frozen=True)
class _ListShape:
    customer: bool
    order: bool
    ticket: bool
    agent: bool
    own_or_ticket: bool  # an agent's view: their own entries, or those of one ticket of theirs
    kind: bool
    status: bool
    since: bool
    until: bool
    before: bool


def _list_statement(shape: _ListShape) -> Stmt[EntryRow]:
    q = select_record(EntryRow, E).where(E.c.workspace_id == WS)
    for on, column, name in (
        (shape.customer, E.c.customer_id, "customer"),
        (shape.order, E.c.order_id, "order"),
        (shape.ticket, E.c.ticket_id, "ticket"),
        (shape.agent, E.c.agent_id, "agent"),
        (shape.kind, E.c.kind, "kind"),
        (shape.status, E.c.status, "status"),
    ):
        if on:
            q = q.where(column == bindparam(name))
    if shape.own_or_ticket:
        q = q.where((E.c.agent_id == bindparam("me")) | (E.c.ticket_id == bindparam("my_ticket")))
    if shape.since:
        q = q.where(E.c.created_at >= _at("since"))
    if shape.until:
        q = q.where(E.c.created_at < _at("until"))
    if shape.before:
        q = q.where(E.c.id < bindparam("before"))
    return Stmt(q.order_by(E.c.id.desc()).limit(bindparam("limit")), into=EntryRow)


_LIST = Stmts(_list_statement)

# -- the audit trail --------------------------------------------------------------------------------------

_LOG_COLUMNS = _names(LogRow, LG)
_INSERT_LOG = Stmt(insert_row(LG, [n for n in _LOG_COLUMNS if n != "id"]))
_LOG_OF = Stmt(
    select_record(LogRow, LG)
    .where(LG.c.workspace_id == WS, LG.c.entry_id == bindparam("entry"))
    .order_by(LG.c.id),
    into=LogRow,
)

# -- approvals ----------------------------------------------------------------------------------------------

_APPROVAL_COLUMNS = _names(ApprovalRow, A)
_APPROVAL = Stmt(
    select_record(ApprovalRow, A).where(A.c.workspace_id == WS, A.c.id == bindparam("id")), into=ApprovalRow
)
_APPROVAL_FOR_UPDATE = Stmt(
    select_record(ApprovalRow, A).where(A.c.workspace_id == WS, A.c.id == bindparam("id")).with_for_update(),
    into=ApprovalRow,
)
_APPROVAL_OF_ENTRY = Stmt(
    select_record(ApprovalRow, A).where(A.c.workspace_id == WS, A.c.entry_id == bindparam("entry")),
    into=ApprovalRow,
)
_APPROVALS_OF_ENTRIES = Stmt(
    select_record(ApprovalRow, A).where(A.c.workspace_id == WS, in_list(A.c.entry_id, "entries")),
    into=ApprovalRow,
)
_INSERT_APPROVAL = Stmt(insert_row(A, [n for n in _APPROVAL_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_APPROVAL = _updater(A)
_APPROVALS = Stmts(
    lambda status, before: Stmt(
        select_record(ApprovalRow, A)
        .where(
            A.c.workspace_id == WS,
            *([A.c.status == bindparam("status")] if status else []),
            *([A.c.id < bindparam("before")] if before else []),
        )
        .order_by(A.c.id.desc())
        .limit(bindparam("limit")),
        into=ApprovalRow,
    )
)

# -- credit -------------------------------------------------------------------------------------------------

_BALANCE_COLUMNS = _names(BalanceRow, B)
_BALANCES = Stmt(
    select_record(BalanceRow, B)
    .where(B.c.workspace_id == WS, B.c.customer_id == bindparam("customer"))
    .order_by(B.c.currency),
    into=BalanceRow,
)
_BALANCE = Stmt(
    select_record(BalanceRow, B).where(
        B.c.workspace_id == WS,
        B.c.customer_id == bindparam("customer"),
        B.c.currency == bindparam("currency"),
    ),
    into=BalanceRow,
)
_INSERT_BALANCE = Stmt(insert_row(B, [n for n in _BALANCE_COLUMNS if n != "id"]))
_ADD_TO_BALANCE = Stmt(
    update(B)
    .where(
        B.c.workspace_id == WS,
        B.c.customer_id == bindparam("customer"),
        B.c.currency == bindparam("currency"),
    )
    .values(
        balance_minor=B.c.balance_minor + bindparam("delta", type_=BigInteger()),
        updated_at=bindparam("at", type_=B.c.updated_at.type),
    )
)
_SPEND_COLUMNS = _names(SpendRow, SP)
_INSERT_SPEND = Stmt(insert_row(SP, [n for n in _SPEND_COLUMNS if n != "id"], returning=["id"]))
_SPEND_BY_KEY = Stmt(
    select_record(SpendRow, SP).where(SP.c.workspace_id == WS, SP.c.idempotency_key == bindparam("key")),
    into=SpendRow,
)
_SPENDS = Stmt(
    select_record(SpendRow, SP)
    .where(SP.c.workspace_id == WS, SP.c.customer_id == bindparam("customer"))
    .order_by(SP.c.id.desc())
    .limit(bindparam("limit")),
    into=SpendRow,
)


def lock_key(workspace_id: int, scope: str) -> int:
    """A stable signed 64-bit number for (workspace, scope): the same in every process."""
    digest = hashlib.blake2b(f"wowdesk:{workspace_id}:{scope}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class LedgerRepository(StatementRepository):
    async def lock(self, *scopes: str) -> None:
        """Hold these locks (``order:12``, ``agent:3``, ``customer:7``) until the transaction ends,
        in the order given (callers name them in one order: agent, order, customer)."""
        db = await self.db()
        if db.name != "postgresql":
            return  # SQLite: this transaction holds the one writer already
        for scope in scopes:
            await db.all(_LOCK, {"k": lock_key(self.workspace_id, scope)})

    # -- entries ------------------------------------------------------------------------------------------
    async def entry(self, entry_id: int, *, for_update: bool = False) -> EntryRow | None:
        db = await self.db()
        stmt = _ENTRY_FOR_UPDATE if for_update and db.name == "postgresql" else _ENTRY
        return await db.one(stmt, self._p(id=entry_id))

    async def entry_by_key(self, key: str) -> EntryRow | None:
        return await (await self.db()).one(_ENTRY_BY_KEY, self._p(key=key))

    async def insert_entry(self, row: EntryRow) -> EntryRow:
        values = {n: getattr(row, n) for n in _ENTRY_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_ENTRY, values))
        return row

    async def update_entry(self, row: EntryRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_ENTRY(frozenset(columns)), params)

    async def returned_on_order(
        self, order_id: int, kinds: list[str], statuses: list[str], *, exclude: int = 0
    ) -> int:
        params = self._p(order=order_id, kinds=kinds, statuses=statuses, exclude=exclude)
        return int(await (await self.db()).scalar(_RETURNED_ON_ORDER, params) or 0)

    async def authorised(
        self,
        agent_id: int,
        since: dt.datetime,
        until: dt.datetime,
        currency: str,
        statuses: list[str],
        *,
        exclude: int = 0,
    ) -> dict[str, int]:
        rows = await (await self.db()).all(
            _AUTHORISED,
            self._p(
                agent=agent_id,
                since=since,
                until=until,
                currency=currency,
                statuses=statuses,
                exclude=exclude,
            ),
        )
        return {str(kind): int(total) for kind, total in rows}

    async def entries(
        self,
        *,
        customer_id: int | None,
        order_id: int | None,
        ticket_id: int | None,
        agent_id: int | None,
        own: tuple[int, int] | None,
        kind: str | None,
        status: str | None,
        since: dt.datetime | None,
        until: dt.datetime | None,
        before: int | None,
        limit: int,
    ) -> list[EntryRow]:
        shape = _ListShape(
            customer=customer_id is not None,
            order=order_id is not None,
            ticket=ticket_id is not None,
            agent=agent_id is not None,
            own_or_ticket=own is not None,
            kind=kind is not None,
            status=status is not None,
            since=since is not None,
            until=until is not None,
            before=before is not None,
        )
        params = self._p(
            customer=customer_id,
            order=order_id,
            ticket=ticket_id,
            agent=agent_id,
            me=own[0] if own else None,
            my_ticket=own[1] if own else None,
            kind=kind,
            status=status,
            since=since,
            until=until,
            before=before,
            limit=min(limit, MAX_PAGE + 1),
        )
        return await (await self.db()).all(_LIST(shape), params)

    # -- the audit trail ------------------------------------------------------------------------------------
    async def add_log(self, row: LogRow) -> None:
        values = {n: getattr(row, n) for n in _LOG_COLUMNS if n != "id"}
        values["workspace_id"] = self.workspace_id
        await (await self.db()).run(_INSERT_LOG, values)

    async def log_of(self, entry_id: int) -> list[LogRow]:
        return await (await self.db()).all(_LOG_OF, self._p(entry=entry_id))

    # -- approvals ------------------------------------------------------------------------------------------
    async def approval(self, approval_id: int, *, for_update: bool = False) -> ApprovalRow | None:
        db = await self.db()
        stmt = _APPROVAL_FOR_UPDATE if for_update and db.name == "postgresql" else _APPROVAL
        return await db.one(stmt, self._p(id=approval_id))

    async def approval_of(self, entry_id: int) -> ApprovalRow | None:
        return await (await self.db()).one(_APPROVAL_OF_ENTRY, self._p(entry=entry_id))

    async def approvals_of(self, entry_ids: list[int]) -> dict[int, ApprovalRow]:
        if not entry_ids:
            return {}
        rows = await (await self.db()).all(_APPROVALS_OF_ENTRIES, self._p(entries=entry_ids))
        return {r.entry_id: r for r in rows}

    async def insert_approval(self, row: ApprovalRow) -> ApprovalRow:
        values = {n: getattr(row, n) for n in _APPROVAL_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_APPROVAL, values))
        return row

    async def update_approval(self, row: ApprovalRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_APPROVAL(frozenset(columns)), params)

    async def approvals(self, *, status: str | None, before: int | None, limit: int) -> list[ApprovalRow]:
        params = self._p(status=status, before=before, limit=min(limit, MAX_PAGE + 1))
        return await (await self.db()).all(_APPROVALS(status is not None, before is not None), params)

    # -- credit ---------------------------------------------------------------------------------------------
    async def balances(self, customer_id: int) -> list[BalanceRow]:
        return await (await self.db()).all(_BALANCES, self._p(customer=customer_id))

    async def balance(self, customer_id: int, currency: str) -> BalanceRow | None:
        return await (await self.db()).one(_BALANCE, self._p(customer=customer_id, currency=currency))

    async def add_to_balance(self, customer_id: int, currency: str, delta: int, at: dt.datetime) -> None:
        """Add `delta` (negative to take) to the customer's balance in `currency`, creating it
        (the caller holds the customer's lock)."""
        db = await self.db()
        params = self._p(customer=customer_id, currency=currency, delta=delta, at=at)
        if await db.run(_ADD_TO_BALANCE, params) == 0:
            await db.run(
                _INSERT_BALANCE,
                {
                    "workspace_id": self.workspace_id,
                    "customer_id": customer_id,
                    "currency": currency,
                    "balance_minor": delta,
                    "updated_at": at,
                },
            )

    async def insert_spend(self, row: SpendRow) -> SpendRow:
        values = {n: getattr(row, n) for n in _SPEND_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_SPEND, values))
        return row

    async def spend_by_key(self, key: str) -> SpendRow | None:
        return await (await self.db()).one(_SPEND_BY_KEY, self._p(key=key))

    async def spends(self, customer_id: int, *, limit: int = 50) -> list[SpendRow]:
        return await (await self.db()).all(_SPENDS, self._p(customer=customer_id, limit=limit))
