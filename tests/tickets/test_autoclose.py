"""Solved tickets close by themselves after the workspace's delay (the `tickets.autoclose` job), run
in-process against a frozen clock on a database of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.core.clock import FrozenClock
from wowdesk.core.errors import Conflict
from wowdesk.core.events import Event
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate

DAYS = 4
START = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]

    async def run_jobs(self) -> int:
        return await self.runner.run_once()


@pytest.fixture(scope="module")
def frozen_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
def frozen_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("frozen")


@pytest.fixture(scope="module")
async def frozen(frozen_db: str, frozen_dir: Path) -> AsyncIterator[Frozen]:
    clock = FrozenClock(START)
    settings = make_settings(frozen_db, frozen_dir, None, autoclose_solved_after_days=DAYS)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield Frozen(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name="test-autoclose"), events=seen)
    await rt.stop()


@pytest.fixture
async def fcast(frozen: Frozen) -> Cast:
    return await build_cast(frozen.rt)


async def new_ticket(f: Frozen, cast: Cast, **fields: Any) -> int:
    async with f.rt.uow() as s:
        data = TicketCreate.model_validate(
            {"subject": "Parcel", "requester": {"id": cast.customers["lisa"].id}, **fields}
        )
        return (await actions.do_create_ticket(s, cast.actor("alice"), data)).id


async def set_status(f: Frozen, cast: Cast, ticket_id: int, status: str) -> None:
    async with f.rt.uow() as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_update_ticket(s, actor, ticket, TicketUpdate(status=status))  # type: ignore[arg-type]


async def state(f: Frozen, cast: Cast, ticket_id: int) -> tuple[str, list[tuple[str, str | None, Any, Any]]]:
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id)
        lines = await queries.timeline(s, actor, ticket)
        return ticket.status, [(e.actor, e.field, e.old, e.new) for e in lines if e.kind == "changed"]


async def test_a_solved_ticket_closes_after_the_delay(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast, status="open")
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(dt.timedelta(days=DAYS) - dt.timedelta(minutes=1))
    await frozen.run_jobs()
    assert (await state(frozen, fcast, tid))[0] == "solved"  # not yet

    frozen.events.clear()
    frozen.clock.advance(dt.timedelta(minutes=2))
    assert await frozen.run_jobs() >= 1
    status, lines = await state(frozen, fcast, tid)
    assert status == "closed"
    assert lines[-1] == ("system", "status", "solved", "closed")
    closed = [e for e in frozen.events if e.name == "ticket.updated" and getattr(e, "ticket_id", None) == tid]
    assert [e.changes["status"] for e in closed] == [["solved", "closed"]]  # type: ignore[attr-defined]
    # Closed is final: a late reply is refused.
    async with frozen.rt.uow() as s:
        ticket = await queries.get_ticket(s, fcast.actor("alice"), tid, for_update=True)
        assert ticket.closed_at == frozen.clock.now()
        with pytest.raises(Conflict, match="closed"):
            await actions.do_add_comment(s, fcast.actor("alice"), ticket, CommentCreate(body="hello?"))


async def test_a_ticket_created_solved_also_closes(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast, status="solved")
    frozen.clock.advance(dt.timedelta(days=DAYS, seconds=1))
    await frozen.run_jobs()
    assert (await state(frozen, fcast, tid))[0] == "closed"


async def test_reopened_then_resolved_is_not_closed_by_the_first_job(frozen: Frozen, fcast: Cast) -> None:
    """Solved on day 0, reopened on day 1, solved again on day 2: the job of the first solve (due day
    4) leaves it alone; the second solve's job (due day 6) closes it."""
    t0 = frozen.clock.now()
    tid = await new_ticket(frozen, fcast, status="open")
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(dt.timedelta(days=1))
    await set_status(frozen, fcast, tid, "open")
    frozen.clock.advance(dt.timedelta(days=1))
    await set_status(frozen, fcast, tid, "solved")

    frozen.clock.set(t0 + dt.timedelta(days=DAYS, minutes=1))
    assert await frozen.run_jobs() >= 1  # the first solve's job ran …
    status, lines = await state(frozen, fcast, tid)
    assert status == "solved"  # … and did nothing
    assert lines[-1][1:] == ("status", "open", "solved")

    frozen.clock.set(t0 + dt.timedelta(days=2 + DAYS, minutes=1))
    assert await frozen.run_jobs() >= 1
    status, lines = await state(frozen, fcast, tid)
    assert status == "closed"
    assert [line for line in lines if line[0] == "system"] == [("system", "status", "solved", "closed")]


async def test_a_ticket_reopened_for_good_is_never_closed(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast, status="solved")
    await set_status(frozen, fcast, tid, "open")
    frozen.clock.advance(dt.timedelta(days=DAYS * 3))
    await frozen.run_jobs()
    status, lines = await state(frozen, fcast, tid)
    assert status == "open"
    assert all(actor != "system" for actor, *_ in lines)


async def test_a_ticket_closed_by_hand_is_left_alone(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast, status="solved")
    await set_status(frozen, fcast, tid, "closed")
    frozen.clock.advance(dt.timedelta(days=DAYS + 1))
    await frozen.run_jobs()
    status, lines = await state(frozen, fcast, tid)
    assert status == "closed"
    assert [line[0] for line in lines] == [f"agent:{fcast.agents['alice'].id}"]
