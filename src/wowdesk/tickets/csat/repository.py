"""Every statement of satisfaction surveys, prepared once (``core.sql``), as plain records. A survey
is found by the id in its link across workspaces (the link, with its token, is the customer's only
credential, like a chat file's address); everything else names its workspace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, String, Table, bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, Stmts, driver, insert_row, record_columns, select_record
from wowdesk.tickets.csat.models import (
    CsatSettings,
    ResponseRow,
    SatisfactionSurvey,
    SettingsRow,
    SurveyRow,
    Tally,
)
from wowdesk.tickets.models import Ticket

CS = cast(Table, CsatSettings.__table__)
S = cast(Table, SatisfactionSurvey.__table__)
T = cast(Table, Ticket.__table__)
WS: BindParameter[Any] = bindparam("ws")


def _names(record: type[Any], table: Table) -> list[str]:
    return [c.name for c in record_columns(record, table)]


def _at(name: str) -> BindParameter[Any]:
    """A moment as a parameter, converted like the survey's own time columns."""
    return bindparam(name, type_=S.c.sent_at.type)


class utc_day(FunctionElement[str]):  # a SQL function, named like one
    """The UTC calendar day of a time column, as ``YYYY-MM-DD`` on both databases."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as UTC text (``2026-03-02 09:30:15.123456``): its first ten characters are the day.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


# -- settings -----------------------------------------------------------------------------------------------

_SETTINGS_COLUMNS = _names(SettingsRow, CS)
_SETTINGS = Stmt(select_record(SettingsRow, CS).where(CS.c.workspace_id == WS), into=SettingsRow)
_INSERT_SETTINGS = Stmt(insert_row(CS, [n for n in _SETTINGS_COLUMNS if n != "id"], returning=["id"]))
_UPDATE_SETTINGS = Stmt(
    update(CS)
    .where(CS.c.workspace_id == WS)
    .values(
        {n: bindparam(f"v_{n}", type_=CS.c[n].type) for n in ("enabled", "delay_minutes", "link_base_url")}
        | {"updated_at": bindparam("v_updated_at", type_=CS.c.updated_at.type)}
    )
)

# -- surveys ------------------------------------------------------------------------------------------------

_SURVEY_COLUMNS = _names(SurveyRow, S)
_INSERT_SURVEY = Stmt(insert_row(S, [n for n in _SURVEY_COLUMNS if n != "id"], returning=["id"]))
_SURVEY_OF_TICKET = Stmt(
    select_record(SurveyRow, S).where(S.c.workspace_id == WS, S.c.ticket_id == bindparam("ticket")),
    into=SurveyRow,
)
_SURVEY_OF_TICKET_FOR_UPDATE = Stmt(
    select_record(SurveyRow, S)
    .where(S.c.workspace_id == WS, S.c.ticket_id == bindparam("ticket"))
    .with_for_update(),
    into=SurveyRow,
)
_SURVEY_BY_ID = Stmt(select_record(SurveyRow, S).where(S.c.id == bindparam("id")), into=SurveyRow)
_SURVEY_BY_ID_FOR_UPDATE = Stmt(
    select_record(SurveyRow, S).where(S.c.id == bindparam("id")).with_for_update(), into=SurveyRow
)
_UPDATE_SURVEY = Stmts(
    lambda columns: Stmt(
        update(S)
        .where(S.c.workspace_id == WS, S.c.id == bindparam("id"))
        .values({c: bindparam(f"v_{c}", type_=S.c[c].type) for c in sorted(columns)})
    )
)


@dataclass(frozen=True)
class ResponseFilter:
    rating: str | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    since: dt.datetime | None = None  # rated at or after
    until: dt.datetime | None = None  # rated before


@dataclass(frozen=True)
class _ResponseShape:
    rating: bool
    assignee: bool
    team: bool
    since: bool
    until: bool
    after: bool


def _responses_statement(shape: _ResponseShape) -> Stmt[ResponseRow]:
    """Answered surveys, latest answer first, with their tickets' numbers and subjects."""
    q = (
        select(
            S.c.id,
            S.c.ticket_id,
            S.c.rating,
            S.c.comment,
            S.c.rated_at,
            S.c.sent_at,
            S.c.sent_via,
            S.c.language,
            S.c.assignee_id,
            S.c.team_id,
            T.c.number,
            T.c.subject,
        )
        .select_from(S.join(T, (T.c.id == S.c.ticket_id) & (T.c.workspace_id == S.c.workspace_id)))
        .where(S.c.workspace_id == WS, S.c.rated_at.is_not(None))
    )
    if shape.rating:
        q = q.where(S.c.rating == bindparam("rating"))
    if shape.assignee:
        q = q.where(S.c.assignee_id == bindparam("assignee"))
    if shape.team:
        q = q.where(S.c.team_id == bindparam("team"))
    if shape.since:
        q = q.where(S.c.rated_at >= _at("since"))
    if shape.until:
        q = q.where(S.c.rated_at < _at("until"))
    if shape.after:
        at, after_id = _at("after_at"), bindparam("after_id", type_=S.c.id.type)
        q = q.where((S.c.rated_at < at) | ((S.c.rated_at == at) & (S.c.id < after_id)))
    q = q.order_by(S.c.rated_at.desc(), S.c.id.desc()).limit(bindparam("limit"))
    return Stmt(q, into=ResponseRow)


_RESPONSES = Stmts(_responses_statement)


def _group_key(group_by: str) -> ColumnElement[Any] | None:
    if group_by == "agent":
        return S.c.assignee_id
    if group_by == "team":
        return S.c.team_id
    if group_by == "day":
        return utc_day(S.c.sent_at)
    return None


def _tally_statement(group_by: str) -> Stmt[tuple[Any, ...]]:
    """Surveys sent in [since, until): how many, answered, good, bad — per group."""
    key = _group_key(group_by)
    figures = [
        func.count(),
        func.count(S.c.rating),
        func.coalesce(func.sum(case((S.c.rating == "good", 1), else_=0)), 0),
        func.coalesce(func.sum(case((S.c.rating == "bad", 1), else_=0)), 0),
    ]
    q = select(*([key] if key is not None else []), *figures).where(
        S.c.workspace_id == WS, S.c.sent_at >= _at("since"), S.c.sent_at < _at("until")
    )
    if key is not None:
        q = q.group_by(key).order_by(key)
    types = [*([key.type] if key is not None else []), Integer(), Integer(), Integer(), Integer()]
    return Stmt(q, result_types=types)


_TALLIES = Stmts(_tally_statement)


class CsatRepository(StatementRepository):
    """The satisfaction statements for one workspace, on the unit of work's connection."""

    # -- settings ----------------------------------------------------------------------------------------
    async def settings(self) -> SettingsRow | None:
        return await (await self.db()).one(_SETTINGS, self._p())

    async def insert_settings(self, row: SettingsRow) -> SettingsRow:
        values = {n: getattr(row, n) for n in _SETTINGS_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_SETTINGS, values))
        return row

    async def update_settings(self, row: SettingsRow) -> None:
        params = self._p(
            v_enabled=row.enabled,
            v_delay_minutes=row.delay_minutes,
            v_link_base_url=row.link_base_url,
            v_updated_at=row.updated_at,
        )
        await (await self.db()).run(_UPDATE_SETTINGS, params)

    # -- surveys ---------------------------------------------------------------------------------------
    async def survey_of_ticket(self, ticket_id: int, *, for_update: bool = False) -> SurveyRow | None:
        db = await self.db()
        stmt = _SURVEY_OF_TICKET_FOR_UPDATE if for_update and db.name == "postgresql" else _SURVEY_OF_TICKET
        return await db.one(stmt, self._p(ticket=ticket_id))

    async def insert_survey(self, row: SurveyRow) -> SurveyRow:
        values = {n: getattr(row, n) for n in _SURVEY_COLUMNS if n != "id"}
        values["workspace_id"] = row.workspace_id = self.workspace_id
        row.id = int(await (await self.db()).scalar(_INSERT_SURVEY, values))
        return row

    async def update_survey(self, row: SurveyRow, columns: set[str]) -> None:
        params = self._p(id=row.id, **{f"v_{c}": getattr(row, c) for c in columns})
        await (await self.db()).run(_UPDATE_SURVEY(frozenset(columns)), params)

    async def responses(
        self, f: ResponseFilter, *, after: tuple[dt.datetime, int] | None, limit: int
    ) -> list[ResponseRow]:
        shape = _ResponseShape(
            rating=f.rating is not None,
            assignee=f.assignee_id is not None,
            team=f.team_id is not None,
            since=f.since is not None,
            until=f.until is not None,
            after=after is not None,
        )
        params = self._p(
            rating=f.rating,
            assignee=f.assignee_id,
            team=f.team_id,
            since=f.since,
            until=f.until,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return await (await self.db()).all(_RESPONSES(shape), params)

    async def tallies(self, group_by: str, since: dt.datetime, until: dt.datetime) -> list[Tally]:
        rows = await (await self.db()).all(_TALLIES(group_by), self._p(since=since, until=until))
        if group_by == "none":
            return [Tally(None, *(int(v or 0) for v in r)) for r in rows]
        return [Tally(r[0], *(int(v or 0) for v in r[1:])) for r in rows]


# -- across workspaces: the link (id and token) is the customer's credential ------------------------------


async def survey_by_id(
    session: AsyncSession, survey_id: int, *, for_update: bool = False
) -> SurveyRow | None:
    db = await driver(session)
    stmt = _SURVEY_BY_ID_FOR_UPDATE if for_update and db.name == "postgresql" else _SURVEY_BY_ID
    return await db.one(stmt, {"id": survey_id})
