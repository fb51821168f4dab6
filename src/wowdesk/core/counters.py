"""Per-workspace sequences (ticket numbers …): gap-free within committed transactions."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, BigId, dialect_of


class Counter(Base):
    __tablename__ = "counters"

    workspace_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# Built once: hot paths (every ticket) skip statement construction and cache-key work.
_INCREMENT = (
    update(Counter)
    .where(Counter.workspace_id == bindparam("ws"), Counter.name == bindparam("counter"))
    .values(value=Counter.value + 1)
    .returning(Counter.value)
)


async def next_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    """Increment and return the counter. The row stays locked until the transaction ends, so two
    concurrent transactions never get the same number (and a rolled-back one gives its number back)."""
    params = {"ws": workspace_id, "counter": name}
    conn = await session.connection()  # Core execution: no ORM bookkeeping for a plain counter
    value = (await conn.execute(_INCREMENT, params)).scalar_one_or_none()
    if value is not None:
        return int(value)
    ins = pg_insert(Counter) if dialect_of(session) == "postgresql" else sqlite_insert(Counter)
    await conn.execute(ins.values(workspace_id=workspace_id, name=name, value=0).on_conflict_do_nothing())
    value = (await conn.execute(_INCREMENT, params)).scalar_one()
    return int(value)


_CURRENT = select(Counter.value).where(
    Counter.workspace_id == bindparam("ws"), Counter.name == bindparam("counter")
)


async def current_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    conn = await session.connection()
    return int(
        (await conn.execute(_CURRENT, {"ws": workspace_id, "counter": name})).scalar_one_or_none() or 0
    )
