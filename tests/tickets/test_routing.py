"""Who gets a team's new ticket: round robin, least loaded (tickets + chats against capacity),
skills (requester language, channel, a custom field) with their fallback; out-of-office and
offline agents skipped as the rule says; nobody with room, the ticket waits in the team's queue;
an agent going offline hands their tickets on. Run in-process against a frozen clock, on a
database of its own (its own job runner)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as account_queries
from wowdesk.accounts.schemas import TeamCreate
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import ChannelCreate, ConversationUpdate, VisitorMessageIn
from wowdesk.core.actor import Actor
from wowdesk.core.clock import FrozenClock
from wowdesk.core.errors import Conflict
from wowdesk.core.events import Event
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.routing import actions as routing
from wowdesk.tickets.routing.schemas import RoutingRuleIn
from wowdesk.tickets.schemas import FieldCreate, TicketCreate, TicketUpdate

START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


@dataclass
class World:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]


@pytest.fixture(scope="module")
def routing_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def world(routing_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    clock = FrozenClock(START)
    settings = make_settings(routing_db, Path(tmp_path_factory.mktemp("routing")), None)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield World(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name="test-routing"), events=seen)
    await rt.stop()


@dataclass
class Desk:
    """A cast whose team "Desk" has Sam, Alice and Bob (in that id order), all online."""

    cast: Cast
    team: int
    w: World

    def id(self, who: str) -> int:
        return self.cast.agents[who].id

    def names(self, ids: list[int | None]) -> list[str | None]:
        by_id = {a.id: k for k, a in self.cast.agents.items()}
        return [by_id.get(i) if i is not None else None for i in ids]


@pytest.fixture
async def desk(world: World) -> Desk:
    world.clock.advance(dt.timedelta(hours=1))  # each test at its own hour
    cast = await build_cast(world.rt)
    async with world.rt.uow() as s:
        team = await account_actions.do_create_team(
            s,
            Actor.system(cast.workspace_id),
            TeamCreate(name="Desk", member_ids=[cast.agents[w].id for w in ("sam", "alice", "bob")]),
        )
    d = Desk(cast=cast, team=team.id, w=world)
    await presence(d, "online", "sam", "alice", "bob")
    return d


async def presence(d: Desk, status: str, *who: str) -> None:
    async with d.w.rt.uow() as s:
        for name in who:
            await account_actions.do_set_availability(s, d.cast.actor(name), status)


async def rule(d: Desk, **settings: Any) -> None:
    async with d.w.rt.uow() as s:
        await routing.do_set_routing_rule(
            s, d.cast.actor("ada"), d.team, RoutingRuleIn.model_validate(settings)
        )


async def away(d: Desk, who: str, until: dt.datetime | None = None, *, out: bool = True) -> None:
    async with d.w.rt.uow() as s:
        agent = await account_queries.get_agent(s, d.cast.actor(who), d.id(who))
        await account_actions.do_set_out_of_office(s, d.cast.actor(who), agent, out, until)


async def ticket(d: Desk, customer: str = "john", **fields: Any) -> int:
    async with d.w.rt.uow() as s:
        data = TicketCreate.model_validate(
            {
                "subject": "Help",
                "requester": {"id": d.cast.customers[customer].id},
                "team_id": d.team,
                **fields,
            }
        )
        return (await actions.do_create_ticket(s, d.cast.actor("ada"), data)).id


async def tickets(d: Desk, n: int, **fields: Any) -> list[int]:
    return [await ticket(d, **fields) for _ in range(n)]


async def owner(d: Desk, ticket_id: int) -> str | None:
    return (await owners(d, [ticket_id]))[0]


async def owners(d: Desk, ids: list[int]) -> list[str | None]:
    async with d.w.rt.uow(write=False) as s:
        rows = [await queries.get_ticket(s, d.cast.actor("ada"), i) for i in ids]
    return d.names([t.assignee_id for t in rows])


async def assignment_lines(d: Desk, ticket_id: int) -> list[tuple[str, str | None, Any, Any]]:
    """(actor, via, old, new) of the ticket's assignee changes."""
    async with d.w.rt.uow(write=False) as s:
        actor = d.cast.actor("ada")
        t = await queries.get_ticket(s, actor, ticket_id)
        lines = await queries.timeline(s, actor, t)
    return [(e.actor, e.via, e.old, e.new) for e in lines if e.kind == "changed" and e.field == "assignee_id"]


async def set_ticket(d: Desk, ticket_id: int, **changes: Any) -> None:
    async with d.w.rt.uow() as s:
        actor = d.cast.actor("ada")
        t = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_update_ticket(s, actor, t, TicketUpdate.model_validate(changes))


async def chat_held_by(d: Desk, who: str) -> None:
    """A web chat, given to `who`."""
    async with d.w.rt.uow() as s:
        ch = await chat.do_create_channel(s, d.cast.actor("ada"), ChannelCreate(name=f"Chat {who}"))
        c, _m, _new = await chat.do_receive_message(
            s,
            ch,
            d.cast.customers["wang"].id,
            VisitorMessageIn(client_id=f"c-{who}", body="hi"),
            language=None,
        )
        await chat.do_update_conversation(
            s, d.cast.actor("ada"), c, ConversationUpdate(assignee_id=d.id(who))
        )


# -- round robin ----------------------------------------------------------------------------------------


async def test_round_robin_takes_turns_in_order_as_a_normal_system_update(desk: Desk) -> None:
    await rule(desk, strategy="round_robin")
    desk.w.events.clear()
    ids = await tickets(desk, 5)
    assert await owners(desk, ids) == ["sam", "alice", "bob", "sam", "alice"]
    # The assignment is an ordinary update by the system, via the strategy, with its event.
    assert await assignment_lines(desk, ids[0]) == [("system", "routing:round_robin", None, desk.id("sam"))]
    updated = [
        e for e in desk.w.events if e.name == "ticket.updated" and getattr(e, "ticket_id", 0) == ids[0]
    ]
    assert [(e.actor, e.changes) for e in updated] == [  # type: ignore[attr-defined]
        ("system", {"assignee_id": [None, desk.id("sam")]})
    ]
    # A ticket created with an assignee, or solved, is left alone.
    given = await ticket(desk, assignee_id=desk.id("bob"))
    solved = await ticket(desk, status="solved")
    assert await owners(desk, [given, solved]) == ["bob", None]
    assert await assignment_lines(desk, given) == []


async def test_round_robin_skips_offline_away_and_out_of_office_agents_as_configured(desk: Desk) -> None:
    await rule(desk, strategy="round_robin", presence="online")
    await presence(desk, "away", "alice")
    await presence(desk, "offline", "bob")
    assert await owners(desk, await tickets(desk, 2)) == ["sam", "sam"]

    await rule(desk, strategy="round_robin", presence="online_or_away")
    assert await owners(desk, await tickets(desk, 2)) == ["alice", "sam"]  # Bob is still offline

    await rule(desk, strategy="round_robin", presence="in_office")  # offline agents too
    await away(desk, "sam")  # … but never someone out of office
    assert await owners(desk, await tickets(desk, 3)) == ["alice", "bob", "alice"]


async def test_out_of_office_until_a_time_ends_by_itself(desk: Desk) -> None:
    await rule(desk, strategy="round_robin", presence="in_office")
    back = desk.w.clock.now() + dt.timedelta(minutes=30)
    await away(desk, "alice", back)
    await away(desk, "bob")
    assert await owners(desk, await tickets(desk, 2)) == ["sam", "sam"]
    desk.w.clock.advance(dt.timedelta(minutes=31))
    async with desk.w.rt.uow(write=False) as s:
        agent = await account_queries.get_agent(s, desk.cast.actor("alice"), desk.id("alice"))
        assert account_queries.out_of_office(agent, desk.w.clock.now()) == (False, None)
    assert await owners(desk, await tickets(desk, 2)) == ["alice", "sam"]
    await away(desk, "bob", out=False)
    assert await owners(desk, await tickets(desk, 3)) == ["alice", "bob", "sam"]


async def test_chats_skip_out_of_office_agents_too(desk: Desk) -> None:
    """Alice alone online for a team's web chat: the widget says someone is there until she is
    out of office; then nobody is, and a new chat waits unassigned."""
    await presence(desk, "offline", "sam", "bob")
    async with desk.w.rt.uow() as s:
        ch = await chat.do_create_channel(
            s, desk.cast.actor("ada"), ChannelCreate(name="Desk", team_id=desk.team)
        )
        assert await chat.available_agents(s, ch)
    await away(desk, "alice")
    async with desk.w.rt.uow() as s:
        found = await chat_queries.find_channel(s, desk.cast.workspace_id, ch.id)
        assert found is not None
        assert not await chat.available_agents(s, found)
        c, _m, _new = await chat.do_receive_message(
            s,
            found,
            desk.cast.customers["lisa"].id,
            VisitorMessageIn(client_id="ooo", body="hi"),
            language=None,
        )
    assert c.assignee_id is None


# -- least loaded and capacity ----------------------------------------------------------------------------


async def test_least_loaded_counts_tickets_and_chats_against_capacity(desk: Desk) -> None:
    """Sam holds two tickets, Alice a ticket and a chat, Bob nothing (capacity 3): Bob takes the
    next two, then the one holding least, in turn; full agents get nothing; then the queue."""
    for who, n in (("sam", 2), ("alice", 1)):
        for _ in range(n):
            await ticket(desk, assignee_id=desk.id(who))
    await chat_held_by(desk, "alice")
    await rule(desk, strategy="least_loaded", ticket_capacity=3)
    ids = await tickets(desk, 5)
    # loads: sam 2, alice 2, bob 0 → bob, bob, then all at 2: sam (next in id order), alice, then bob.
    assert await owners(desk, ids) == ["bob", "bob", "sam", "alice", "bob"]
    assert await assignment_lines(desk, ids[0]) == [("system", "routing:least_loaded", None, desk.id("bob"))]
    # Everyone holds 3 now (Alice: 2 tickets + 1 chat): the next ticket waits in the team's queue.
    queued = await ticket(desk)
    assert await owner(desk, queued) is None
    assert await assignment_lines(desk, queued) == []
    async with desk.w.rt.uow(write=False) as s:
        page = await queries.list_tickets(
            s, desk.cast.actor("sam"), queries.TicketFilter(team_id=desk.team, unassigned=True)
        )
    assert [t.id for t in page.items] == [queued]
    # Solving a ticket makes room; routing it now gives it to that agent. A pending one still counts.
    await set_ticket(desk, ids[2], status="solved")
    async with desk.w.rt.uow() as s:
        t = await queries.get_ticket(s, desk.cast.actor("ada"), queued, for_update=True)
        routed = await routing.do_route_ticket(s, desk.cast.actor("alice"), t)
    assert routed.assigned and routed.assignee_id == desk.id("sam")
    await set_ticket(desk, queued, status="pending")
    assert await owner(desk, await ticket(desk)) is None


async def test_round_robin_respects_capacity_and_moving_a_ticket_to_the_team_routes_it(desk: Desk) -> None:
    await presence(desk, "offline", "bob")
    await rule(desk, strategy="round_robin", ticket_capacity=1, presence="online")
    assert await owners(desk, await tickets(desk, 3)) == ["sam", "alice", None]
    # A ticket of no team (or of a team that assigns by hand), moved here without an assignee.
    elsewhere = await ticket(desk, team_id=None)
    await presence(desk, "online", "bob")
    await set_ticket(desk, elsewhere, team_id=desk.team)
    assert await owner(desk, elsewhere) == "bob"
    # Moved with an assignee named: nothing to route.
    other = await ticket(desk, team_id=desk.cast.team_id)
    await set_ticket(desk, other, team_id=desk.team, assignee_id=desk.id("alice"))
    assert await owner(desk, other) == "alice"


async def test_a_waiting_ticket_goes_to_whoever_has_room_again(desk: Desk) -> None:
    """Tickets left in the team's queue (everyone full) are routed, oldest first, as soon as
    someone has room: a ticket of theirs solved, or an agent coming online. A ticket put on
    pending still counts against its agent: it frees nothing."""
    await presence(desk, "offline", "bob")
    await rule(desk, strategy="round_robin", ticket_capacity=1, presence="online")
    ids = await tickets(desk, 4)
    assert await owners(desk, ids) == ["sam", "alice", None, None]

    async def run_jobs() -> None:
        while await desk.w.runner.run_once():
            pass

    await set_ticket(desk, ids[0], status="pending")
    await run_jobs()
    assert await owners(desk, ids) == ["sam", "alice", None, None]
    await set_ticket(desk, ids[0], status="solved")
    await run_jobs()
    assert await owners(desk, ids) == ["sam", "alice", "sam", None]
    assert (await assignment_lines(desk, ids[2]))[-1] == (
        "system",
        "routing:round_robin",
        None,
        desk.id("sam"),
    )
    await presence(desk, "online", "bob")
    await run_jobs()
    assert await owners(desk, ids) == ["sam", "alice", "sam", "bob"]


async def test_a_team_without_a_rule_assigns_by_hand(desk: Desk) -> None:
    tid = await ticket(desk)
    assert await owner(desk, tid) is None
    async with desk.w.rt.uow() as s:
        t = await queries.get_ticket(s, desk.cast.actor("ada"), tid, for_update=True)
        with pytest.raises(Conflict, match="by hand"):
            await routing.do_route_ticket(s, desk.cast.actor("ada"), t)


# -- skills ----------------------------------------------------------------------------------------------


async def skills(d: Desk, **held: list[str]) -> dict[str, int]:
    """Create the skills named and give them to the agents (name → skill id)."""
    async with d.w.rt.uow() as s:
        ada = d.cast.actor("ada")
        names = sorted({n for ns in held.values() for n in ns})
        made = {n: (await account_actions.do_create_skill(s, ada, n)).id for n in names}
        for who, ns in held.items():
            agent = await account_queries.get_agent(s, ada, d.id(who))
            await account_actions.do_set_agent_skills(s, ada, agent, {made[n]: 3 for n in ns})
    return made


async def test_skills_follow_language_channel_and_a_custom_field(desk: Desk) -> None:
    made = await skills(desk, sam=["Mandarin"], alice=["Cantonese", "Email", "Kettle"], bob=["Kettle"])
    async with desk.w.rt.uow() as s:
        await actions.do_create_field(
            s, desk.cast.actor("ada"), FieldCreate(key="product", label="Product", type="text")
        )
    await rule(
        desk,
        strategy="skills",
        language_skills={"zh-Hans": made["Mandarin"], "zh-Hant": made["Cantonese"]},
        channel_skills={"email": made["Email"]},
        field_skills=["product"],
    )
    assert await owner(desk, await ticket(desk, "wang")) == "sam"  # zh-Hans
    assert await owner(desk, await ticket(desk, "lisa")) == "alice"  # zh-Hant
    assert await owner(desk, await ticket(desk, "john", channel="email")) == "alice"
    kettle = await ticket(desk, "john", custom_fields={"product": "kettle"})  # names are case-blind
    assert await owner(desk, kettle) == "bob"  # Alice has the skill too, but holds more
    assert await assignment_lines(desk, kettle) == [("system", "routing:skills", None, desk.id("bob"))]
    # No requirement (English, by API, a product nobody is skilled in): the least loaded of all.
    free = await ticket(desk, "john", custom_fields={"product": "toaster"})
    assert await owner(desk, free) == "sam"  # Sam and Bob hold one each: Sam's turn after Bob
    # Traditional Chinese by e-mail and a kettle: only Alice has all three.
    assert (
        await owner(desk, await ticket(desk, "lisa", channel="email", custom_fields={"product": "Kettle"}))
        == "alice"
    )


async def test_skills_fall_back_when_nobody_skilled_has_room(desk: Desk) -> None:
    made = await skills(desk, alice=["Cantonese"])
    base = {"strategy": "skills", "language_skills": {"zh-Hant": made["Cantonese"]}, "ticket_capacity": 1}
    await rule(desk, **base, fallback="least_loaded")
    first = await ticket(desk, "lisa")
    assert await owner(desk, first) == "alice"
    second = await ticket(desk, "lisa")  # Alice is full: the least loaded of the others, in turn
    assert await owner(desk, second) == "bob"
    assert await assignment_lines(desk, second) == [
        ("system", "routing:skills>least_loaded", None, desk.id("bob"))
    ]
    await rule(desk, **base, fallback="round_robin")
    assert await owner(desk, await ticket(desk, "lisa")) == "sam"
    await rule(desk, **{**base, "ticket_capacity": 5}, fallback="queue")
    await away(desk, "alice")  # the only skilled agent is out of office: the ticket waits
    queued = await ticket(desk, "lisa")
    assert await owner(desk, queued) is None
    assert await owner(desk, await ticket(desk, "john")) == "bob"  # no skill asked: anyone


# -- an agent who leaves -----------------------------------------------------------------------------------


async def test_an_agent_going_offline_hands_their_open_tickets_on(desk: Desk) -> None:
    await rule(desk, strategy="round_robin", presence="online", reassign_on_offline=True, ticket_capacity=2)
    await presence(desk, "offline", "bob")
    ids = await tickets(desk, 4)  # sam, alice, sam, alice
    assert await owners(desk, ids) == ["sam", "alice", "sam", "alice"]
    await set_ticket(desk, ids[3], status="pending")  # waits on the customer: stays with Alice
    await presence(desk, "online", "bob")
    await presence(desk, "offline", "alice")
    assert await desk.w.runner.run_once() >= 1
    while await desk.w.runner.run_once():
        pass
    # Her open ticket goes to Bob (Sam is full); the pending one stays hers.
    assert await owners(desk, ids) == ["sam", "bob", "sam", "alice"]
    assert (await assignment_lines(desk, ids[1]))[-1] == (
        "system",
        "routing:round_robin",
        desk.id("alice"),
        desk.id("bob"),
    )
    # Bob out of office now, nobody with room: his ticket goes back to the team's queue.
    await away(desk, "bob")
    while await desk.w.runner.run_once():
        pass
    assert await owners(desk, ids) == ["sam", None, "sam", "alice"]


async def test_no_reassignment_unless_the_rule_says_so_or_if_the_agent_is_back(desk: Desk) -> None:
    await rule(desk, strategy="round_robin", presence="online")
    ids = await tickets(desk, 3)
    await presence(desk, "offline", "sam")
    while await desk.w.runner.run_once():
        pass
    assert await owners(desk, ids) == ["sam", "alice", "bob"]
    await rule(desk, strategy="round_robin", presence="online", reassign_on_offline=True)
    await presence(desk, "online", "sam")
    await presence(desk, "offline", "sam")
    await presence(desk, "online", "sam")  # back before the job ran
    while await desk.w.runner.run_once():
        pass
    assert await owners(desk, ids) == ["sam", "alice", "bob"]
