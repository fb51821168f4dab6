"""Every statement of buyer-seller messaging, prepared once (``core.sql``), as plain records. Seller
keys are found by their digest across workspaces (the key names its workspace); everything else
names its workspace."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from wowdesk.conversations.models import Message, MessageRow
from wowdesk.conversations.sellers.models import (
    FlagRow,
    MessageFlag,
    MessagingSettingsRow,
    ResponseRow,
    SellerApiKey,
    SellerKeyRow,
    SellerMessagingSettings,
    SellerResponse,
    SellerThread,
    ThreadRow,
)
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, driver, in_list, insert_row, record_columns, select_record

K = cast(Table, SellerApiKey.__table__)
TH = cast(Table, SellerThread.__table__)
FL = cast(Table, MessageFlag.__table__)
RS = cast(Table, SellerResponse.__table__)
ST = cast(Table, SellerMessagingSettings.__table__)
M = cast(Table, Message.__table__)
WS: BindParameter[Any] = bindparam("ws")


def _names(record: type[Any], table: Table) -> list[str]:
    return [c.name for c in record_columns(record, table) if c.name != "id"]


def _updater(table: Table) -> Stmts:
    return Stmts(
        lambda columns: Stmt(
            update(table)
            .where(table.c.workspace_id == WS, table.c.id == bindparam("id"))
            .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in sorted(columns)})
        )
    )


_KEY_COLUMNS = _names(SellerKeyRow, K)
_INSERT_KEY = Stmt(insert_row(K, _KEY_COLUMNS, returning=["id"]))
_KEY_BY_HASH = Stmt(
    select_record(SellerKeyRow, K).where(K.c.key_hash == bindparam("hash")), into=SellerKeyRow
)
_KEY = Stmt(
    select_record(SellerKeyRow, K).where(K.c.workspace_id == WS, K.c.id == bindparam("id")), into=SellerKeyRow
)
_KEYS_OF_SELLER = Stmt(
    select_record(SellerKeyRow, K)
    .where(K.c.workspace_id == WS, K.c.seller_id == bindparam("seller"))
    .order_by(K.c.id),
    into=SellerKeyRow,
)
_UPDATE_KEY = _updater(K)

_THREAD_COLUMNS = _names(ThreadRow, TH)
_INSERT_THREAD = Stmt(insert_row(TH, _THREAD_COLUMNS, returning=["id"]))
_THREAD_BY_ORDER = Stmt(
    select_record(ThreadRow, TH).where(TH.c.workspace_id == WS, TH.c.order_id == bindparam("order")),
    into=ThreadRow,
)
_THREAD_BY_CONVERSATION = Stmt(
    select_record(ThreadRow, TH).where(
        TH.c.workspace_id == WS, TH.c.conversation_id == bindparam("conversation")
    ),
    into=ThreadRow,
)
_UPDATE_THREAD = _updater(TH)


def _threads_statement(after: bool) -> Stmt[Any]:
    q = select_record(ThreadRow, TH).where(TH.c.workspace_id == WS, TH.c.seller_id == bindparam("seller"))
    if after:
        at = bindparam("after_at", type_=TH.c.last_message_at.type)
        q = q.where(
            or_(TH.c.last_message_at < at, and_(TH.c.last_message_at == at, TH.c.id < bindparam("after_id")))
        )
    return Stmt(
        q.order_by(TH.c.last_message_at.desc(), TH.c.id.desc()).limit(bindparam("limit")), into=ThreadRow
    )


_THREADS = Stmts(_threads_statement)

_FLAG_COLUMNS = _names(FlagRow, FL)
_INSERT_FLAG = Stmt(insert_row(FL, _FLAG_COLUMNS, returning=["id"]))
_FLAG_OF_MESSAGE = Stmt(
    select_record(FlagRow, FL).where(FL.c.workspace_id == WS, FL.c.message_id == bindparam("message")),
    into=FlagRow,
)
_FLAGS_OF_MESSAGES = Stmt(
    select_record(FlagRow, FL).where(FL.c.workspace_id == WS, in_list(FL.c.message_id, "ids")), into=FlagRow
)
_FLAGS_OF_CONVERSATION = Stmt(
    select_record(FlagRow, FL)
    .where(FL.c.workspace_id == WS, FL.c.conversation_id == bindparam("conversation"))
    .order_by(FL.c.id),
    into=FlagRow,
)
_FLAGS_BY_STATUS = Stmt(
    select_record(FlagRow, FL)
    .where(FL.c.workspace_id == WS, FL.c.status == bindparam("status"), FL.c.id > bindparam("after"))
    .order_by(FL.c.id)
    .limit(bindparam("limit")),
    into=FlagRow,
)
_UPDATE_FLAG = _updater(FL)

_RESPONSE_COLUMNS = _names(ResponseRow, RS)
_INSERT_RESPONSE = Stmt(insert_row(RS, _RESPONSE_COLUMNS, returning=["id"]))
_RESPONSE_SECONDS = Stmt(
    select(RS.c.milliseconds)
    .where(
        RS.c.workspace_id == WS,
        RS.c.seller_id == bindparam("seller"),
        RS.c.asked_at >= bindparam("since", type_=RS.c.asked_at.type),
    )
    .order_by(RS.c.asked_at, RS.c.id)
)

_MESSAGE = Stmt(
    select_record(MessageRow, M).where(
        M.c.workspace_id == WS, M.c.conversation_id == bindparam("conversation"), M.c.id == bindparam("id")
    ),
    into=MessageRow,
)

_SETTINGS_COLUMNS = _names(MessagingSettingsRow, ST)
_SETTINGS = Stmt(
    select_record(MessagingSettingsRow, ST).where(ST.c.workspace_id == WS), into=MessagingSettingsRow
)
_INSERT_SETTINGS = Stmt(insert_row(ST, _SETTINGS_COLUMNS, returning=["id"]))
_UPDATE_SETTINGS = _updater(ST)


class SellerMessagingRepository(StatementRepository):
    """Buyer-seller messaging's statements for one workspace, on the unit of work's connection."""

    async def _insert(self, stmt: Stmt[Any], columns: list[str], row: Any) -> None:
        values = {n: getattr(row, n) for n in columns}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(stmt, values))

    async def _update(self, stmts: Stmts, row: Any, columns: set[str]) -> None:
        if columns:
            params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
            await (await self.db()).run(stmts(frozenset(columns)), params)

    # -- keys ----------------------------------------------------------------------------------------------
    async def insert_key(self, row: SellerKeyRow) -> SellerKeyRow:
        await self._insert(_INSERT_KEY, _KEY_COLUMNS, row)
        return row

    async def key(self, key_id: int) -> SellerKeyRow | None:
        return await (await self.db()).one(_KEY, self._p(id=key_id))

    async def keys_of(self, seller_id: int) -> list[SellerKeyRow]:
        return await (await self.db()).all(_KEYS_OF_SELLER, self._p(seller=seller_id))

    async def update_key(self, row: SellerKeyRow, columns: set[str]) -> None:
        await self._update(_UPDATE_KEY, row, columns)

    # -- threads -------------------------------------------------------------------------------------------
    async def insert_thread(self, row: ThreadRow) -> ThreadRow:
        await self._insert(_INSERT_THREAD, _THREAD_COLUMNS, row)
        return row

    async def thread_of_order(self, order_id: int) -> ThreadRow | None:
        return await (await self.db()).one(_THREAD_BY_ORDER, self._p(order=order_id))

    async def thread_of_conversation(self, conversation_id: int) -> ThreadRow | None:
        return await (await self.db()).one(_THREAD_BY_CONVERSATION, self._p(conversation=conversation_id))

    async def threads(
        self, seller_id: int, *, after: tuple[dt.datetime, int] | None, limit: int
    ) -> list[ThreadRow]:
        params = self._p(
            seller=seller_id,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return await (await self.db()).all(_THREADS(after is not None), params)

    async def update_thread(self, row: ThreadRow, columns: set[str]) -> None:
        await self._update(_UPDATE_THREAD, row, columns)

    # -- flags ---------------------------------------------------------------------------------------------
    async def insert_flag(self, row: FlagRow) -> FlagRow:
        await self._insert(_INSERT_FLAG, _FLAG_COLUMNS, row)
        return row

    async def flag_of_message(self, message_id: int) -> FlagRow | None:
        return await (await self.db()).one(_FLAG_OF_MESSAGE, self._p(message=message_id))

    async def flags_of_messages(self, message_ids: list[int]) -> dict[int, FlagRow]:
        if not message_ids:
            return {}
        rows = await (await self.db()).all(_FLAGS_OF_MESSAGES, self._p(ids=message_ids))
        return {f.message_id: f for f in rows}

    async def flags_of_conversation(self, conversation_id: int) -> list[FlagRow]:
        return await (await self.db()).all(_FLAGS_OF_CONVERSATION, self._p(conversation=conversation_id))

    async def flags_by_status(self, status: str, *, after_id: int, limit: int) -> list[FlagRow]:
        return await (await self.db()).all(
            _FLAGS_BY_STATUS, self._p(status=status, after=after_id, limit=limit)
        )

    async def update_flag(self, row: FlagRow, columns: set[str]) -> None:
        await self._update(_UPDATE_FLAG, row, columns)

    # -- response times ------------------------------------------------------------------------------------
    async def insert_response(self, row: ResponseRow) -> ResponseRow:
        await self._insert(_INSERT_RESPONSE, _RESPONSE_COLUMNS, row)
        return row

    async def response_seconds(self, seller_id: int, since: dt.datetime) -> list[float]:
        rows = await (await self.db()).all(_RESPONSE_SECONDS, self._p(seller=seller_id, since=since))
        return [int(r[0]) / 1000 for r in rows]

    async def message(self, conversation_id: int, message_id: int) -> MessageRow | None:
        return await (await self.db()).one(_MESSAGE, self._p(conversation=conversation_id, id=message_id))

    # -- settings ------------------------------------------------------------------------------------------
    async def settings(self) -> MessagingSettingsRow | None:
        return await (await self.db()).one(_SETTINGS, self._p())

    async def insert_settings(self, row: MessagingSettingsRow) -> MessagingSettingsRow:
        await self._insert(_INSERT_SETTINGS, _SETTINGS_COLUMNS, row)
        return row

    async def update_settings(self, row: MessagingSettingsRow, columns: set[str]) -> None:
        await self._update(_UPDATE_SETTINGS, row, columns)


# -- across workspaces (a seller key names its workspace) ----------------------------------------------------


async def key_by_hash(session: AsyncSession, key_hash: str) -> SellerKeyRow | None:
    return await (await driver(session)).one(_KEY_BY_HASH, {"hash": key_hash})
