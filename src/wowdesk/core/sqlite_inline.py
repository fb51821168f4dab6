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
import contextlib
import contextvars
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

BUSY_INITIAL_DELAY = 0.001
BUSY_MAX_DELAY = 0.05

# The write-ahead log is copied into the database by a thread of the pool (``Checkpointer``), not
# by the commit that happens to cross SQLite's 1,000-page mark, which would do it on the loop.
CHECKPOINT_INTERVAL = 1.0  # seconds between passes while something was written
CHECKPOINT_RESET_FRAMES = 16_384  # past this many frames (64 MiB of 4 KiB pages) the log restarts

log = logging.getLogger(__name__)


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
        await self._connection.ensure_transaction()
        await retry_busy(lambda: self._cursor.execute(sql, params), self._connection.busy_timeout)
        return self

    async def executemany(self, sql: str, seq: Iterable[Any]) -> InlineCursor:
        rows = list(seq)
        await self._connection.ensure_transaction()
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
    """``begin``: the statement that opens a transaction before the first statement outside one
    (None: the owner opens transactions itself). ``borrowed``: closing it leaves the ``sqlite3``
    connection open for its owner (the unit of work lends its connection to the ORM)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        busy_timeout: float,
        *,
        begin: str | None = "BEGIN",
        borrowed: bool = False,
        functions: set[str] | None = None,
    ) -> None:
        self._conn = conn
        self._tx = _ImmediateQueue()
        self.busy_timeout = busy_timeout
        self.begin = begin
        self.borrowed = borrowed
        # SQL functions already created on the sqlite3 connection: SQLAlchemy creates its own each
        # time it is lent (a "new" connection to it), which SQLite refuses mid-statement.
        self._functions = functions if functions is not None else set()

    async def ensure_transaction(self) -> None:
        if self.begin is not None and not self._conn.in_transaction:
            await retry_busy(lambda: self._conn.execute(self.begin or "BEGIN"), self.busy_timeout)

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
        if not self.borrowed:
            self._conn.close()

    def stop(self) -> None:
        if not self.borrowed:
            self._conn.close()

    async def create_function(self, name: str, *args: Any, **kwargs: Any) -> None:
        if name in self._functions:
            return
        self._conn.create_function(name, *args, **kwargs)
        self._functions.add(name)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes


PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=0",  # waiting for another process's lock is an async retry (retry_busy)
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


def open_sqlite(path: str) -> sqlite3.Connection:
    """A ``sqlite3`` connection in autocommit mode (transactions are opened explicitly) with the
    project's pragmas."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def inline_creator(path: str, *, busy_timeout: float = 10.0) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine`` opening `path`; each transaction opens with
    a deferred BEGIN at its first statement."""

    async def connect() -> InlineConnection:
        return InlineConnection(open_sqlite(path), busy_timeout)

    return connect


def _in_memory(path: str) -> bool:
    return path in ("", ":memory:") or path.startswith("file::memory:") or "mode=memory" in path


class Checkpointer:
    """Copies the write-ahead log into the database from a thread of its own.

    SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 pages of log: it
    copies them and fsyncs the database file, which on this inline driver blocks the event loop for
    several milliseconds every few hundred commits (measured: 4-8 ms every ~270 small commits),
    the tail of every write's latency. The writer therefore runs with ``wal_autocheckpoint=0`` and
    this thread, on its own connection, does a PASSIVE checkpoint every ``interval`` seconds while
    something was written: it never takes a lock writers wait for, and sqlite3 releases the GIL
    while it copies and syncs.

    Under steady writes such a pass rarely catches up with a log that is still growing, and SQLite
    restarts the log from its beginning only after a complete checkpoint. Past ``reset_frames``
    frames the thread therefore takes the pool's writer lock (the writers of this process queue
    for a moment, the loop does not), checkpoints the few frames written since its last pass, and
    lets go: the next commit starts the log again. A checkpoint refused as busy (another process's
    checkpoint, a reader on an old snapshot) is tried again at the next pass.
    """

    def __init__(
        self,
        path: str,
        write_lock: asyncio.Lock,
        loop: asyncio.AbstractEventLoop,
        *,
        interval: float = CHECKPOINT_INTERVAL,
        reset_frames: int = CHECKPOINT_RESET_FRAMES,
    ) -> None:
        self.path = path
        self.interval = interval
        self.reset_frames = reset_frames
        self.passes = 0  # checkpoints run (for tests and diagnostics)
        self.resets = 0  # of which with the writers held
        self._write_lock = write_lock
        self._loop = loop
        self._dirty = False
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wowdesk-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def written(self) -> None:
        """Called after a write commits: there is log to copy at the next pass."""
        self._dirty = True

    def run_now(self) -> None:
        """Start a pass at once instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stopped.is_set():
                self._wake.wait(self.interval)
                forced = self._wake.is_set()
                self._wake.clear()
                if self._stopped.is_set() or not (self._dirty or forced):
                    continue
                self._dirty = False
                if conn is None:
                    conn = sqlite3.connect(
                        self.path, isolation_level=None, check_same_thread=False, timeout=0
                    )
                self._pass(conn)
        finally:
            if conn is not None:
                conn.close()

    def _pass(self, conn: sqlite3.Connection) -> None:
        try:
            frames = self._checkpoint(conn)
            if frames >= self.reset_frames:
                self._reset(conn)
        except sqlite3.Error:  # e.g. the file was removed under us; the next pass tries again
            log.warning("SQLite checkpoint of %s failed", self.path, exc_info=True)

    def _checkpoint(self, conn: sqlite3.Connection) -> int:
        """A PASSIVE checkpoint; the frames in the log (0 when it restarted or is empty)."""
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.passes += 1
        return max(int(frames), 0)

    def _reset(self, conn: sqlite3.Connection) -> None:
        try:
            acquired = asyncio.run_coroutine_threadsafe(self._write_lock.acquire(), self._loop)
        except RuntimeError:  # the loop is closed
            return
        while True:
            try:
                acquired.result(timeout=self.interval)
                break
            except TimeoutError:
                if self._stopped.is_set() or self._loop.is_closed():
                    # Whoever gets the lock later must still let it go.
                    acquired.add_done_callback(lambda _f: self._release())
                    return
        try:
            self._checkpoint(conn)
            self.resets += 1
        finally:
            self._release()

    def _release(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits for the lock
            self._loop.call_soon_threadsafe(self._write_lock.release)


class NestedWriteError(RuntimeError):
    """A write unit of work was opened inside another one of the same task that holds the writer:
    it would wait for the single writer connection that task itself holds, forever."""


class Lease:
    """A unit of work's claim on a connection, taken at its first statement (work done before
    that — hashing a password, calling a provider — does not hold the writer), in a transaction
    from then until :meth:`release`."""

    __slots__ = ("_pool", "conn", "write")

    def __init__(self, pool: SqlitePool, write: bool) -> None:
        self._pool = pool
        self.write = write
        self.conn: sqlite3.Connection | None = None

    async def connection(self) -> sqlite3.Connection:
        if self.conn is None:
            self.conn = await self._pool._acquire(self.write)
        return self.conn

    @property
    def busy_timeout(self) -> float:
        return self._pool.busy_timeout

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            if conn.in_transaction:
                conn.rollback()
            self._pool._release(conn, self.write)


class SqlitePool:
    """The connections one process keeps to one SQLite database.

    One writer: write transactions open with ``BEGIN IMMEDIATE`` (the lock is taken before the
    first read, so a read-then-write transaction can never fail to upgrade it) and queue for it on
    an asyncio lock, in order. Up to ``readers`` reader connections: deferred transactions on WAL
    snapshots, which never wait for the writer. Waiting for a lock held by another process (a CLI
    command, a ``wowdesk worker``) is an async retry (ADR 0007).

    A unit of work holds a :class:`Lease` (``transaction()``) and lends its connection to the ORM
    engines of ``core.db.Database`` (``lent()``), so prepared statements and the ORM share one
    transaction.
    """

    def __init__(
        self,
        path: str,
        *,
        readers: int = 8,
        busy_timeout: float = 10.0,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
        checkpoint_reset_frames: int = CHECKPOINT_RESET_FRAMES,
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._checkpoint_settings = (checkpoint_interval, checkpoint_reset_frames)
        self._writer: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._readers = asyncio.Semaphore(readers)
        self._current: contextvars.ContextVar[Lease | None] = contextvars.ContextVar(
            f"wowdesk_sqlite_{id(self)}", default=None
        )
        self._functions: dict[sqlite3.Connection, set[str]] = {}
        self._closed = False
        self.checkpointer: Checkpointer | None = None

    async def lent(self) -> InlineConnection | None:
        """The connection of the unit of work running in this task, for the ORM (closing it leaves
        it open), or None outside a unit of work."""
        lease = self._current.get()
        if lease is None:
            return None
        conn = await lease.connection()
        functions = self._functions.setdefault(conn, set())
        return InlineConnection(conn, self.busy_timeout, begin=None, borrowed=True, functions=functions)

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[Lease]:
        """A lease for this task until the block ends. The caller commits; whatever is still open
        at the end is rolled back."""
        if self._closed:
            raise RuntimeError("the database is closed")
        outer = self._current.get()
        if write and outer is not None and outer.write and outer.conn is not None:
            raise NestedWriteError("a write unit of work inside another one would wait for itself")
        lease = Lease(self, write)
        token = self._current.set(lease)
        try:
            yield lease
        finally:
            self._current.reset(token)
            lease.release()

    async def _acquire(self, write: bool) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("the database is closed")
        if write:
            await self._write_lock.acquire()
            try:
                if self._writer is None:
                    self._writer = self._open_writer()
                await self._begin(self._writer, "BEGIN IMMEDIATE")
            except BaseException:
                self._write_lock.release()
                raise
            return self._writer
        await self._readers.acquire()
        try:
            conn = self._idle.pop() if self._idle else open_sqlite(self.path)
            await self._begin(conn, "BEGIN")
        except BaseException:
            self._readers.release()
            raise
        return conn

    def _open_writer(self) -> sqlite3.Connection:
        conn = open_sqlite(self.path)
        if not _in_memory(self.path) and self.checkpointer is None:
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does it
            interval, reset_frames = self._checkpoint_settings
            self.checkpointer = Checkpointer(
                self.path,
                self._write_lock,
                asyncio.get_running_loop(),
                interval=interval,
                reset_frames=reset_frames,
            )
        return conn

    async def _begin(self, conn: sqlite3.Connection, begin: str) -> None:
        await retry_busy(lambda: conn.execute(begin), self.busy_timeout)

    def _release(self, conn: sqlite3.Connection, write: bool) -> None:
        if write:
            self._write_lock.release()
            if self.checkpointer is not None:
                self.checkpointer.written()
            return
        if self._closed:
            self._functions.pop(conn, None)
            conn.close()
        else:
            self._idle.append(conn)
        self._readers.release()

    def close(self) -> None:
        self._closed = True
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        for conn in self._idle:
            conn.close()
        self._idle.clear()
        self._functions.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
