"""SQLite calls run on the event loop (core.sqlite_inline); waiting for a lock that another
process holds must not freeze the server, and the write must happen once the lock is gone."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import Databases, build_cast, make_settings
from wowdesk.core.db import Database
from wowdesk.core.sqlite_inline import NestedWriteError, SqlitePool, inline_creator
from wowdesk.main import build_runtime

pytestmark = pytest.mark.sqlite_only  # the inline SQLite driver


@pytest.fixture
def url(databases: Databases) -> str:
    return databases.new()  # migrating runs its own event loop: a synchronous fixture


async def test_a_writer_waits_for_another_process_lock_without_blocking_the_loop(url: str) -> None:
    db = Database(url)
    path = db.url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)  # stands for a CLI command or worker process
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.sessionmaker() as s:
            await s.execute(text("INSERT INTO search_fts (rowid, tokens) VALUES (424242, 'probe')"))
            await s.commit()

    beat = asyncio.create_task(heartbeat())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done(), "the write went through although another connection held the lock"
    assert ticks >= 5, f"the event loop was blocked while the write waited (only {ticks} ticks)"
    other.execute("ROLLBACK")
    await asyncio.wait_for(writer, timeout=10)
    beat.cancel()
    other.close()
    async with db.read_sessionmaker() as s:
        found = await s.execute(text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'probe'"))
        assert found.scalar_one() == 424242
    await db.dispose()


async def test_a_lock_held_too_long_is_a_clear_error(url: str) -> None:
    """Past the busy timeout the statement fails with SQLite's own error; it does not hang."""
    db = Database(url)
    path = db.url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    engine = create_async_engine(db.url, async_creator=inline_creator(path, busy_timeout=0.2))
    try:
        async with engine.connect() as conn:
            with pytest.raises(OperationalError, match="locked"):
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        other.execute("ROLLBACK")
        other.close()
        await engine.dispose()
        await db.dispose()


async def test_a_starting_runtime_gives_the_planner_statistics(url: str, tmp_path: Path) -> None:
    """Without table statistics SQLite walks a whole workspace's index where a primary-key look-up
    was meant; every start (and the housekeeping job) refreshes them."""
    first = build_runtime(make_settings(url, tmp_path))
    await first.start(run_jobs=False)
    await build_cast(first)  # rows to describe
    await first.stop()
    rt = build_runtime(make_settings(url, tmp_path))
    await rt.start(run_jobs=False)
    try:
        async with rt.uow(write=False) as s:
            tables = set((await s.execute(text("SELECT tbl FROM sqlite_stat1"))).scalars())
        assert {"agents", "customers", "customer_identities"} <= tables
    finally:
        await rt.stop()


async def test_a_unit_of_work_holds_the_writer_only_from_its_first_statement(
    url: str, tmp_path: Path
) -> None:
    """Slow work before the first statement (a password hash, a call to a provider) leaves the
    single writer free: another write unit of work commits meanwhile."""
    rt = build_runtime(make_settings(url, tmp_path))
    gate = asyncio.Event()

    async def slow() -> None:
        async with rt.uow() as s:
            await gate.wait()
            await s.execute(text("INSERT INTO search_fts (rowid, tokens) VALUES (515151, 'slow')"))

    async def quick() -> None:
        async with rt.uow() as s:
            await s.execute(text("INSERT INTO search_fts (rowid, tokens) VALUES (525252, 'quick')"))

    try:
        waiting = asyncio.create_task(slow())
        await asyncio.sleep(0.05)
        await asyncio.wait_for(quick(), timeout=5)
        gate.set()
        await asyncio.wait_for(waiting, timeout=5)
        async with rt.uow(write=False) as s:
            found = await s.execute(
                text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'slow OR quick'")
            )
            assert sorted(found.scalars()) == [515151, 525252]
    finally:
        await rt.stop()


async def test_a_write_unit_of_work_inside_one_holding_the_writer_is_an_error_not_a_hang(
    url: str, tmp_path: Path
) -> None:
    rt = build_runtime(make_settings(url, tmp_path))
    try:
        async with rt.uow() as outer:
            await outer.execute(text("INSERT INTO search_fts (rowid, tokens) VALUES (535353, 'outer')"))
            with pytest.raises(NestedWriteError):
                async with rt.uow() as _inner:
                    pass
            async with rt.uow(write=False) as reader:  # reading meanwhile is fine (a snapshot)
                await reader.execute(text("SELECT 1"))
    finally:
        await rt.stop()


# -- the write-ahead log is checkpointed off the loop -------------------------------------------------------


async def _write_pages(pool: SqlitePool, pages: int) -> None:
    """`pages` commits of about one 4 KiB page each."""
    for i in range(pages):
        async with pool.transaction(write=True) as lease:
            conn = await lease.connection()
            conn.execute("INSERT INTO blob (body) VALUES (?)", (f"{i:08d}" + "x" * 3900,))
            conn.commit()
        await asyncio.sleep(0)  # as a server does between requests: the loop runs what is due


def _wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _new_database(tmp_path: Path) -> Path:
    path = tmp_path / "wal.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE blob (id INTEGER PRIMARY KEY, body TEXT)")
    conn.close()
    return path


async def test_commits_never_checkpoint_on_the_loop(tmp_path: Path) -> None:
    # With SQLite's own automatic checkpoint the commit crossing 1,000 pages of log copies them into
    # the database and syncs it, on the loop; the log then restarts and stays about 4 MB long.
    path = _new_database(tmp_path)
    pool = SqlitePool(str(path), checkpoint_interval=3600)  # the thread never gets to it here
    try:
        await _write_pages(pool, 1_500)
        async with pool.transaction(write=True) as lease:
            conn = await lease.connection()
            assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert _wal_bytes(path) > 1_400 * 4096, "a commit checkpointed the log itself"
        assert pool.checkpointer is not None and pool.checkpointer.passes == 0
    finally:
        pool.close()


async def test_the_checkpoint_thread_copies_the_log_and_restarts_it_past_the_limit(tmp_path: Path) -> None:
    path = _new_database(tmp_path)
    pool = SqlitePool(str(path), checkpoint_interval=3600, checkpoint_reset_frames=200)
    try:
        await _write_pages(pool, 600)
        checkpointer = pool.checkpointer
        assert checkpointer is not None
        checkpointer.run_now()
        for _ in range(500):  # the thread takes the writer lock through this loop: keep it running
            if checkpointer.resets:
                break
            await asyncio.sleep(0.01)
        assert checkpointer.passes >= 2 and checkpointer.resets == 1
        size = _wal_bytes(path)
        await _write_pages(pool, 300)  # written from the start of the log again, not appended
        assert _wal_bytes(path) == size, "the log kept growing after a complete checkpoint"
        # What was written is in the database file itself, as another process reads it.
        other = sqlite3.connect(path)
        assert other.execute("SELECT count(*) FROM blob").fetchone()[0] == 900
        other.close()
    finally:
        pool.close()
    assert not checkpointer._thread.is_alive(), "closing the pool left its checkpoint thread running"


async def test_writes_go_on_while_the_thread_checkpoints(tmp_path: Path) -> None:
    # A pass every 10 ms and a restart every 50 frames, while commits keep coming: every commit
    # lands once, in order, and nothing waits forever for the writer lock.
    path = _new_database(tmp_path)
    pool = SqlitePool(str(path), checkpoint_interval=0.01, checkpoint_reset_frames=50)
    try:
        await asyncio.wait_for(_write_pages(pool, 1_000), timeout=60)
        assert pool.checkpointer is not None and pool.checkpointer.resets >= 1
        async with pool.transaction(write=False) as lease:
            conn = await lease.connection()
            ids = [r[0] for r in conn.execute("SELECT substr(body, 1, 8) FROM blob ORDER BY id")]
        assert ids == [f"{i:08d}" for i in range(1_000)]
    finally:
        pool.close()
