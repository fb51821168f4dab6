"""Prepared statements run straight on the unit of work's driver connection (ADR 0009).

Repositories build their statements with SQLAlchemy Core (portable, typed by the ORM tables) and
wrap each in a :class:`Stmt`, normally once at import time. A ``Stmt`` is compiled once per
database dialect into the SQL text, the order of its parameters and the converters of their
values and of its result columns; executing it is then a single call on the driver (``sqlite3``
inline on the event loop, or ``asyncpg``) inside the unit of work's transaction — none of the
ORM's unit-of-work bookkeeping, statement compilation, result objects or greenlet hand-offs, which
cost 100-200 µs per statement against 5-15 µs here (docs/benchmarks.md).

The ORM session stays the unit of work's handle (``now()``, events, jobs, commit) and is still
used for rarely run writes of object graphs; changes it holds are flushed before a statement
runs here, so both see one consistent transaction.

Types: every value is converted by its column type's own processors for the dialect, except the
hot ``UTCDateTime`` on SQLite, converted here in C-speed ``fromisoformat``/``isoformat`` to the very
text SQLAlchemy stores (``2026-12-01 07:46:24.123456``), so rows written either way read the same.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields as dataclass_fields
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import Column, Table, bindparam, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import ARRAY, TypeEngine

from wowdesk.core.db import UTCDateTime
from wowdesk.core.sqlite_inline import InlineConnection, Lease, is_busy, retry_busy
from wowdesk.core.statements import count_statement

R = TypeVar("R")
Converter = Callable[[Any], Any]

_SESSION_KEY = "wowdesk.sql"
_TX_KEY = "wowdesk.sql.transaction"  # the transaction the cached driver connection belongs to
_LEASE_KEY = "wowdesk.sql.lease"  # the SQLite unit of work's lease (core.sqlite_inline)


# -- statements ---------------------------------------------------------------------------------------------


def _sqlite_utc_in(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_utc_out(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _bind_converter(type_: TypeEngine[Any], dialect: Dialect) -> Converter | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_utc_in
    impl = type_.dialect_impl(dialect)
    converter: Converter | None = impl.bind_processor(dialect)
    return converter


def _result_converter(type_: TypeEngine[Any], dialect: Dialect) -> Converter | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_utc_out
    impl = type_.dialect_impl(dialect)
    converter: Converter | None = impl.result_processor(dialect, None)
    return converter


_MISSING: Any = object()  # a parameter with no value given and none in the statement
_NO_PARAMS: Mapping[str, Any] = {}
_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


class Prepared:
    """A statement compiled for one dialect."""

    __slots__ = ("_expanded", "_plan", "binds", "defaults", "expanding", "names", "results", "sql")

    def __init__(self, stmt: Any, dialect: Dialect, result_types: Sequence[TypeEngine[Any]] | None) -> None:
        compiled = stmt.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            raise TypeError("a Stmt needs a statement compiled with positional parameters")
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup)
        binds: dict[str, BindParameter[Any]] = compiled.binds
        # Lists (``in_list`` on SQLite) are rendered with one placeholder per item, per length.
        self.expanding: frozenset[str] = frozenset(_POSTCOMPILE.findall(self.sql))
        if self.expanding and dialect.paramstyle != "qmark":
            raise TypeError("expanding parameters need the qmark style (SQLite)")
        self._expanded: dict[tuple[int, ...], str] = {}
        # Values written into the statement (literals, LIMIT 1 …) are parameters with a value.
        self.defaults: dict[str, Any] = {name: b.value for name, b in binds.items() if not b.required}
        self.binds: tuple[Converter | None, ...] = tuple(
            None if n in self.expanding else _bind_converter(binds[n].type, dialect) for n in self.names
        )
        if result_types is None:
            result_types = [c.type for c in getattr(stmt, "selected_columns", None) or ()] or [
                c.type for c in getattr(stmt, "exported_columns", None) or ()
            ]
        results = tuple(_result_converter(t, dialect) for t in result_types)
        self.results: tuple[Converter | None, ...] | None = (
            results if any(r is not None for r in results) else None
        )
        self._plan = tuple(
            (name, convert, self.defaults.get(name, _MISSING))
            for name, convert in zip(self.names, self.binds, strict=True)
        )

    def args(self, params: Mapping[str, Any] | None) -> list[Any]:
        given = params or _NO_PARAMS
        out: list[Any] = []
        append = out.append
        for name, convert, default in self._plan:
            value = given.get(name, default)
            if value is _MISSING:
                raise KeyError(f"missing parameter {name!r} for: {self.sql[:120]}")
            append(value if convert is None or value is None else convert(value))
        return out

    def expand(self, args: list[Any]) -> tuple[str, list[Any]]:
        """The SQL and flat arguments for the lengths of this call's lists."""
        if not self.expanding:
            return self.sql, args
        lengths = tuple(len(args[i]) for i, n in enumerate(self.names) if n in self.expanding)
        sql = self._expanded.get(lengths)
        if sql is None:
            sizes = iter(lengths)
            sql = self._expanded[lengths] = _POSTCOMPILE.sub(
                lambda _m: ", ".join("?" * next(sizes)), self.sql
            )
        flat: list[Any] = []
        for name, value in zip(self.names, args, strict=True):
            if name in self.expanding:
                flat.extend(value)
            else:
                flat.append(value)
        return sql, flat

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        results = self.results
        if results is None:
            return tuple(raw)
        return tuple(v if c is None or v is None else c(v) for v, c in zip(raw, results, strict=False))


class Stmt(Generic[R]):
    """A Core statement prepared once per dialect. With ``into``, each result row becomes an
    instance of that class (positional arguments in column order)."""

    __slots__ = ("_by_dialect", "into", "result_types", "stmt")

    @overload
    def __init__(
        self: Stmt[tuple[Any, ...]],
        stmt: Executable | ColumnElement[Any],
        *,
        into: None = None,
        result_types: Sequence[TypeEngine[Any]] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: Stmt[R],
        stmt: Executable | ColumnElement[Any],
        *,
        into: Callable[..., R],
        result_types: Sequence[TypeEngine[Any]] | None = None,
    ) -> None: ...

    def __init__(
        self,
        stmt: Executable | ColumnElement[Any],
        *,
        into: Callable[..., R] | None = None,
        result_types: Sequence[TypeEngine[Any]] | None = None,
    ) -> None:
        self.stmt = stmt
        self.into = into
        self.result_types = result_types
        self._by_dialect: dict[str, Prepared] = {}

    def prepared(self, dialect: Dialect) -> Prepared:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = Prepared(self.stmt, dialect, self.result_types)
        return found


class Stmts:
    """Statements built on demand from a key (e.g. the set of columns an UPDATE changes) and
    kept, so each shape is compiled once."""

    def __init__(self, build: Callable[..., Stmt[Any]]) -> None:
        self._build = build
        self._made: dict[Any, Stmt[Any]] = {}

    def __call__(self, *key: Any) -> Stmt[Any]:
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._build(*key)
        return found


# -- statement helpers --------------------------------------------------------------------------------------


def record_columns(record: type[Any], table: Table) -> list[Column[Any]]:
    """The table's columns named by the fields of a dataclass record, in field order."""
    return [table.c[f.name] for f in dataclass_fields(record)]


def select_record(record: type[R], table: Table) -> Any:
    """``SELECT <the record's columns> FROM table``, to be completed with ``.where(…)``."""
    return select(*record_columns(record, table))


def insert_row(table: Table, names: Iterable[str], *, returning: Sequence[str] = ()) -> Any:
    """``INSERT INTO table (names…) VALUES (:name…)`` with the columns' own types on each value."""
    stmt = insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})
    if returning:
        stmt = stmt.returning(*(table.c[n] for n in returning))
    return stmt


class _InList(ColumnElement[bool]):
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


@compiles(_InList, "sqlite")
def _in_list_sqlite(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    # One placeholder per item (core.sql expands them per length): SQLite's planner then knows the
    # list is short and looks its items up, where an opaque json_each() made it scan the workspace.
    items = bindparam(element.name, expanding=True, type_=element.column.type)
    return str(compiler.process(element.column.in_(items), **kw))


@compiles(_InList, "postgresql")
def _in_list_postgresql(element: _InList, compiler: SQLCompiler, **kw: Any) -> str:
    items = bindparam(element.name, type_=ARRAY(element.column.type))
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(items, **kw)})"


def in_list(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column IN (the list given as parameter `name`)``: one array parameter on PostgreSQL, one
    placeholder per item on SQLite; either way the statement is prepared once."""
    return _InList(column, name)


# -- the driver connection ------------------------------------------------------------------------------


class Db:
    """The driver connection of one unit of work, in its transaction."""

    dialect: Dialect

    def __init__(self, session: AsyncSession, dialect: Dialect) -> None:
        self._session = session.sync_session
        self._async_session = session
        self.dialect = dialect
        self._savepoints = 0

    @property
    def name(self) -> str:
        return str(self.dialect.name)

    async def _flush_orm(self) -> None:
        s = self._session
        if s._new or s._deleted or s.identity_map._modified:  # changes the ORM still holds
            await self._async_session.flush()

    async def _fetch(self, prepared: Prepared, args: list[Any]) -> list[Sequence[Any]]:
        raise NotImplementedError

    async def _run(self, prepared: Prepared, args: list[Any]) -> int:
        raise NotImplementedError

    async def _run_many(self, prepared: Prepared, rows: list[list[Any]]) -> None:
        raise NotImplementedError

    async def _sql(self, sql: str) -> None:
        raise NotImplementedError

    async def all(self, stmt: Stmt[R], params: Mapping[str, Any] | None = None) -> list[R]:
        """Every row: instances of ``stmt.into``, or tuples."""
        await self._flush_orm()
        p = stmt.prepared(self.dialect)
        count_statement()
        raw = await self._fetch(p, p.args(params))
        into = stmt.into
        if into is None:
            return [p.row(r) for r in raw]  # type: ignore[misc]
        return [into(*p.row(r)) for r in raw]

    async def one(self, stmt: Stmt[R], params: Mapping[str, Any] | None = None) -> R | None:
        """The first row, or None."""
        rows = await self.all(stmt, params)
        return rows[0] if rows else None

    async def scalar(self, stmt: Stmt[Any], params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        await self._flush_orm()
        p = stmt.prepared(self.dialect)
        count_statement()
        raw = await self._fetch(p, p.args(params))
        return p.row(raw[0])[0] if raw else None

    async def run(self, stmt: Stmt[Any], params: Mapping[str, Any] | None = None) -> int:
        """Execute a statement that returns no rows; the number of rows it changed."""
        await self._flush_orm()
        p = stmt.prepared(self.dialect)
        count_statement()
        return await self._run(p, p.args(params))

    async def run_many(self, stmt: Stmt[Any], rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute a statement once per parameter set (e.g. several inserts), in one call."""
        if not rows:
            return
        await self._flush_orm()
        p = stmt.prepared(self.dialect)
        count_statement()
        await self._run_many(p, [p.args(r) for r in rows])

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: what runs inside is undone if the block raises (the outer
        transaction stays usable — on PostgreSQL a failed statement otherwise aborts it)."""
        await self._flush_orm()
        self._savepoints += 1
        name = f"wowdesk_sp{self._savepoints}"
        await self._sql(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self._sql(f"ROLLBACK TO SAVEPOINT {name}")
            await self._sql(f"RELEASE SAVEPOINT {name}")
            raise
        await self._sql(f"RELEASE SAVEPOINT {name}")


def _integrity(exc: Exception, sql: str, args: Any) -> IntegrityError:
    return IntegrityError(sql, args, exc)


class _SqliteDb(Db):
    def __init__(
        self, session: AsyncSession, dialect: Dialect, conn: sqlite3.Connection, busy_timeout: float
    ) -> None:
        super().__init__(session, dialect)
        self._conn = conn
        self._busy_timeout = busy_timeout

    def _cursor(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.IntegrityError as exc:
            raise _integrity(exc, sql, args) from exc

    async def _execute(self, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
        try:
            return self._cursor(sql, args)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        cursor: sqlite3.Cursor = await retry_busy(lambda: self._cursor(sql, args), self._busy_timeout)
        return cursor

    async def _fetch(self, prepared: Prepared, args: list[Any]) -> list[Sequence[Any]]:
        cursor = await self._execute(*prepared.expand(args))
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def _run(self, prepared: Prepared, args: list[Any]) -> int:
        cursor = await self._execute(*prepared.expand(args))
        count = cursor.rowcount
        cursor.close()
        return count

    async def _run_many(self, prepared: Prepared, rows: list[list[Any]]) -> None:
        if prepared.expanding:
            raise TypeError("run_many does not take lists (in_list) as parameters")

        def call() -> None:
            try:
                self._conn.executemany(prepared.sql, rows).close()
            except sqlite3.IntegrityError as exc:
                raise _integrity(exc, prepared.sql, rows) from exc

        await retry_busy(call, self._busy_timeout)

    async def _sql(self, sql: str) -> None:
        (await self._execute(sql, ())).close()


_PG_COUNT = re.compile(r"(\d+)$")


class _PostgresDb(Db):
    def __init__(self, session: AsyncSession, dialect: Dialect, adapted: Any) -> None:
        import asyncpg  # type: ignore[import-untyped]

        super().__init__(session, dialect)
        self._adapted = adapted  # SQLAlchemy's adapter: it owns the transaction
        self._conn = adapted._connection  # the asyncpg connection
        self._integrity_errors = asyncpg.IntegrityConstraintViolationError

    async def _in_transaction(self) -> None:
        # SQLAlchemy's asyncpg adapter opens its transaction lazily, at its first statement.
        adapted = self._adapted
        if adapted._transaction is None and not adapted.autocommit:
            await adapted._start_transaction()

    async def _call(self, fn: Callable[[], Any], sql: str, args: Any) -> Any:
        await self._in_transaction()
        try:
            return await fn()
        except self._integrity_errors as exc:
            raise _integrity(exc, sql, args) from exc

    async def _fetch(self, prepared: Prepared, args: list[Any]) -> list[Sequence[Any]]:
        rows: list[Sequence[Any]] = await self._call(
            lambda: self._conn.fetch(prepared.sql, *args), prepared.sql, args
        )
        return rows

    async def _run(self, prepared: Prepared, args: list[Any]) -> int:
        status = await self._call(lambda: self._conn.execute(prepared.sql, *args), prepared.sql, args)
        m = _PG_COUNT.search(status or "")
        return int(m.group(1)) if m else 0

    async def _run_many(self, prepared: Prepared, rows: list[list[Any]]) -> None:
        await self._call(lambda: self._conn.executemany(prepared.sql, rows), prepared.sql, rows)

    async def _sql(self, sql: str) -> None:
        await self._call(lambda: self._conn.execute(sql), sql, ())


def attach_sqlite(session: AsyncSession, lease: Lease) -> None:
    """The unit of work's lease is where `session`'s driver connection comes from."""
    session.info[_LEASE_KEY] = lease


async def driver(session: AsyncSession) -> Db:
    """The driver connection of this unit of work, in its transaction (begun if need be)."""
    found: Db | None = session.info.get(_SESSION_KEY)
    if found is not None and session.info.get(_TX_KEY) is _transaction_of(session):
        return found
    db: Db
    lease: Lease | None = session.info.get(_LEASE_KEY)
    bind = session.bind
    if lease is not None and bind is not None:
        conn = await lease.connection()
        db = _SqliteDb(session, bind.dialect, conn, lease.busy_timeout)
        session.info[_SESSION_KEY] = db
        session.info[_TX_KEY] = _transaction_of(session)
        return db
    orm_conn = await session.connection()
    raw = await orm_conn.get_raw_connection()
    dialect = orm_conn.dialect
    if dialect.name == "sqlite":
        driver_conn = raw.driver_connection
        if not isinstance(driver_conn, InlineConnection):
            raise TypeError("SQLite engines must be built by core.db.Database (inline connections)")
        await driver_conn.ensure_transaction()
        db = _SqliteDb(session, dialect, driver_conn.sqlite, driver_conn.busy_timeout)
    else:
        db = _PostgresDb(session, dialect, raw.dbapi_connection)
    session.info[_SESSION_KEY] = db
    session.info[_TX_KEY] = _transaction_of(session)
    return db


def _transaction_of(session: AsyncSession) -> Any:
    """What a cached driver connection belongs to: the unit of work's lease, or the ORM
    transaction whose connection it is."""
    lease = session.info.get(_LEASE_KEY)
    return lease if lease is not None else session.sync_session.get_transaction()


def detach(session: AsyncSession) -> None:
    """The unit of work is over: forget its driver connection and lease. The driver connection
    refers back to the session, a cycle only the collector would free; without it the session
    goes when its last reference does (fewer and shorter young-generation collections)."""
    info = session.info
    info.pop(_SESSION_KEY, None)
    info.pop(_TX_KEY, None)
    info.pop(_LEASE_KEY, None)
