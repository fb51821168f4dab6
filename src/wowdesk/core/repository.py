"""Base of every domain repository: all queries go through one, scoped to its workspace."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.core.sql import Db, driver

M = TypeVar("M")


class WorkspaceRepository:
    def __init__(self, session: AsyncSession, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def scoped(self, model: type[M]) -> Select[M]:
        """``select(model)`` already restricted to this workspace."""
        return select(model).where(model.workspace_id == self.workspace_id)  # type: ignore[attr-defined]

    async def by_id(self, model: type[M], id_: int) -> M | None:
        """The row with this primary key if it belongs to this workspace. Rows this unit of work
        has loaded already come from the session's identity map, without a query."""
        obj = await self.session.get(model, id_)
        if obj is None or obj.workspace_id != self.workspace_id:  # type: ignore[attr-defined]
            return None
        return obj

    async def add(self, obj: M) -> M:
        if getattr(obj, "workspace_id", None) not in (None, self.workspace_id):
            raise ValueError("object belongs to another workspace")
        obj.workspace_id = self.workspace_id  # type: ignore[attr-defined]
        self.session.add(obj)
        await self.session.flush()
        return obj


class StatementRepository:
    """Base of the repositories that run prepared statements (core.sql, ADR 0009): the unit of
    work's driver connection, taken once, and parameters scoped to the workspace (``ws``)."""

    def __init__(self, session: AsyncSession, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self._db: Db | None = None

    async def db(self) -> Db:
        if self._db is None:
            self._db = await driver(self.session)
        return self._db

    def _p(self, **params: Any) -> dict[str, Any]:
        params["ws"] = self.workspace_id
        return params
