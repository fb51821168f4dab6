"""Per-workspace sequences (ticket numbers …): gap-free within committed transactions."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, select, update
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


async def next_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    """Increment and return the counter. The row stays locked until the transaction ends, so two
    concurrent transactions never get the same number (and a rolled-back one gives its number back)."""
    stmt = (
        update(Counter)
        .where(Counter.workspace_id == workspace_id, Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    value = (await session.execute(stmt)).scalar_one_or_none()
    if value is not None:
        return int(value)
    ins = pg_insert(Counter) if dialect_of(session) == "postgresql" else sqlite_insert(Counter)
    await session.execute(ins.values(workspace_id=workspace_id, name=name, value=0).on_conflict_do_nothing())
    value = (await session.execute(stmt)).scalar_one()
    return int(value)


async def current_value(session: AsyncSession, workspace_id: int, name: str) -> int:
    q = select(Counter.value).where(Counter.workspace_id == workspace_id, Counter.name == name)
    return int((await session.execute(q)).scalar_one_or_none() or 0)
