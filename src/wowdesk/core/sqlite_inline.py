"""An aiosqlite-compatible connection that runs SQLite calls inline, on the event loop's thread.

aiosqlite gives each connection a thread and hands every call (cursor, execute, fetch, close …)
over to it and back: two thread wake-ups per call, a dozen calls per query. On this project's
2-core machines that handoff cost more than the queries themselves (a `GET /api/v1/me` spent
~10 ms of CPU, almost all of it in thread switches). A local SQLite query takes microseconds, so
running it directly on the loop is cheaper and keeps every await point SQLAlchemy expects.

What must not block the loop is waiting for a lock held by *another process* (a CLI command, a
`wowdesk worker`): the connection's busy timeout is therefore 0, and a statement that finds the
database locked is retried with ``await asyncio.sleep`` (backing off up to ``busy_timeout``
seconds in all), so other requests keep being served meanwhile. Within one process the write
engine's single connection already queues writers in asyncio (ADR 0006).

Used through ``create_async_engine("sqlite+aiosqlite://…", async_creator=…)``: SQLAlchemy's
aiosqlite dialect drives this object exactly as it drives an ``aiosqlite.Connection``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_INITIAL_DELAY = 0.001
BUSY_MAX_DELAY = 0.05


def is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(exc)


async def retry_busy(call: Callable[[], Any], patience: float) -> Any:
    deadline = time.monotonic() + patience
    delay = BUSY_INITIAL_DELAY
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, BUSY_MAX_DELAY)


class InlineCursor:
    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    def __await__(self) -> Any:  # `await connection.cursor()` as aiosqlite allows
        async def self_() -> InlineCursor:
            return self

        return self_().__await__()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None
    ) -> InlineCursor:
        params = () if parameters is None else parameters
        await retry_busy(lambda: self._cursor.execute(sql, params), self._connection.busy_timeout)
        return self

    async def executemany(self, sql: str, seq: Iterable[Any]) -> InlineCursor:
        rows = list(seq)
        await retry_busy(lambda: self._cursor.executemany(sql, rows), self._connection.busy_timeout)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        return None

    async def nextset(self) -> None:
        return None

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _ImmediateQueue:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's isolation-level setter uses:
    the function runs at once and its future is resolved."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = conn
        self._tx = _ImmediateQueue()
        self.busy_timeout = busy_timeout

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection itself (core.sql runs prepared statements on it)."""
        return self._conn

    @property
    def _connection(self) -> sqlite3.Connection | None:  # SQLAlchemy checks it before commit/rollback
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await retry_busy(self._conn.commit, self.busy_timeout)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()

    def stop(self) -> None:
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes


def inline_creator(path: str, *, busy_timeout: float = 10.0) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine`` opening `path` in autocommit mode (the
    engine's ``begin`` listener issues BEGIN / BEGIN IMMEDIATE itself)."""

    async def connect() -> InlineConnection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return InlineConnection(conn, busy_timeout)

    return connect
