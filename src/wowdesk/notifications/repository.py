"""Every statement of the notifications domain, prepared once (``core.sql``), as plain records."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, record_columns, select_record
from wowdesk.notifications.models import NotificationSetting, PushSubscription, SettingRow, SubscriptionRow

S = cast(Table, PushSubscription.__table__)
N = cast(Table, NotificationSetting.__table__)
WS: BindParameter[Any] = bindparam("ws")

_SUBSCRIPTION_COLUMNS = [c.name for c in record_columns(SubscriptionRow, S)]
_SUBSCRIPTIONS_OF = Stmt(
    select_record(SubscriptionRow, S)
    .where(S.c.workspace_id == WS, S.c.agent_id == bindparam("agent"))
    .order_by(S.c.id)
    .limit(bindparam("limit")),
    into=SubscriptionRow,
)
_SUBSCRIPTION = Stmt(
    select_record(SubscriptionRow, S).where(S.c.workspace_id == WS, S.c.id == bindparam("id")),
    into=SubscriptionRow,
)
_BY_ENDPOINT = Stmt(
    select_record(SubscriptionRow, S).where(S.c.workspace_id == WS, S.c.endpoint == bindparam("endpoint")),
    into=SubscriptionRow,
)
_COUNT_OF = Stmt(
    select(func.count()).select_from(S).where(S.c.workspace_id == WS, S.c.agent_id == bindparam("agent"))
)


def _upsert_subscription(factory: Any) -> Stmt[SubscriptionRow]:
    """Insert a subscription, or take over the row of the same endpoint (a browser subscribing
    again, perhaps for another agent of the workspace): new keys, failures forgotten, the label
    kept unless a new one is given."""
    names = [n for n in _SUBSCRIPTION_COLUMNS if n != "id"]
    ins = factory(S).values({n: bindparam(n, type_=S.c[n].type) for n in names})
    ins = ins.on_conflict_do_update(
        index_elements=["workspace_id", "endpoint"],
        set_={
            "agent_id": ins.excluded.agent_id,
            "p256dh": ins.excluded.p256dh,
            "auth": ins.excluded.auth,
            "label": func.coalesce(ins.excluded.label, S.c.label),
            "failures": 0,
            "last_failure_at": None,
        },
    )
    return Stmt(ins.returning(*record_columns(SubscriptionRow, S)), into=SubscriptionRow)


_UPSERT_SUBSCRIPTION = {
    "sqlite": _upsert_subscription(sqlite_insert),
    "postgresql": _upsert_subscription(pg_insert),
}
_DELETE_OF = Stmt(
    delete(S).where(S.c.workspace_id == WS, S.c.id == bindparam("id"), S.c.agent_id == bindparam("agent"))
)
# The job's writes name the endpoint too: a row taken over by a new endpoint since is not touched.
_SAME_DEVICE = (S.c.workspace_id == WS, S.c.id == bindparam("id"), S.c.endpoint == bindparam("endpoint"))
_DELETE_GONE = Stmt(delete(S).where(*_SAME_DEVICE))
_DELIVERED = Stmt(
    update(S)
    .where(*_SAME_DEVICE)
    .values(last_success_at=bindparam("at", type_=S.c.last_success_at.type), failures=0)
)
_REFUSED = Stmt(
    update(S)
    .where(*_SAME_DEVICE)
    .values(last_failure_at=bindparam("at", type_=S.c.last_failure_at.type), failures=S.c.failures + 1)
)

_SETTING = Stmt(
    select_record(SettingRow, N).where(N.c.workspace_id == WS, N.c.agent_id == bindparam("agent")),
    into=SettingRow,
)


def _upsert_setting(factory: Any) -> Stmt[Any]:
    names = [c.name for c in record_columns(SettingRow, N)]
    ins = factory(N).values({n: bindparam(n, type_=N.c[n].type) for n in names})
    return Stmt(
        ins.on_conflict_do_update(
            index_elements=["agent_id"],
            set_={
                "assignments": ins.excluded.assignments,
                "customer_replies": ins.excluded.customer_replies,
                "updated_at": ins.excluded.updated_at,
            },
            where=N.c.workspace_id == ins.excluded.workspace_id,
        )
    )


_UPSERT_SETTING = {"sqlite": _upsert_setting(sqlite_insert), "postgresql": _upsert_setting(pg_insert)}


class NotificationsRepository(StatementRepository):
    """The notifications domain's statements for one workspace, on the unit of work's connection."""

    # -- subscriptions -------------------------------------------------------------------------------------
    async def subscriptions_of(self, agent_id: int, limit: int) -> list[SubscriptionRow]:
        return await (await self.db()).all(_SUBSCRIPTIONS_OF, self._p(agent=agent_id, limit=limit))

    async def subscription(self, subscription_id: int) -> SubscriptionRow | None:
        return await (await self.db()).one(_SUBSCRIPTION, self._p(id=subscription_id))

    async def by_endpoint(self, endpoint: str) -> SubscriptionRow | None:
        return await (await self.db()).one(_BY_ENDPOINT, self._p(endpoint=endpoint))

    async def count_of(self, agent_id: int) -> int:
        return int(await (await self.db()).scalar(_COUNT_OF, self._p(agent=agent_id)))

    async def upsert_subscription(self, row: SubscriptionRow) -> SubscriptionRow:
        db = await self.db()
        values = {n: getattr(row, n) for n in _SUBSCRIPTION_COLUMNS if n != "id"}
        values["workspace_id"] = self.workspace_id
        saved = await db.one(_UPSERT_SUBSCRIPTION[db.name], values)
        assert saved is not None  # INSERT … ON CONFLICT DO UPDATE … RETURNING always returns the row
        return saved

    async def delete_of(self, agent_id: int, subscription_id: int) -> bool:
        return await (await self.db()).run(_DELETE_OF, self._p(id=subscription_id, agent=agent_id)) > 0

    async def delete_gone(self, subscription_id: int, endpoint: str) -> None:
        await (await self.db()).run(_DELETE_GONE, self._p(id=subscription_id, endpoint=endpoint))

    async def mark_delivered(self, subscription_id: int, endpoint: str, at: dt.datetime) -> None:
        await (await self.db()).run(_DELIVERED, self._p(id=subscription_id, endpoint=endpoint, at=at))

    async def mark_refused(self, subscription_id: int, endpoint: str, at: dt.datetime) -> None:
        await (await self.db()).run(_REFUSED, self._p(id=subscription_id, endpoint=endpoint, at=at))

    # -- settings -------------------------------------------------------------------------------------------
    async def setting(self, agent_id: int) -> SettingRow | None:
        return await (await self.db()).one(_SETTING, self._p(agent=agent_id))

    async def upsert_setting(self, row: SettingRow) -> None:
        db = await self.db()
        values = {c.name: getattr(row, c.name) for c in record_columns(SettingRow, N)}
        values["workspace_id"] = self.workspace_id
        await db.run(_UPSERT_SETTING[db.name], values)
