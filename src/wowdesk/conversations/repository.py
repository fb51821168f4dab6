"""Every statement of the conversations domain, prepared once (``core.sql``), as plain records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from wowdesk.conversations.models import (
    Channel,
    ChannelRow,
    ChatFile,
    ChatFileRow,
    Conversation,
    ConversationRow,
    Message,
    MessageRow,
)
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, driver, in_list, insert_row, record_columns, select_record

CH = cast(Table, Channel.__table__)
F = cast(Table, ChatFile.__table__)
CV = cast(Table, Conversation.__table__)
M = cast(Table, Message.__table__)
WS: BindParameter[Any] = bindparam("ws")


def _columns(record: type[Any], table: Table) -> list[str]:
    return [c.name for c in record_columns(record, table)]


def _updater(table: Table) -> Stmts:
    return Stmts(
        lambda columns: Stmt(
            update(table)
            .where(table.c.workspace_id == WS, table.c.id == bindparam("id"))
            .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in sorted(columns)})
        )
    )


_CHANNEL_COLUMNS = _columns(ChannelRow, CH)
_CHANNEL = Stmt(
    select_record(ChannelRow, CH).where(CH.c.workspace_id == WS, CH.c.id == bindparam("id")), into=ChannelRow
)
_CHANNELS = Stmt(
    select_record(ChannelRow, CH).where(CH.c.workspace_id == WS).order_by(CH.c.id), into=ChannelRow
)
_INSERT_CHANNEL = Stmt(insert_row(CH, [n for n in _CHANNEL_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_CHANNEL = _updater(CH)

_CONVERSATION_COLUMNS = _columns(ConversationRow, CV)
_CONVERSATION = Stmt(
    select_record(ConversationRow, CV).where(CV.c.workspace_id == WS, CV.c.id == bindparam("id")),
    into=ConversationRow,
)
_CONVERSATION_FOR_UPDATE = Stmt(
    select_record(ConversationRow, CV)
    .where(CV.c.workspace_id == WS, CV.c.id == bindparam("id"))
    .with_for_update(),
    into=ConversationRow,
)
# The customer's latest conversation on a channel (resolved ones are reopened by a new message).
_LATEST_OF_CUSTOMER = Stmt(
    select_record(ConversationRow, CV)
    .where(
        CV.c.workspace_id == WS,
        CV.c.customer_id == bindparam("customer"),
        CV.c.channel_id == bindparam("channel"),
    )
    .order_by(CV.c.id.desc())
    .limit(1),
    into=ConversationRow,
)
# The latest conversation linked to a ticket (made from it, or for it): where a ticket's requester
# is reached by chat (tickets.outreach).
_LATEST_OF_TICKET = Stmt(
    select_record(ConversationRow, CV)
    .where(CV.c.workspace_id == WS, CV.c.ticket_id == bindparam("ticket"))
    .order_by(CV.c.id.desc())
    .limit(1),
    into=ConversationRow,
)
_INSERT_CONVERSATION = Stmt(insert_row(CV, [n for n in _CONVERSATION_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_CONVERSATION = _updater(CV)
# A message's number, and the conversation's times it moves, in one statement.
_NEXT_SEQ = Stmts(
    lambda public: Stmt(
        update(CV)
        .where(CV.c.workspace_id == WS, CV.c.id == bindparam("id"))
        .values(
            last_seq=CV.c.last_seq + 1,
            updated_at=bindparam("at", type_=CV.c.updated_at.type),
            **({"last_message_at": bindparam("last_at", type_=CV.c.last_message_at.type)} if public else {}),
        )
        .returning(CV.c.last_seq)
    )
)

# Chats an agent holds: assigned to them and not resolved or snoozed.
_LOAD = Stmt(
    select(CV.c.assignee_id, func.count())
    .where(CV.c.workspace_id == WS, in_list(CV.c.assignee_id, "ids"), in_list(CV.c.status, "held"))
    .group_by(CV.c.assignee_id)
)
_WAITING = Stmts(
    lambda any_team: Stmt(
        select_record(ConversationRow, CV)
        .where(
            CV.c.workspace_id == WS,
            CV.c.status == "open",
            CV.c.assignee_id.is_(None),
            *([] if any_team else [or_(CV.c.team_id.is_(None), in_list(CV.c.team_id, "teams"))]),
        )
        .order_by(CV.c.id)
        .limit(bindparam("limit")),
        into=ConversationRow,
    )
)
HELD = ("open", "pending")

_FILE_COLUMNS = _columns(ChatFileRow, F)
_INSERT_FILE = Stmt(insert_row(F, [n for n in _FILE_COLUMNS if n != "id"], returning=["id"]))
_FILES_BY_IDS = Stmt(
    select_record(ChatFileRow, F).where(F.c.workspace_id == WS, in_list(F.c.id, "ids")), into=ChatFileRow
)
_FILES_OF_MESSAGES = Stmt(
    select_record(ChatFileRow, F)
    .where(F.c.workspace_id == WS, in_list(F.c.message_id, "ids"))
    .order_by(F.c.id),
    into=ChatFileRow,
)
_FILE = Stmt(select_record(ChatFileRow, F).where(F.c.id == bindparam("id")), into=ChatFileRow)
_ATTACH_FILE = Stmt(
    update(F).where(F.c.workspace_id == WS, F.c.id == bindparam("id")).values(message_id=bindparam("message"))
)
_ORPHAN_FILES = Stmt(
    select_record(ChatFileRow, F)
    .where(F.c.message_id.is_(None), F.c.created_at < bindparam("before", type_=F.c.created_at.type))
    .order_by(F.c.id)
    .limit(bindparam("limit")),
    into=ChatFileRow,
)
_DELETE_FILE = Stmt(F.delete().where(F.c.id == bindparam("id")))

_MESSAGE_COLUMNS = _columns(MessageRow, M)
_INSERT_MESSAGE = Stmt(insert_row(M, [n for n in _MESSAGE_COLUMNS if n != "id"], returning=["id"]))
_MESSAGE_BY_CLIENT_ID = Stmt(
    select_record(MessageRow, M).where(
        M.c.workspace_id == WS,
        M.c.conversation_id == bindparam("conversation"),
        M.c.client_id == bindparam("client_id"),
    ),
    into=MessageRow,
)
_MESSAGES = Stmts(
    lambda public_only: Stmt(
        select_record(MessageRow, M)
        .where(
            M.c.workspace_id == WS,
            M.c.conversation_id == bindparam("conversation"),
            M.c.seq > bindparam("after"),
            *([M.c.private.is_(False)] if public_only else []),
        )
        .order_by(M.c.seq)
        .limit(bindparam("limit")),
        into=MessageRow,
    )
)
_LAST_MESSAGES = Stmt(
    select_record(MessageRow, M)
    .select_from(M.join(CV, and_(CV.c.id == M.c.conversation_id, CV.c.last_seq == M.c.seq)))
    .where(M.c.workspace_id == WS, in_list(M.c.conversation_id, "ids")),
    into=MessageRow,
)
_TRANSCRIPT = Stmt(
    select_record(MessageRow, M)
    .where(M.c.workspace_id == WS, M.c.conversation_id == bindparam("conversation"), M.c.kind != "activity")
    .order_by(M.c.seq)
    .limit(2000),
    into=MessageRow,
)


@dataclass(frozen=True)
class ConversationFilter:
    statuses: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    channel_id: int | None = None
    customer_id: int | None = None
    # What an agent without conversations.all may see: assigned to them, or unassigned in one of
    # these teams or without a team (None: no restriction).
    visible_to: int | None = None
    visible_teams: tuple[int, ...] = ()
    priorities: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()  # in one of these teams
    channel_ids: tuple[int, ...] = ()  # on one of these channels


@dataclass(frozen=True)
class _Shape:
    statuses: bool
    assignee: bool
    unassigned: bool
    team: bool
    channel: bool
    customer: bool
    restricted: bool
    after: bool
    priorities: bool = False
    team_ids: bool = False
    channel_ids: bool = False
    count: bool = False  # how many match (up to the limit), not which


def _list_statement(shape: _Shape) -> Stmt[Any]:
    q: Select[Any] = select_record(ConversationRow, CV).where(CV.c.workspace_id == WS)
    if shape.statuses:
        q = q.where(in_list(CV.c.status, "statuses"))
    if shape.unassigned:
        q = q.where(CV.c.assignee_id.is_(None))
    elif shape.assignee:
        q = q.where(CV.c.assignee_id == bindparam("assignee"))
    if shape.team:
        q = q.where(CV.c.team_id == bindparam("team"))
    if shape.channel:
        q = q.where(CV.c.channel_id == bindparam("channel"))
    if shape.customer:
        q = q.where(CV.c.customer_id == bindparam("customer"))
    if shape.priorities:
        q = q.where(in_list(CV.c.priority, "priorities"))
    if shape.team_ids:
        q = q.where(in_list(CV.c.team_id, "team_ids"))
    if shape.channel_ids:
        q = q.where(in_list(CV.c.channel_id, "channel_ids"))
    if shape.restricted:
        q = q.where(
            or_(
                CV.c.assignee_id == bindparam("me"),
                and_(CV.c.assignee_id.is_(None), or_(CV.c.team_id.is_(None), in_list(CV.c.team_id, "teams"))),
            )
        )
    if shape.count:
        capped = q.with_only_columns(CV.c.id).limit(bindparam("limit")).subquery()
        return Stmt(select(func.count()).select_from(capped))
    if shape.after:
        at = bindparam("after_at", type_=CV.c.last_message_at.type)
        q = q.where(
            or_(CV.c.last_message_at < at, and_(CV.c.last_message_at == at, CV.c.id < bindparam("after_id")))
        )
    return Stmt(
        q.order_by(CV.c.last_message_at.desc(), CV.c.id.desc()).limit(bindparam("limit")),
        into=ConversationRow,
    )


_LISTS = Stmts(_list_statement)


# Chats begun in a period that did not become tickets (a chat made a ticket counts once, as its
# ticket): analytics' contacts per order, read from (workspace_id, created_at).
_CONTACTS_BETWEEN = Stmt(
    select(CV.c.order_id, CV.c.contact_reason).where(
        CV.c.workspace_id == WS,
        CV.c.created_at >= bindparam("since", type_=CV.c.created_at.type),
        CV.c.created_at < bindparam("until", type_=CV.c.created_at.type),
        CV.c.ticket_id.is_(None),
    )
)


class ConversationsRepository(StatementRepository):
    """The conversations domain's statements for one workspace, on the unit of work's connection."""

    # -- channels --------------------------------------------------------------------------------------------
    async def channel(self, channel_id: int) -> ChannelRow | None:
        return await (await self.db()).one(_CHANNEL, self._p(id=channel_id))

    async def channels(self) -> list[ChannelRow]:
        return await (await self.db()).all(_CHANNELS, self._p())

    async def insert_channel(self, row: ChannelRow) -> ChannelRow:
        values = {n: getattr(row, n) for n in _CHANNEL_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_CHANNEL, values))
        return row

    async def update_channel(self, row: ChannelRow, columns: set[str]) -> None:
        if columns:
            params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
            await (await self.db()).run(_UPDATE_CHANNEL(frozenset(columns)), params)

    # -- conversations ---------------------------------------------------------------------------------------
    async def locked(self, c: ConversationRow) -> ConversationRow:
        """`c` as it is now, row-locked until the transaction ends (PostgreSQL). On SQLite the
        unit of work already holds the only write lock since it read `c`: nothing to read again."""
        db = await self.db()
        if db.name != "postgresql":
            return c
        return await db.one(_CONVERSATION_FOR_UPDATE, self._p(id=c.id)) or c

    async def conversation(self, conversation_id: int, *, for_update: bool = False) -> ConversationRow | None:
        db = await self.db()
        stmt = _CONVERSATION_FOR_UPDATE if for_update and db.name == "postgresql" else _CONVERSATION
        return await db.one(stmt, self._p(id=conversation_id))

    async def latest_of_customer(self, customer_id: int, channel_id: int) -> ConversationRow | None:
        return await (await self.db()).one(
            _LATEST_OF_CUSTOMER, self._p(customer=customer_id, channel=channel_id)
        )

    async def latest_of_ticket(self, ticket_id: int) -> ConversationRow | None:
        return await (await self.db()).one(_LATEST_OF_TICKET, self._p(ticket=ticket_id))

    async def insert_conversation(self, row: ConversationRow) -> ConversationRow:
        values = {n: getattr(row, n) for n in _CONVERSATION_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_CONVERSATION, values))
        return row

    async def update_conversation(self, row: ConversationRow, columns: set[str]) -> None:
        if columns:
            params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
            await (await self.db()).run(_UPDATE_CONVERSATION(frozenset(columns)), params)

    async def next_seq(self, conversation: ConversationRow, at: dt.datetime, *, public: bool) -> int:
        """The conversation's next message number (its row stays locked until the commit), the
        conversation updated at `at` and, for a message the customer sees, its last message then."""
        params = (
            self._p(id=conversation.id, at=at, last_at=at) if public else self._p(id=conversation.id, at=at)
        )
        seq = int(await (await self.db()).scalar(_NEXT_SEQ(public), params))
        conversation.last_seq = seq
        conversation.updated_at = at
        if public:
            conversation.last_message_at = at
        return seq

    async def conversations(
        self, f: ConversationFilter, *, after: tuple[dt.datetime, int] | None, limit: int
    ) -> list[ConversationRow]:
        return await (await self.db()).all(*self._list(f, after=after, limit=limit, count=False))

    async def count(self, f: ConversationFilter, *, up_to: int) -> int:
        """How many conversations match, counting no further than `up_to`."""
        return int(await (await self.db()).scalar(*self._list(f, after=None, limit=up_to, count=True)))

    def _list(
        self, f: ConversationFilter, *, after: tuple[dt.datetime, int] | None, limit: int, count: bool
    ) -> tuple[Stmt[Any], dict[str, Any]]:
        shape = _Shape(
            statuses=bool(f.statuses),
            assignee=f.assignee_id is not None,
            unassigned=f.unassigned,
            team=f.team_id is not None,
            channel=f.channel_id is not None,
            customer=f.customer_id is not None,
            restricted=f.visible_to is not None,
            after=after is not None,
            priorities=bool(f.priorities),
            team_ids=bool(f.team_ids),
            channel_ids=bool(f.channel_ids),
            count=count,
        )
        params = self._p(
            statuses=list(f.statuses),
            assignee=f.assignee_id,
            team=f.team_id,
            channel=f.channel_id,
            customer=f.customer_id,
            me=f.visible_to,
            teams=list(f.visible_teams) or [0],
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
            priorities=list(f.priorities),
            team_ids=list(f.team_ids),
            channel_ids=list(f.channel_ids),
        )
        return _LISTS(shape), params

    async def load(self, agent_ids: list[int]) -> dict[int, int]:
        """How many chats each agent holds (open or pending, assigned to them)."""
        if not agent_ids:
            return {}
        rows = await (await self.db()).all(_LOAD, self._p(ids=agent_ids, held=list(HELD)))
        return {int(a): int(n) for a, n in rows}

    async def waiting(self, team_ids: list[int] | None, limit: int) -> list[ConversationRow]:
        """Open conversations nobody holds, oldest first: of these teams (and of no team), or all."""
        params = self._p(teams=team_ids or [0], limit=limit)
        return await (await self.db()).all(_WAITING(team_ids is None), params)

    # -- files -------------------------------------------------------------------------------------------
    async def insert_file(self, row: ChatFileRow) -> ChatFileRow:
        values = {n: getattr(row, n) for n in _FILE_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_FILE, values))
        return row

    async def files(self, ids: list[int]) -> list[ChatFileRow]:
        return await (await self.db()).all(_FILES_BY_IDS, self._p(ids=ids)) if ids else []

    async def files_of_messages(self, message_ids: list[int]) -> dict[int, list[ChatFileRow]]:
        out: dict[int, list[ChatFileRow]] = {m: [] for m in message_ids}
        if message_ids:
            for f in await (await self.db()).all(_FILES_OF_MESSAGES, self._p(ids=message_ids)):
                out.setdefault(f.message_id or 0, []).append(f)
        return out

    async def attach_file(self, file: ChatFileRow, message_id: int) -> None:
        file.message_id = message_id
        await (await self.db()).run(_ATTACH_FILE, self._p(id=file.id, message=message_id))

    # -- messages ------------------------------------------------------------------------------------------
    async def insert_message(self, row: MessageRow) -> MessageRow:
        values = {n: getattr(row, n) for n in _MESSAGE_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_MESSAGE, values))
        return row

    async def message_by_client_id(self, conversation_id: int, client_id: str) -> MessageRow | None:
        params = self._p(conversation=conversation_id, client_id=client_id)
        return await (await self.db()).one(_MESSAGE_BY_CLIENT_ID, params)

    async def messages(
        self, conversation_id: int, *, after_seq: int, limit: int, public_only: bool
    ) -> list[MessageRow]:
        params = self._p(conversation=conversation_id, after=after_seq, limit=limit)
        return await (await self.db()).all(_MESSAGES(public_only), params)

    async def last_messages(self, conversation_ids: list[int]) -> dict[int, MessageRow]:
        if not conversation_ids:
            return {}
        rows = await (await self.db()).all(_LAST_MESSAGES, self._p(ids=conversation_ids))
        return {m.conversation_id: m for m in rows}

    async def transcript(self, conversation_id: int) -> list[MessageRow]:
        return await (await self.db()).all(_TRANSCRIPT, self._p(conversation=conversation_id))


# -- across workspaces (downloads by capability URL, the purge job) ------------------------------------------


async def chat_file(session: AsyncSession, file_id: int) -> ChatFileRow | None:
    return await (await driver(session)).one(_FILE, {"id": file_id})


async def orphan_files(session: AsyncSession, before: dt.datetime, limit: int) -> list[ChatFileRow]:
    return await (await driver(session)).all(_ORPHAN_FILES, {"before": before, "limit": limit})


async def delete_file(session: AsyncSession, file: ChatFileRow) -> None:
    await (await driver(session)).run(_DELETE_FILE, {"id": file.id})


async def contacts_between(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[int | None, str | None]]:
    """(order id, contact reason) of every chat begun in [since, until) that is not a ticket's."""
    rows = await (await driver(session)).all(
        _CONTACTS_BETWEEN, {"ws": workspace_id, "since": since, "until": until}
    )
    return [(r[0], r[1]) for r in rows]
