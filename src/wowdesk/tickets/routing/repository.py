"""Every statement of ticket routing, prepared once (``core.sql``): team rules, the round-robin
cursor, how much work agents hold, and the tickets an agent holds in a team."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import BindParameter

from wowdesk.core.repository import StatementRepository
from wowdesk.core.sql import Stmt, in_list, record_columns, select_record
from wowdesk.tickets.models import Ticket, TicketRow
from wowdesk.tickets.routing.models import RuleRow, TeamRouting

R = cast(Table, TeamRouting.__table__)
T = cast(Table, Ticket.__table__)
WS: BindParameter[Any] = bindparam("ws")

# Statuses of the work an agent holds (counted against capacity): everything not solved.
UNSOLVED = ("new", "open", "pending", "on_hold")

_RULE_COLUMNS = [c.name for c in record_columns(RuleRow, R)]
_RULE_WHERE = (R.c.workspace_id == WS, R.c.team_id == bindparam("team"))
_RULE = Stmt(select_record(RuleRow, R).where(*_RULE_WHERE), into=RuleRow)
_RULE_FOR_UPDATE = Stmt(select_record(RuleRow, R).where(*_RULE_WHERE).with_for_update(), into=RuleRow)
_SETTINGS = [n for n in _RULE_COLUMNS if n not in ("team_id", "last_agent_id", "updated_at")]


def _upsert(insert: Any) -> Stmt[Any]:
    names = ["workspace_id", "team_id", *_SETTINGS, "created_at", "updated_at"]
    stmt = insert(R).values({n: bindparam(n, type_=R.c[n].type) for n in names})
    return Stmt(
        stmt.on_conflict_do_update(
            index_elements=[R.c.team_id],
            set_={n: stmt.excluded[n] for n in [*_SETTINGS, "updated_at"]},
            where=R.c.workspace_id == stmt.excluded.workspace_id,
        )
    )


_UPSERT = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(pg_insert)}
_MOVE_CURSOR = Stmt(update(R).where(*_RULE_WHERE).values(last_agent_id=bindparam("agent")))

_LOAD = Stmt(
    select(T.c.assignee_id, func.count())
    .where(T.c.workspace_id == WS, in_list(T.c.assignee_id, "agents"), in_list(T.c.status, "statuses"))
    .group_by(T.c.assignee_id)
)
# One agent's unsolved tickets, counted no further than a limit (their capacity): a full agent
# costs at most that many index entries, however much the team holds.
_LOAD_UP_TO = Stmt(
    select(func.count()).select_from(
        select(T.c.id)
        .where(T.c.workspace_id == WS, T.c.assignee_id == bindparam("agent"), in_list(T.c.status, "statuses"))
        .limit(bindparam("limit"))
        .subquery()
    )
)
_HELD = select_record(TicketRow, T).where(
    T.c.workspace_id == WS,
    T.c.assignee_id == bindparam("agent"),
    T.c.team_id == bindparam("team"),
    in_list(T.c.status, "statuses"),
)
_QUEUED = select_record(TicketRow, T).where(
    T.c.workspace_id == WS,
    T.c.team_id == bindparam("team"),
    T.c.assignee_id.is_(None),
    in_list(T.c.status, "statuses"),
)
_QUEUED_STMT = Stmt(_QUEUED.order_by(T.c.id).limit(bindparam("limit")), into=TicketRow)
_QUEUED_FOR_UPDATE = Stmt(
    _QUEUED.order_by(T.c.id).limit(bindparam("limit")).with_for_update(), into=TicketRow
)
_HELD_STMT = Stmt(_HELD.order_by(T.c.id).limit(bindparam("limit")), into=TicketRow)
_HELD_FOR_UPDATE = Stmt(_HELD.order_by(T.c.id).limit(bindparam("limit")).with_for_update(), into=TicketRow)


class RoutingRepository(StatementRepository):
    """Routing's statements for one workspace, on the unit of work's connection."""

    async def rule(self, team_id: int, *, lock: bool = False) -> RuleRow | None:
        """The team's rule; `lock`ed until the transaction ends on PostgreSQL, so the team's
        routings happen one after the other (SQLite's single writer serialises them already)."""
        db = await self.db()
        stmt = _RULE_FOR_UPDATE if lock and db.name == "postgresql" else _RULE
        return await db.one(stmt, self._p(team=team_id))

    async def save_rule(self, rule: RuleRow) -> None:
        """Insert or replace the rule's settings (the round-robin cursor stays)."""
        assert rule.updated_at is not None
        db = await self.db()
        values = {n: getattr(rule, n) for n in _SETTINGS}
        values.update(
            workspace_id=self.workspace_id,
            team_id=rule.team_id,
            created_at=rule.updated_at,
            updated_at=rule.updated_at,
        )
        await db.run(_UPSERT[db.name], values)

    async def move_cursor(self, team_id: int, agent_id: int) -> None:
        await (await self.db()).run(_MOVE_CURSOR, self._p(team=team_id, agent=agent_id))

    async def tickets_held(self, agent_ids: list[int]) -> dict[int, int]:
        """How many unsolved tickets (of any team) each of these agents is assigned."""
        out = dict.fromkeys(agent_ids, 0)
        if not agent_ids:
            return out
        rows = await (await self.db()).all(_LOAD, self._p(agents=agent_ids, statuses=list(UNSOLVED)))
        for agent_id, n in rows:
            out[int(agent_id)] = int(n)
        return out

    async def queued(self, team_id: int, statuses: tuple[str, ...], *, limit: int) -> list[TicketRow]:
        """The team's tickets nobody holds, in these statuses, oldest first, locked on PostgreSQL."""
        db = await self.db()
        stmt = _QUEUED_FOR_UPDATE if db.name == "postgresql" else _QUEUED_STMT
        return await db.all(stmt, self._p(team=team_id, statuses=list(statuses), limit=limit))

    async def tickets_held_up_to(self, agent_id: int, limit: int) -> int:
        """How many unsolved tickets (of any team) the agent is assigned, counting to `limit` at most."""
        params = self._p(agent=agent_id, statuses=list(UNSOLVED), limit=limit)
        return int(await (await self.db()).scalar(_LOAD_UP_TO, params))

    async def held_in_team(
        self, agent_id: int, team_id: int, statuses: tuple[str, ...], *, limit: int
    ) -> list[TicketRow]:
        """The agent's tickets of the team in these statuses, oldest first, locked on PostgreSQL."""
        db = await self.db()
        stmt = _HELD_FOR_UPDATE if db.name == "postgresql" else _HELD_STMT
        params = self._p(agent=agent_id, team=team_id, statuses=list(statuses), limit=limit)
        return await db.all(stmt, params)
