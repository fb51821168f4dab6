"""Routing under load: twenty tickets created (or moved into the team) at the same moment, each in
its own unit of work. Each is assigned at most once, nobody goes over capacity, round robin
spreads them evenly. On PostgreSQL the transactions really overlap (the team's rule row and the
candidate agents are locked); on SQLite the single writer serialises them."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tests.tickets import test_routing as base
from tests.tickets.test_routing import Desk, assignment_lines, owners, rule, skills, ticket
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import TicketCreate, TicketUpdate

N = 20

# The fixtures of test_routing.py: a world (database, frozen clock, job runner) of this module's own.
routing_db, world, desk = base.routing_db, base.world, base.desk


async def create_at_once(d: Desk, n: int = N, **fields: Any) -> list[int]:
    async def one(i: int) -> int:
        async with d.w.rt.uow() as s:
            data = TicketCreate.model_validate(
                {
                    "subject": f"rush {i}",
                    "requester": {"id": d.cast.customers["john"].id},
                    "team_id": d.team,
                    **fields,
                }
            )
            return (await actions.do_create_ticket(s, d.cast.actor("alice"), data)).id

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def move_at_once(d: Desk, ids: list[int]) -> None:
    async def one(ticket_id: int) -> None:
        async with d.w.rt.uow() as s:
            actor = d.cast.actor("alice")
            t = await queries.get_ticket(s, actor, ticket_id, for_update=True)
            await actions.do_update_ticket(s, actor, t, TicketUpdate(team_id=d.team))

    await asyncio.gather(*(one(i) for i in ids))


async def check(d: Desk, ids: list[int], *, assigned: int, most: int) -> Counter[str | None]:
    """Every ticket assigned by routing at most once; `assigned` of them given, none to an agent
    past `most`; the spread."""
    for i in ids:
        lines = await assignment_lines(d, i)
        assert len(lines) <= 1, (i, lines)
        assert all(actor == "system" and (via or "").startswith("routing:") for actor, via, _o, _n in lines)
    spread = Counter(await owners(d, ids))
    assert sum(n for who, n in spread.items() if who is not None) == assigned, spread
    assert max(n for who, n in spread.items() if who is not None) <= most, spread
    return spread


@pytest.mark.parametrize("strategy", ["round_robin", "least_loaded", "skills"])
async def test_concurrent_creations_spread_evenly_and_are_assigned_once(desk: Desk, strategy: str) -> None:
    settings: dict[str, Any] = {"strategy": strategy}
    if strategy == "skills":  # John writes English: the skill everyone has
        made = await skills(desk, sam=["English"], alice=["English"], bob=["English"])
        settings["language_skills"] = {"en": made["English"]}
    await rule(desk, **settings)
    ids = await create_at_once(desk)
    spread = await check(desk, ids, assigned=N, most=7)
    assert sorted(spread.values()) == [6, 7, 7], spread  # 20 over three agents, evenly


@pytest.mark.parametrize("strategy", ["round_robin", "least_loaded"])
async def test_concurrent_creations_never_exceed_capacity(desk: Desk, strategy: str) -> None:
    await ticket(desk, assignee_id=desk.id("bob"))  # Bob holds one already
    await rule(desk, strategy=strategy, ticket_capacity=3)
    ids = await create_at_once(desk)
    spread = await check(desk, ids, assigned=8, most=3)
    assert spread == Counter({None: 12, "sam": 3, "alice": 3, "bob": 2})


async def test_concurrent_moves_into_the_team_respect_capacity(desk: Desk) -> None:
    """Moves take no ticket number: nothing but routing's own locks orders them."""
    ids = await create_at_once(desk, team_id=None)
    assert set(await owners(desk, ids)) == {None}
    await rule(desk, strategy="round_robin", ticket_capacity=4)
    await move_at_once(desk, ids)
    spread = await check(desk, ids, assigned=12, most=4)
    assert spread == Counter({None: 8, "sam": 4, "alice": 4, "bob": 4})


async def test_concurrent_moves_spread_round_robin_evenly(desk: Desk) -> None:
    ids = await create_at_once(desk, team_id=None)
    await rule(desk, strategy="round_robin")
    await move_at_once(desk, ids)
    spread = await check(desk, ids, assigned=N, most=7)
    assert sorted(spread.values()) == [6, 7, 7], spread
