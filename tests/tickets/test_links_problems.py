"""A problem and its incidents: when the problem is solved, the `tickets.on_ticket_solved` job
(written with the solve) solves every incident still open and tells each requester, in their
language. Run in-process on a database of its own, the jobs run by the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.core.actor import Actor
from wowdesk.core.i18n import translate
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.links import actions as link_actions
from wowdesk.tickets.schemas import FieldCreate, TicketCreate, TicketUpdate


@dataclass
class World:
    rt: Runtime
    runner: JobRunner

    async def run_jobs(self) -> int:
        total = 0
        for _ in range(50):
            ran = await self.runner.run_once()
            if not ran:
                return total
            total += ran
        raise AssertionError("the jobs never ran out")


@pytest.fixture(scope="module")
def own_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def world(own_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    settings = make_settings(own_db, Path(tmp_path_factory.mktemp("problems")), None)
    rt = build_runtime(settings)
    await rt.start(run_jobs=False)
    yield World(rt=rt, runner=JobRunner(rt.uow, rt.jobs, name="test-problems"))
    await rt.stop()


@pytest.fixture
async def wcast(world: World) -> Cast:
    return await build_cast(world.rt)


async def new_ticket(w: World, cast: Cast, who: str = "lisa", **fields: Any) -> int:
    async with w.rt.uow() as s:
        data = TicketCreate.model_validate(
            {"subject": "Cannot pay", "requester": {"id": cast.customers[who].id}, **fields}
        )
        return (await actions.do_create_ticket(s, cast.actor("sam"), data)).id


async def link(w: World, cast: Cast, incident: int, problem: int) -> None:
    async with w.rt.uow() as s:
        actor = cast.actor("sam")
        ticket = await queries.get_ticket(s, actor, incident, for_update=True)
        await link_actions.do_link_incident(s, actor, ticket, problem)


async def set_status(w: World, cast: Cast, ticket_id: int, status: str) -> None:
    async with w.rt.uow() as s:
        actor = cast.actor("sam")
        ticket = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_update_ticket(s, actor, ticket, TicketUpdate(status=status))  # type: ignore[arg-type]


async def seen(w: World, cast: Cast, ticket_id: int) -> tuple[str, list[tuple[str, bool, str]]]:
    """The ticket's status and its comments as (author, public, body)."""
    async with w.rt.uow(write=False) as s:
        actor = cast.actor("sam")
        ticket = await queries.get_ticket(s, actor, ticket_id)
        out = await queries.list_comments(s, actor, ticket)
        return ticket.status, [(c.author, c.public, c.body) for c in out]


async def test_solving_the_problem_solves_its_incidents_and_tells_each_requester(
    world: World, wcast: Cast
) -> None:
    """Lisa (zh-Hant) and John (en) report the same outage, a third incident is solved already.
    Solving the problem: the two open incidents each get one public reply in their requester's
    language and are solved; the solved one is left alone; solving again tells nobody twice."""
    problem = await new_ticket(world, wcast, subject="Payments down", type="problem")
    lisa = await new_ticket(world, wcast, "lisa")
    john = await new_ticket(world, wcast, "john", status="pending")
    done = await new_ticket(world, wcast, "wang")
    for t in (lisa, john, done):
        await link(world, wcast, t, problem)
    await set_status(world, wcast, done, "solved")
    await world.run_jobs()
    assert (await seen(world, wcast, lisa))[0] == "new"  # an incident's own solve solves nothing else
    await set_status(world, wcast, problem, "solved")
    await world.run_jobs()
    async with world.rt.uow(write=False) as s:
        number = (await queries.get_ticket(s, Actor.system(wcast.workspace_id), problem)).number
    for t, language in ((lisa, "zh-Hant"), (john, "en")):
        status, said = await seen(world, wcast, t)
        expected = translate(link_actions.PROBLEM_FIXED, language, number=number, subject="Payments down")
        assert (status, said) == ("solved", [("system", True, expected)])
    assert await seen(world, wcast, done) == ("solved", [])
    await set_status(world, wcast, problem, "open")
    await set_status(world, wcast, problem, "solved")
    await world.run_jobs()
    assert len((await seen(world, wcast, lisa))[1]) == 1


async def test_many_incidents_are_solved_in_batches(
    world: World, wcast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a batch of one, three incidents take three runs of the job; all are solved."""
    monkeypatch.setattr(link_actions, "INCIDENTS_PER_RUN", 1)
    problem = await new_ticket(world, wcast, type="problem")
    incidents = [await new_ticket(world, wcast, who) for who in ("lisa", "wang", "john")]
    for t in incidents:
        await link(world, wcast, t, problem)
    await set_status(world, wcast, problem, "solved")
    assert await world.run_jobs() >= 3
    assert [(await seen(world, wcast, t))[0] for t in incidents] == ["solved"] * 3


async def test_an_incident_that_cannot_be_solved_stays_open_and_says_why(world: World, wcast: Cast) -> None:
    """A custom field needed to solve is empty on the incident: its requester is still told,
    it stays open, and an internal note names the field."""
    async with world.rt.uow() as s:
        await actions.do_create_field(
            s,
            wcast.actor("ada"),
            FieldCreate(key="root_cause", label="Root cause", type="text", required_to_solve=True),
        )
    problem = await new_ticket(world, wcast, type="problem", custom_fields={"root_cause": "carrier"})
    incident = await new_ticket(world, wcast, "john")
    await link(world, wcast, incident, problem)
    await set_status(world, wcast, problem, "solved")
    await world.run_jobs()
    status, said = await seen(world, wcast, incident)
    assert status == "new"
    assert [(a, p) for a, p, _b in said] == [("system", True), ("system", False)]
    assert "root_cause" in said[1][2]
