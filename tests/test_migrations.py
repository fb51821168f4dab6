"""The migration history builds exactly the schema the models describe, on this run's database
(SQLite or PostgreSQL), and can be walked back down and up again."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from tests.conftest import Databases
from wowdesk.core.db import make_engine
from wowdesk.core.migrate import alembic_config
from wowdesk.models import metadata


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name and name.startswith("search_fts"):
        return False  # SQLite's FTS5 tables, made by hand in 0001
    return not (
        type_ in ("column", "index") and name in ("tsv", "ix_search_documents_tsv")
    )  # PostgreSQL's tsvector, likewise


def _differences(url: str) -> list[Any]:
    import asyncio

    async def run() -> list[Any]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:

                def compare(sync: Connection) -> list[Any]:
                    ctx = MigrationContext.configure(
                        sync, opts={"include_object": _include, "compare_type": True}
                    )
                    return list(compare_metadata(ctx, metadata))

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrations_build_the_models_schema_and_walk_down_and_up(databases: Databases) -> None:
    url = databases.new()  # upgraded to head
    assert _differences(url) == []
    cfg = alembic_config(url)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "head")
    assert _differences(url) == []
