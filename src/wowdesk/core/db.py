"""Database plumbing: declarative base, portable column types, engine and session factory.

SQLite (aiosqlite) and PostgreSQL (asyncpg) are both first-class: every type here maps to both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, MetaData, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from wowdesk.core.sqlite_inline import PRAGMAS, InlineConnection, SqlitePool, open_sqlite
from wowdesk.core.statements import count_statement

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; INTEGER PRIMARY KEY (the rowid, also 64-bit) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime(), dict[str, Any]: JSONType}


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class WorkspaceMixin:
    """Every tenant-owned row carries its workspace; repositories filter on it.

    A table whose own indexes all start with ``workspace_id`` sets ``__workspace_index__ = False``:
    a separate one-column index adds nothing there, and with fresh statistics PostgreSQL's planner
    may prefer it to the right composite index (seen: 280 ms instead of 0.1 ms for a lookup by
    e-mail address)."""

    __workspace_index__: ClassVar[bool] = True

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(
            BigId,
            ForeignKey("workspaces.id", ondelete="CASCADE"),
            index=cls.__workspace_index__,
            nullable=False,
        )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


def dialect_of(session: AsyncSession) -> str:
    """The name of the database behind a session: "sqlite" or "postgresql"."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("session is not bound to an engine")
    return bind.dialect.name


async def refresh_statistics(session: AsyncSession) -> None:
    """Give SQLite's query planner current table statistics (PostgreSQL's autovacuum does this by
    itself). Without them SQLite walks a workspace's index where a primary-key look-up was meant:
    measured at 100k tickets, 6.8 ms instead of 0.7 ms to name a page's requesters. Bounded by
    ``analysis_limit``: about 20 ms for a 150 MB database."""
    if dialect_of(session) != "sqlite":
        return
    await session.execute(text("PRAGMA analysis_limit=1000"))
    await session.execute(text("ANALYZE"))


def _pragmas(busy_timeout_ms: int) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for pragma in PRAGMAS:
            cur.execute(pragma)
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    return apply


_sqlite_pragmas = _pragmas(10_000)


class Database:
    """The engines and session factories of one process.

    On SQLite the process keeps its own connections (``core.sqlite_inline.SqlitePool``): a single
    writer whose transactions start with ``BEGIN IMMEDIATE`` (writers queue in asyncio instead of
    spinning in SQLite's busy handler, and a read-then-write transaction can never fail to upgrade
    its lock), and reader connections on WAL snapshots that never wait for a writer. A unit of
    work holds one of them and lends it to the ORM engines below while it runs, so the ORM and
    prepared statements (``core.sql``) share its transaction; outside a unit of work the engines
    open a connection of their own. SQLite calls run inline on the event loop; waiting for a lock
    held by another process is an async retry, never a blocked loop. On PostgreSQL both roles
    share one pooled engine.
    """

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.sqlite: SqlitePool | None = None
        if url.startswith("sqlite"):
            pool = self.sqlite = SqlitePool(make_url(url).database or ":memory:")

            def lender(begin: str) -> Any:
                async def connect() -> InlineConnection:
                    own = await pool.lent()
                    return own or InlineConnection(open_sqlite(pool.path), pool.busy_timeout, begin=begin)

                return connect

            self.engine = create_async_engine(
                url, async_creator=lender("BEGIN IMMEDIATE"), poolclass=NullPool, pool_reset_on_return=None
            )
            self.read_engine = create_async_engine(
                url, async_creator=lender("BEGIN"), poolclass=NullPool, pool_reset_on_return=None
            )
        else:
            self.engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=2 * pool_size, pool_pre_ping=True
            )
            self.read_engine = self.engine
        for engine in {self.engine, self.read_engine}:
            event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self.sqlite is not None:
            self.sqlite.close()


def _begin_with(statement: str) -> Any:
    def begin(conn: Any) -> None:
        conn.exec_driver_sql(statement)

    return begin


def make_engine(url: str) -> AsyncEngine:
    """A plain engine (NullPool) for one-off tools: migrations, schema checks."""
    engine = create_async_engine(
        url, poolclass=NullPool, connect_args=({"isolation_level": None} if url.startswith("sqlite") else {})
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_with("BEGIN"))
    return engine
