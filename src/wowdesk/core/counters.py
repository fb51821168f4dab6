"""Per-workspace sequences (ticket numbers …): gap-free within committed transactions."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId
from wowdesk.core.sql import Stmt, driver


class Counter(Base):
    __tablename__ = "counters"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_INCREMENT = Stmt(
    update(Counter)
    .where(Counter.workspace_id == bindparam("ws"), Counter.name == bindparam("counter"))
    .values(value=Counter.value + 1)
    .returning(Counter.value)
)
_ADVANCE = Stmt(
    update(Counter)
    .where(Counter.workspace_id == bindparam("ws"), Counter.name == bindparam("counter"))
    .values(value=Counter.value + bindparam("by"))
    .returning(Counter.value)
)
_CREATE = Stmt(
    sqlite_insert(Counter)
    .values(workspace_id=bindparam("ws"), name=bindparam("counter"), value=0)
    .on_conflict_do_nothing()
)
_CREATE_PG = Stmt(
    pg_insert(Counter)
    .values(workspace_id=bindparam("ws"), name=bindparam("counter"), value=0)
    .on_conflict_do_nothing()
)
_CURRENT = Stmt(
    select(Counter.value).where(Counter.workspace_id == bindparam("ws"), Counter.name == bindparam("counter"))
)


async def next_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    """Increment and return the counter. The row stays locked until the transaction ends, so two
    concurrent transactions never get the same number (and a rolled-back one gives its number back)."""
    params = {"ws": workspace_id, "counter": name}
    db = await driver(session)
    value = await db.scalar(_INCREMENT, params)
    if value is not None:
        return int(value)
    await db.run(_CREATE_PG if db.name == "postgresql" else _CREATE, params)
    return int(await db.scalar(_INCREMENT, params))


async def advance(session: AsyncSession, workspace_id: int, name: str, by: int) -> int:
    """Add `by` to the counter and return its new value: the caller owns the `by` values up to it.
    Locked until the transaction ends, like next_value."""
    params = {"ws": workspace_id, "counter": name, "by": by}
    db = await driver(session)
    value = await db.scalar(_ADVANCE, params)
    if value is None:
        await db.run(
            _CREATE_PG if db.name == "postgresql" else _CREATE, {"ws": workspace_id, "counter": name}
        )
        value = await db.scalar(_ADVANCE, params)
    return int(value)


async def current_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    db = await driver(session)
    return int(await db.scalar(_CURRENT, {"ws": workspace_id, "counter": name}) or 0)
