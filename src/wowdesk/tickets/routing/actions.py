"""Writes of ticket routing: a team's rule, and giving tickets to agents by it.

Routing runs when a ticket is created in a team without an assignee, when a ticket moves to
another team without one, when someone asks (``do_route_ticket``), and for the tickets of an agent
who goes offline or out of office where the team's rule says so (jobs.py). Every assignment is a
normal ticket update by the system, ``via`` ``routing:<strategy>``: a timeline line and a
``ticket.updated`` event. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import ROUTING_MANAGE, TICKETS_WRITE
from wowdesk.conversations import queries as chats
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.customers import queries as customers
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.routing.models import RuleRow
from wowdesk.tickets.routing.repository import UNSOLVED, RoutingRepository
from wowdesk.tickets.routing.schemas import RoutingRuleIn
from wowdesk.tickets.routing.strategies import Candidate, choose, rotation
from wowdesk.tickets.schemas import TicketUpdate

# A rule's `presence` → the availabilities accounts.assignable_agents asks for (None: any).
AVAILABILITY: dict[str, tuple[str, ...] | None] = {
    "online": ("online",),
    "online_or_away": ("online", "away"),
    "in_office": None,
}


@dataclass(frozen=True, slots=True)
class Routed:
    via: str  # "routing:round_robin" …
    assignee_id: int | None  # who holds the ticket now
    assigned: bool  # routing chose someone (False: nobody had room)


async def do_set_routing_rule(
    session: AsyncSession, actor: Actor, team_id: int, data: RoutingRuleIn
) -> RuleRow:
    """Set a team's rule (all of it). Skill ids and custom field keys must exist."""
    actor.require(ROUTING_MANAGE)
    await accounts.get_team(session, actor, team_id)  # another workspace's team is a 404
    wanted = set(data.language_skills.values()) | set(data.channel_skills.values())
    known = {s.id for s in await accounts.list_skills(session, actor)} if wanted else set()
    if missing := sorted(wanted - known):
        raise InvalidInput(N_("Unknown skill ids: {ids}."), ids=", ".join(map(str, missing)))
    if data.field_skills:
        keys = {f.key for f in await TicketsRepository(session, actor.workspace_id).fields()}
        if unknown := [k for k in data.field_skills if k not in keys]:
            raise InvalidInput(N_("Unknown custom field keys: {keys}."), keys=", ".join(unknown))
    repo = RoutingRepository(session, actor.workspace_id)
    rule = RuleRow(
        team_id=team_id,
        strategy=data.strategy,
        ticket_capacity=data.ticket_capacity,
        presence=data.presence,
        language_skills={str(k): v for k, v in data.language_skills.items()},
        channel_skills={str(k): v for k, v in data.channel_skills.items()},
        field_skills=list(data.field_skills),
        fallback=data.fallback,
        reassign_on_offline=data.reassign_on_offline,
        updated_at=now(session),
    )
    await repo.save_rule(rule)
    saved = await repo.rule(team_id)
    assert saved is not None
    return saved


async def do_route_ticket(session: AsyncSession, actor: Actor, ticket: TicketRow) -> Routed:
    """Route a ticket now, by its team's rule: to whoever the rule picks (its current assignee
    may keep it); nobody with room, it stays as it is."""
    actor.require(TICKETS_WRITE)
    if ticket.team_id is None:
        raise Conflict(N_("Ticket {number} is in no team; routing needs a team."), number=ticket.number)
    if ticket.status not in UNSOLVED:
        raise Conflict(
            N_("Ticket {number} is solved or closed; only unsolved tickets are routed."), number=ticket.number
        )
    routed = await do_auto_route(session, ticket)
    if routed is None:
        raise Conflict(N_("This team assigns tickets by hand: give it a routing rule first."))
    return routed


async def do_auto_route(
    session: AsyncSession,
    ticket: TicketRow,
    *,
    exclude: frozenset[int] = frozenset(),
    queue_if_none: bool = False,
) -> Routed | None:
    """Give the ticket to the agent its team's rule picks (never one in `exclude`). Nobody with
    room: it stays as it is, or goes back to the team's queue (`queue_if_none`). None when there
    is nothing to route: no team, solved or closed, or a team that assigns by hand.

    The team's rule row, then its candidate agents (in id order), are locked on PostgreSQL until
    the transaction ends, so routings at the same moment count each other's assignments and
    capacity holds (on SQLite the single writer serialises them)."""
    if ticket.team_id is None or ticket.status not in UNSOLVED:
        return None
    ws = ticket.workspace_id
    repo = RoutingRepository(session, ws)
    rule = await repo.rule(ticket.team_id, lock=True)
    if rule is None or rule.strategy == "manual":
        return None
    agents = await accounts.assignable_agent_ids(
        session, ws, ticket.team_id, now(session), availability=AVAILABILITY[rule.presence]
    )
    ids = [i for i in agents if i not in exclude]
    order = rotation(ids, rule.last_agent_id)
    if rule.strategy == "round_robin":
        pick, how = await _next_with_room(session, repo, rule, ticket, order), "round_robin"
    else:
        load = await repo.tickets_held(ids)
        for agent_id, n in (await chats.chats_held(session, ws, ids)).items():
            load[agent_id] = load.get(agent_id, 0) + n
        if ticket.assignee_id in load:
            load[ticket.assignee_id] -= 1  # this ticket is counted already: keeping it adds nothing
        required = await _required_skills(session, rule, ticket) if rule.strategy == "skills" else frozenset()
        levels = await accounts.skill_levels(session, ws, ids) if required else {}
        free = [
            Candidate(i, load.get(i, 0), levels.get(i, {}))
            for i in ids
            if load.get(i, 0) < rule.ticket_capacity
        ]
        pick, how = choose(rule.strategy, rule.fallback, free, order, required)
    via = f"routing:{how}"
    system = Actor.system(ws, via=via)
    if pick is not None:
        await repo.move_cursor(ticket.team_id, pick.agent_id)
        if pick.agent_id != ticket.assignee_id:
            await ticket_actions.do_update_ticket(
                session, system, ticket, TicketUpdate(assignee_id=pick.agent_id)
            )
        return Routed(via=via, assignee_id=pick.agent_id, assigned=True)
    if queue_if_none and ticket.assignee_id is not None:
        await ticket_actions.do_update_ticket(session, system, ticket, TicketUpdate(assignee_id=None))
    return Routed(via=via, assignee_id=ticket.assignee_id, assigned=False)


async def _next_with_room(
    session: AsyncSession, repo: RoutingRepository, rule: RuleRow, ticket: TicketRow, order: list[int]
) -> Candidate | None:
    """Round robin without counting everyone's work: the agents in turn, each one's load counted
    only up to the capacity, until one has room — so a routing costs about one agent's count,
    however many tickets the team holds (the strategies' choice, the same agent)."""
    held_chats = await chats.chats_held(session, ticket.workspace_id, order)
    cap = rule.ticket_capacity
    for agent_id in order:
        mine = 1 if agent_id == ticket.assignee_id else 0  # this ticket is counted already
        load = held_chats.get(agent_id, 0) - mine
        if load >= cap:
            continue
        load += await repo.tickets_held_up_to(agent_id, cap - load + mine)
        if load < cap:
            return Candidate(agent_id, load)
    return None


async def _required_skills(session: AsyncSession, rule: RuleRow, ticket: TicketRow) -> frozenset[int]:
    """The skills the rule asks of whoever takes this ticket: for the requester's language, the
    ticket's channel, and each mapped custom field whose value is the name of a skill (a value
    that names no skill asks for nothing)."""
    required: set[int] = set()
    if rule.language_skills:
        customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
        language = customer.language if customer is not None else None
        if language in rule.language_skills:
            required.add(int(rule.language_skills[language]))
    if ticket.channel in rule.channel_skills:
        required.add(int(rule.channel_skills[ticket.channel]))
    if rule.field_skills:
        values = [(ticket.custom_fields or {}).get(key) for key in rule.field_skills]
        names = [v.strip().casefold() for v in values if isinstance(v, str) and v.strip()]
        if names:
            skills = await accounts.list_skills(session, Actor.system(ticket.workspace_id))
            by_name = {s.name.casefold(): s.id for s in skills}
            required.update(by_name[n] for n in names if n in by_name)
    return frozenset(required)


# -- an agent who is gone ------------------------------------------------------------------------------------

REASSIGN_STATUSES = ("new", "open")  # pending and on-hold tickets wait on someone else: they stay
REASSIGN_BATCH = 200


async def gone(session: AsyncSession, workspace_id: int, agent_id: int) -> bool:
    """Whether the agent is offline, out of office or deactivated now (not back already)."""
    agent = await accounts.find_agent(session, workspace_id, agent_id)
    if agent is None:
        return False
    away, _until = accounts.out_of_office(agent, now(session))
    return not agent.active or agent.availability == "offline" or away


async def routed_teams_of(
    session: AsyncSession, workspace_id: int, agent_id: int, *, reassigning: bool = False
) -> list[int]:
    """The agent's teams that route tickets by a rule (where a waiting ticket may fit when the
    agent has room); with `reassigning`, only those whose rule hands on a gone agent's tickets."""
    repo = RoutingRepository(session, workspace_id)
    out = []
    for team_id in await accounts.teams_of(session, Actor.system(workspace_id), agent_id):
        rule = await repo.rule(team_id)
        if rule is not None and rule.strategy != "manual" and (rule.reassign_on_offline or not reassigning):
            out.append(team_id)
    return out


async def do_reassign_from(session: AsyncSession, workspace_id: int, agent_id: int, team_id: int) -> int:
    """Route the gone agent's new and open tickets of the team again, to others (or back to the
    team's queue when nobody has room); at most REASSIGN_BATCH. Returns how many were handled."""
    if not await gone(session, workspace_id, agent_id):
        return 0
    repo = RoutingRepository(session, workspace_id)
    held = await repo.held_in_team(agent_id, team_id, REASSIGN_STATUSES, limit=REASSIGN_BATCH)
    for ticket in held:
        await do_auto_route(session, ticket, exclude=frozenset({agent_id}), queue_if_none=True)
    return len(held)


DRAIN_BATCH = 50


async def do_drain_queue(session: AsyncSession, workspace_id: int, team_id: int) -> int:
    """Route the team's waiting tickets (new or open, nobody's), oldest first, while someone has
    room: after an agent comes online or back in office, or a ticket stops counting against
    someone's capacity. At most DRAIN_BATCH; returns how many were given to someone."""
    repo = RoutingRepository(session, workspace_id)
    rule = await repo.rule(team_id)
    if rule is None or rule.strategy == "manual":
        return 0
    given = 0
    for ticket in await repo.queued(team_id, REASSIGN_STATUSES, limit=DRAIN_BATCH):
        routed = await do_auto_route(session, ticket)
        if routed is None or not routed.assigned:
            break  # nobody has room (or the team went back to assigning by hand): the rest wait too
        given += 1
    return given
