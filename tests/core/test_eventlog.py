"""The event log keeps logged events numbered per workspace, in commit order, for three days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.conftest import Cast
from wowdesk.core import eventlog
from wowdesk.core.eventlog import EventLogEntry
from wowdesk.core.runtime import Runtime
from wowdesk.tickets import actions as tickets
from wowdesk.tickets.schemas import RequesterIn, TicketCreate


async def _entries(rt: Runtime, workspace_id: int) -> list[tuple[int, str]]:
    async with rt.uow(write=False) as s:
        rows = await eventlog.events_after(s, workspace_id, 0)
    return [(r.seq, r.name) for r in rows]


async def test_logged_events_are_numbered_per_workspace_and_rolled_back_with_their_change(
    runtime: Runtime, cast: Cast, other_cast_factory: object
) -> None:
    other = await other_cast_factory()  # type: ignore[operator]
    before = await _entries(runtime, cast.workspace_id)
    for c in (cast, other, cast):
        async with runtime.uow() as s:
            await tickets.do_create_ticket(
                s, c.actor("alice"), TicketCreate(subject="s", requester=RequesterIn(email="x@example.com"))
            )
    mine = (await _entries(runtime, cast.workspace_id))[len(before) :]
    assert [n for _, n in mine] == ["ticket.created", "ticket.created"]
    assert mine[1][0] == mine[0][0] + 1  # another workspace's event took no number of ours
    assert [n for _, n in await _entries(runtime, other.workspace_id)] == ["ticket.created"]

    class Boom(Exception):
        pass

    try:
        async with runtime.uow() as s:
            await tickets.do_create_ticket(
                s,
                cast.actor("alice"),
                TicketCreate(subject="s", requester=RequesterIn(email="x@example.com")),
            )
            raise Boom
    except Boom:
        pass
    async with runtime.uow() as s:
        await tickets.do_create_ticket(
            s, cast.actor("alice"), TicketCreate(subject="s", requester=RequesterIn(email="x@example.com"))
        )
    after = (await _entries(runtime, cast.workspace_id))[len(before) :]
    assert [seq for seq, _ in after] == [mine[0][0], mine[0][0] + 1, mine[0][0] + 2]  # no gap left


async def test_housekeeping_forgets_entries_after_three_days(runtime: Runtime, cast: Cast) -> None:
    async with runtime.uow() as s:
        await tickets.do_create_ticket(
            s, cast.actor("alice"), TicketCreate(subject="old", requester=RequesterIn(email="x@example.com"))
        )
    later = dt.datetime.now(dt.UTC) + eventlog.KEEP + dt.timedelta(minutes=1)
    async with runtime.uow() as s:
        await eventlog.purge(s, later)
    async with runtime.uow(write=False) as s:
        q = (
            select(func.count())
            .select_from(EventLogEntry)
            .where(EventLogEntry.workspace_id == cast.workspace_id)
        )
        assert (await s.execute(q)).scalar_one() == 0
