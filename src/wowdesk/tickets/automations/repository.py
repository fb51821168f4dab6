"""Every statement of the automations: the rules (the ORM for their administration, a prepared
statement for the read every ticket event makes) and the firings of time-based rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError

from wowdesk.core.repository import WorkspaceRepository
from wowdesk.core.sql import Stmt, Stmts, driver, in_list, insert_row, select_record
from wowdesk.tickets.automations.models import Automation, AutomationFiring
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import T

A = cast(Table, Automation.__table__)
F = cast(Table, AutomationFiring.__table__)


@dataclass(slots=True)
class RuleRow:
    id: int
    name: str
    kind: str
    events: list[str]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    position: int
    updated_at: dt.datetime


_STAMP = Stmt(
    select(func.count(A.c.id), func.max(A.c.updated_at)).where(A.c.workspace_id == bindparam("ws")),
    result_types=[A.c.id.type, A.c.updated_at.type],
)
_ACTIVE = Stmt(
    select_record(RuleRow, A)
    .where(A.c.workspace_id == bindparam("ws"), A.c.kind == bindparam("kind"), A.c.active.is_(True))
    .order_by(A.c.position, A.c.id),
    into=RuleRow,
)
_FIRE = Stmt(insert_row(F, ["workspace_id", "automation_id", "ticket_id", "key", "fired_at"]))
BASES = {"created": "created_at", "updated": "updated_at", "status_changed": "status_changed_at"}


def _due_statement(base: str, statuses: bool) -> Stmt[TicketRow]:
    """Tickets a time-based rule looks at: not closed (or in its statuses), measured from `base`
    no later than a moment, and not fired on by the rule since that moment."""
    column = T.c[BASES[base]]
    fired = exists().where(
        and_(
            F.c.automation_id == bindparam("rule"),
            F.c.ticket_id == T.c.id,
            F.c.fired_at >= column,
        )
    )
    q = select_record(TicketRow, T).where(
        T.c.workspace_id == bindparam("ws"), T.c.status != "closed", column <= bindparam("before"), ~fired
    )
    if statuses:
        q = q.where(in_list(T.c.status, "statuses"))
    return Stmt(q.order_by(column, T.c.id).limit(bindparam("limit")), into=TicketRow)


_DUE = Stmts(_due_statement)
_SCHEDULED_WORKSPACES = Stmt(
    select(A.c.workspace_id).where(A.c.kind == "schedule", A.c.active.is_(True)).distinct()
)


class AutomationsRepository(WorkspaceRepository):
    # -- administration (the ORM) ---------------------------------------------------------------------
    async def rule(self, rule_id: int) -> Automation | None:
        return await self.by_id(Automation, rule_id)

    async def rules(self, kind: str | None = None) -> list[Automation]:
        q = self.scoped(Automation)
        if kind is not None:
            q = q.where(Automation.kind == kind)
        q = q.order_by(Automation.kind, Automation.position, Automation.id).limit(500)
        return list((await self.session.execute(q)).scalars())

    async def count(self) -> int:
        q = select(func.count(Automation.id)).where(Automation.workspace_id == self.workspace_id)
        return int((await self.session.execute(q)).scalar_one())

    async def delete(self, rule: Automation) -> None:
        await self.session.delete(rule)
        await self.session.flush()

    # -- what every event reads ---------------------------------------------------------------------------
    async def stamp(self) -> tuple[int, dt.datetime | None]:
        """How many rules there are and when one last changed: the cache key of the compiled rules."""
        row = await (await driver(self.session)).one(_STAMP, {"ws": self.workspace_id})
        assert row is not None
        return int(row[0] or 0), row[1]

    async def active(self, kind: str) -> list[RuleRow]:
        return await (await driver(self.session)).all(_ACTIVE, {"ws": self.workspace_id, "kind": kind})

    async def due_for(
        self, rule_id: int, base: str, before: dt.datetime, statuses: list[str], limit: int
    ) -> list[TicketRow]:
        params: dict[str, Any] = {"ws": self.workspace_id, "rule": rule_id, "before": before, "limit": limit}
        if statuses:
            params["statuses"] = statuses
        return await (await driver(self.session)).all(_DUE(base, bool(statuses)), params)

    async def record_firing(self, rule_id: int, ticket_id: int, key: str, at: dt.datetime) -> bool:
        """Remember that a time-based rule fired for this state of the ticket; False if it had."""
        db = await driver(self.session)
        params = {"workspace_id": self.workspace_id, "automation_id": rule_id, "ticket_id": ticket_id}
        try:
            async with db.savepoint():
                await db.run(_FIRE, {**params, "key": key, "fired_at": at})
        except IntegrityError:
            return False
        return True


async def workspaces_with_schedules(session: Any) -> list[int]:
    return [int(r[0]) for r in await (await driver(session)).all(_SCHEDULED_WORKSPACES, {})]
