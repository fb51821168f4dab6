"""Every statement of seller metrics, prepared once (``core.sql``, ADR 0009)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.sql.elements import BindParameter

from wowdesk.analytics.sellers.models import ScorecardRow, SellerMetricSettings, SellerScorecard, SettingsRow
from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, insert_row, record_columns, select_record

S = cast(Table, SellerMetricSettings.__table__)
SC = cast(Table, SellerScorecard.__table__)
WS: BindParameter[Any] = bindparam("ws")

_SETTINGS_COLUMNS = [c.name for c in record_columns(SettingsRow, S)]
_CARD_COLUMNS = [c.name for c in record_columns(ScorecardRow, SC)]

_SETTINGS = Stmt(select_record(SettingsRow, S).where(S.c.workspace_id == WS), into=SettingsRow)
_INSERT_SETTINGS = Stmt(insert_row(S, [n for n in _SETTINGS_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_SETTINGS = Stmts(
    lambda columns: Stmt(
        update(S)
        .where(S.c.workspace_id == WS)
        .values({c: bindparam(f"v_{c}", type_=S.c[c].type) for c in sorted(columns)})
    )
)
_CARDS = Stmt(
    select_record(ScorecardRow, SC).where(SC.c.workspace_id == WS).order_by(SC.c.seller_id), into=ScorecardRow
)
_CARD = Stmt(
    select_record(ScorecardRow, SC).where(SC.c.workspace_id == WS, SC.c.seller_id == bindparam("seller")),
    into=ScorecardRow,
)
_DELETE_CARD = Stmt(delete(SC).where(SC.c.workspace_id == WS, SC.c.seller_id == bindparam("seller")))
_INSERT_CARD = Stmt(insert_row(SC, [n for n in _CARD_COLUMNS if n != "id"]))


class SellerMetricsRepository(StatementRepository):
    async def settings(self) -> SettingsRow | None:
        return await (await self.db()).one(_SETTINGS, self._p())

    async def insert_settings(self, row: SettingsRow) -> None:
        values = {n: getattr(row, n) for n in _SETTINGS_COLUMNS if n != "id"}
        values["workspace_id"] = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_SETTINGS, values))

    async def update_settings(self, row: SettingsRow, columns: set[str]) -> None:
        params = self._p(**{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_SETTINGS(frozenset(columns)), params)

    async def scorecards(self) -> list[ScorecardRow]:
        return await (await self.db()).all(_CARDS, self._p())

    async def scorecard(self, seller_id: int) -> ScorecardRow | None:
        return await (await self.db()).one(_CARD, self._p(seller=seller_id))

    async def replace_scorecard(self, row: ScorecardRow) -> None:
        """The seller's latest scorecard becomes ``row`` (one per seller)."""
        db = await self.db()
        await db.run(_DELETE_CARD, self._p(seller=row.seller_id))
        values = {n: getattr(row, n) for n in _CARD_COLUMNS if n != "id"}
        values["workspace_id"] = self.workspace_id
        await db.run(_INSERT_CARD, values)
