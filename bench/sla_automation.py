r"""SLA + routing + automations benchmark: the ticket system's own work on every new ticket, on top
of 100,000 open tickets with running SLA timers, and how late due SLA timers fire.

In one process (the embedded deployment: the database, the in-process bus and the job runner on
one event loop, with the garbage collector set as ``wowdesk serve`` sets it), on a fresh database
(SQLite file in a temporary folder, removed at the end, or a PostgreSQL database created and
dropped by the run):

1. **Setup**, through the project's own actions: one workspace, 400 agents in one team with a
   round-robin routing rule (capacity 500 tickets each, the most a rule allows: the 100,000
   seeded tickets leave each agent 250, so new ones still find room; every agent in office), a Taipei
   business calendar, an SLA policy with first reply / next reply / resolution targets for every
   priority, 50 triggers on ``ticket.created`` (three conditions each on subject, priority,
   channel, tags or the requester's language; 45 never match, 5 match about one ticket in ten
   each — half the tickets in all — and add a tag or change the type) and 1,000 customers.
2. **Seeded, in bulk** (not measured): ``--tickets`` open tickets (default 100,000), written
   straight into the tables (SQLAlchemy Core executemany, explicit ids, 5,000 tickets per
   transaction) with every row the real actions would have left for them — what
   ``do_create_ticket`` writes (the ticket, its tags, the description as the requester's first
   comment, the timeline's lines, the search document), what SLA start writes (3 timers per
   ticket, computed by the product's own policy choice and business-time arithmetic: first reply
   and resolution running, next reply waiting; the 2 durable near-breach jobs with the real dedupe
   keys), what round-robin routing writes (the assignment by the team's rotation, its timeline
   line, the assignment notification's job, already done), what the triggers do (evaluated by the
   engine's own compiled rules and facts: the type set or the tag added, timeline lines), the
   event log's entries and the counters. Their creation times are spread over the hour before the
   run, so no seeded timer is due while it runs (the first near-breach marks come ≥ 6.5 hours
   later). Then the planner's statistics (SQLite's ANALYZE, as the server runs at start and every
   6 hours; PostgreSQL's VACUUM ANALYZE, as autovacuum would) and the id sequences.
3. **Throughput, measured**: ``--measure`` tickets (default 5,000; after 100 unrecorded warm-up
   ones) created one per unit of work through the real actions, on top of the seeded ones, each
   going create → route (round robin) → SLA start (3 timers, 2 durable jobs) → trigger evaluation
   (50 rules), all in the request's transaction, committed. Prints tickets/s, the latency of one
   creation with its commit (p50/p99), and the time the triggers took per event (p50/p99/max):
   one reaction per new ticket, to its ``ticket.created`` event (with the routing's assignment in
   the same reaction), timed around the engine — the compiled rules (one query for their cache
   key), the facts they test (the ticket's tags, the requester), the 50 predicates — without the
   firings' own work (a matching rule's update, timeline and events), which is timed apart.
   Reactions with nothing new to react to are not counted. For the slowest 1 % it says how many
   had a garbage collection or an involuntary context switch (another process took the core)
   inside them, and it prints the evaluation's own CPU time (p50/p99, this thread's): the
   evidence for what the tail is made of. The target is judged on the wall-clock p99.
4. **Timer lag, measured**, with the seeded and measured tickets open: a job runner is started,
   first runs what is due already (the measured tickets' assignment notifications; reported, not
   timed), then tickets with a 1-minute first-reply target (urgent, on a 24/7 policy) are created
   at ``--timers-per-minute`` (default 1,000) for ``--lag-minutes`` (default 2). Every
   ``ticket.sla_breached`` event of those tickets is timed when it reaches the bus, after its job
   committed; the lag is that moment minus the timer's due time. Prints how many fired (each
   exactly once), lag p50/p99/max.

Targets (issue "Ticket system in depth"): rule evaluation < 2 ms per event at 50 rules; timers
fire within 5 s of due time at 1,000 timers/min. Exit status 1 if a target is missed or a timer
fired twice or not at all, 2 if the run could not be set up.

    .venv/bin/python bench/sla_automation.py --quick          # 5,000 seeded, 1,000 measured, 1 minute
    .venv/bin/python bench/sla_automation.py                  # 100,000 seeded, 5,000 measured, 2 minutes
    .venv/bin/python bench/sla_automation.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import os
import random
import resource
import shlex
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import Table, func, select

from _common import (
    BulkRows,
    machine_lines,
    move_sequences,
    next_ids,
    pg_execute,
    started_runtime,
    throwaway_database,
)
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as accounts
from wowdesk.accounts.calendars import actions as calendar_actions
from wowdesk.accounts.calendars.schemas import CalendarCreate
from wowdesk.accounts.schemas import AgentCreate, TeamCreate, WorkspaceCreate
from wowdesk.core import eventlog
from wowdesk.core.actor import Actor
from wowdesk.core.counters import advance, current_value
from wowdesk.core.db import refresh_statistics
from wowdesk.core.events import PENDING_EVENTS, Event
from wowdesk.core.jobs.models import DONE, QUEUED, Job
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.migrate import upgrade
from wowdesk.core.text import index_tokens
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.schemas import CustomerCreate
from wowdesk.main import GC_THRESHOLDS
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets import events as ticket_events
from wowdesk.tickets.automations import actions as automation_actions
from wowdesk.tickets.automations import engine as automation_engine
from wowdesk.tickets.automations.effects import AddTags, SetField
from wowdesk.tickets.automations.schemas import AutomationCreate
from wowdesk.tickets.models import Ticket, TicketComment, TicketEvent, TicketRow, TicketTag
from wowdesk.tickets.repository import SEARCH_KIND
from wowdesk.tickets.routing import actions as routing_actions
from wowdesk.tickets.routing.repository import RoutingRepository
from wowdesk.tickets.routing.schemas import RoutingRuleIn
from wowdesk.tickets.routing.strategies import rotation
from wowdesk.tickets.schemas import TicketCreate
from wowdesk.tickets.sla import actions as sla_actions
from wowdesk.tickets.sla import timers as sla_timers
from wowdesk.tickets.sla import tracking as sla_tracking
from wowdesk.tickets.sla.models import SlaTimer
from wowdesk.tickets.sla.policies import clock_of, matches, new_timer, target_seconds
from wowdesk.tickets.sla.repository import SlaRepository
from wowdesk.tickets.sla.schemas import MAX_POLICIES, PolicyCreate

AGENTS = 400
CAPACITY = 500  # the most a rule allows; 100k seeded tickets leave each agent at 250
CUSTOMERS = 1_000
RULES = 50
RULE_TARGET_MS = 2.0
LAG_TARGET_S = 5.0
SEED_SPAN = dt.timedelta(hours=1)  # the seeded tickets came in during the hour before the run
SEED_CHUNK = 5_000  # seeded tickets per transaction
WARMUP = 100  # measured-phase tickets created first and not recorded (statements compiled once …)
DRAIN_LIMIT_S = 300.0
WORDS = ["parcel", "refund", "退款", "包裹", "invoice", "login", "address", "地址", "damaged", "late"]
TAGS = ["vip", "b2b", "return", "gift", "fragile"]
CHANNELS = ["web", "email", "chat", "phone", "api"]
# Tables the seeding gives explicit ids (their sequences are moved past them on PostgreSQL).
ID_TABLES = ["tickets", "ticket_comments", "ticket_events", "search_documents", "ticket_sla_timers", "jobs"]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rules() -> list[dict[str, Any]]:
    """50 triggers: 45 that look at every ticket and rarely match, 5 that match ~1 in 10."""
    rng = random.Random(7)
    out: list[dict[str, Any]] = []
    for n in range(RULES - 5):
        conditions = [
            {"field": "ticket.subject", "op": "contains", "value": [f"never-{n}", rng.choice(WORDS) + "-x"]},
            {
                "field": "ticket.priority",
                "op": "in",
                "value": rng.sample(["low", "normal", "high", "urgent"], 2),
            },
            {"field": "ticket.tags", "op": "contains", "value": [rng.choice(TAGS)]},
        ]
        out.append(
            {
                "name": f"rare {n}",
                "events": ["ticket.created"],
                "position": n,
                "conditions": {"all": conditions},
                "actions": [{"type": "add_tags", "tags": [f"rare-{n}"]}],
            }
        )
    for n in range(5):
        out.append(
            {
                "name": f"common {n}",
                "events": ["ticket.created"],
                "position": 100 + n,
                "conditions": {
                    "all": [
                        {
                            "field": "ticket.channel",
                            "op": "is",
                            "value": ["web", "email", "chat", "phone", "api"][n],
                        }
                    ],
                    "any": [
                        {"field": "customer.language", "op": "is", "value": "zh-Hant"},
                        {"field": "ticket.subject", "op": "contains", "value": ["refund"]},
                    ],
                },
                "actions": [{"type": "add_tags", "tags": [f"common-{n}"]}]
                if n % 2
                else [{"type": "set", "field": "type", "value": "incident"}],
            }
        )
    return out


async def setup(rt: Any) -> dict[str, Any]:
    async with rt.uow() as s:
        ws, admin = await account_actions.do_create_workspace(
            s,
            WorkspaceCreate(
                slug="bench", name="Bench", admin_email="admin@bench.test", admin_password="Bench-pass-9!x"
            ),
        )
        system = Actor.system(ws.id)
        agents = [
            await account_actions.do_create_agent(
                s, system, AgentCreate(email=f"agent{n}@bench.test", name=f"Agent {n}", role="agent")
            )
            for n in range(AGENTS)
        ]
        team = await account_actions.do_create_team(
            s, system, TeamCreate(name="Support", member_ids=[a.id for a in agents])
        )
    async with rt.uow() as s:
        actor = Actor.system(ws.id)
        await routing_actions.do_set_routing_rule(
            s,
            actor,
            team.id,
            RoutingRuleIn(strategy="round_robin", ticket_capacity=CAPACITY, presence="in_office"),
        )
        taipei = await calendar_actions.do_create_calendar(
            s,
            actor,
            CalendarCreate.model_validate(
                {
                    "name": "Taipei",
                    "time_zone": "Asia/Taipei",
                    "weekly": {
                        d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")
                    },
                    "holidays": [{"date": "10-10", "name": "National Day"}],
                }
            ),
        )
        hours = 60
        long = {"first_reply": 8 * hours, "next_reply": 8 * hours, "resolution": 40 * hours}
        await sla_actions.do_create_policy(
            s,
            actor,
            PolicyCreate(
                name="Standard",
                position=1,
                calendar_id=taipei.id,
                targets={"low": long, "normal": long, "high": long},  # type: ignore[dict-item]
            ),
        )
        await sla_actions.do_create_policy(
            s,
            actor,
            PolicyCreate(
                name="Urgent",
                position=0,
                ticket_tags=["timer"],
                targets={"urgent": {"first_reply": 1}},  # type: ignore[dict-item]
                near_breach_minutes=0,
            ),
        )
        for body in rules():
            await automation_actions.do_create_automation(s, actor, AutomationCreate.model_validate(body))
    customers = []
    profiles: dict[int, dict[str, Any]] = {}
    async with rt.uow() as s:
        for n in range(CUSTOMERS):
            c = await customer_actions.do_create_customer(
                s,
                Actor.system(ws.id),
                CustomerCreate.model_validate(
                    {
                        "name": f"Customer {n}",
                        "emails": [f"c{n}@example.com"],
                        "language": ["en", "zh-Hant", "zh-Hans"][n % 3],
                    }
                ),
            )
            customers.append(c.id)
            profiles[c.id] = {  # what the rules see of a requester (engine.facts_for)
                "customer.language": c.language,
                "customer.name": c.name,
                "customer.tags": frozenset(c.tags or ()),
                "customer.attributes": c.custom_attributes or {},
            }
    return {
        "workspace_id": ws.id,
        "team_id": team.id,
        "customers": customers,
        "profiles": profiles,
        "agent": admin,
    }


def ticket_body(rng: random.Random, n: int, env: dict[str, Any]) -> dict[str, Any]:
    """The n-th ticket of the run (seeded or measured: the same mix)."""
    words = rng.sample(WORDS, 3)
    return {
        "subject": " ".join(words) + f" #{n}",
        "description": "Order 1234 " + " ".join(rng.sample(WORDS, 5)),
        "requester": {"id": rng.choice(env["customers"])},
        "priority": rng.choice(["low", "normal", "normal", "high"]),
        "channel": rng.choice(CHANNELS),
        "team_id": env["team_id"],
        "tags": rng.sample(TAGS, rng.randint(0, 2)),
    }


# -- seeding: the rows the actions would have written, in bulk -------------------------------------------


class _Ids:
    def __init__(self, first: dict[str, int]) -> None:
        self.next = dict(first)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclasses.dataclass
class _Seeding:
    """What one seeded ticket's writes need: the workspace's rules, policies, rotation, ids."""

    env: dict[str, Any]
    out: BulkRows
    ids: _Ids
    triggers: list[automation_engine.Rule]
    policies: list[Any]
    clocks: dict[int, Any]
    order: list[int]  # the team's round-robin rotation
    listeners: dict[str, list[Any]]  # durable listeners: event name → job names (or with a condition)
    number: int  # the ticket counter before the seeded tickets
    seq: int  # the event log's counter before them
    logged: int = 0
    held: dict[int, int] = dataclasses.field(default_factory=dict)  # agent id → tickets assigned

    def line(self, ticket: TicketRow, actor: Actor, kind: str, at: dt.datetime, **kw: Any) -> None:
        """A timeline line, as ``tickets.actions._line`` makes it."""
        self.out.add(
            "ticket_events",
            {
                "id": self.ids.take("ticket_events"),
                "workspace_id": ticket.workspace_id,
                "ticket_id": ticket.id,
                "actor": actor.ref,
                "via": actor.via,
                "kind": kind,
                "field": kw.get("field"),
                "old": kw.get("old"),
                "new": kw.get("new"),
                "comment_id": kw.get("comment_id"),
                "created_at": at,
            },
        )

    def event(self, event: Event, committed: dt.datetime) -> None:
        """What ``record_event`` and the commit write for an event: the job of each durable listener
        it concerns (done: a runner would have run it by now) and its event log entry."""
        for listener in self.listeners.get(event.name, []):
            if isinstance(listener, tuple):
                name, condition = listener
                if not condition(event):
                    continue
            else:
                name = listener
            finished = event.occurred_at + dt.timedelta(seconds=0.5)
            self.out.add(
                "jobs",
                {
                    "id": self.ids.take("jobs"),
                    "workspace_id": event.workspace_id,
                    "name": name,
                    "payload": event.envelope(),
                    "status": DONE,
                    "attempts": 1,
                    "max_attempts": 8,
                    "run_at": event.occurred_at,
                    "locked_by": None,
                    "locked_until": None,
                    "last_error": None,
                    "dedupe_key": None,
                    "created_at": event.occurred_at,
                    "updated_at": finished,
                    "finished_at": finished,
                },
            )
        if type(event).logged:
            self.logged += 1
            seq = self.seq + self.logged
            self.out.add(
                "event_log",
                {
                    "workspace_id": event.workspace_id,
                    "seq": seq,
                    "name": event.name,
                    "payload": event.model_copy(update={"log_id": seq}).model_dump(mode="json"),
                    "created_at": committed,
                },
            )


_TICKET_COLUMNS = [c.name for c in cast(Table, Ticket.__table__).columns]
_TICKET_FIELDS = {f.name for f in dataclasses.fields(TicketRow)}


async def _seed_one(session: Any, sd: _Seeding, k: int, body: dict[str, Any], at: dt.datetime) -> None:
    """The k-th seeded ticket, created at `at`: what do_create_ticket, SLA start, the routing and
    the triggers would have written."""
    data = TicketCreate.model_validate(body)
    ws, team_id = sd.env["workspace_id"], sd.env["team_id"]
    out, ids = sd.out, sd.ids
    system = Actor.system(ws)
    requester_id = int(data.requester.id or 0)
    ticket = TicketRow(
        id=ids.take("tickets"),
        workspace_id=ws,
        number=sd.number + k + 1,
        subject=data.subject,
        status=data.status,
        priority=data.priority,
        type=data.type,
        requester_id=requester_id,
        assignee_id=None,
        team_id=team_id,
        channel=data.channel,
        custom_fields={},
        version=1,
        created_at=at,
        updated_at=at,
        solved_at=None,
        closed_at=None,
        status_changed_at=at,
    )
    assert data.status == "new" and sla_timers.CLOCK_OF_STATUS[data.status] == sla_timers.RUNNING
    tags = list(data.tags)
    # do_create_ticket: the created line, the description (the requester's first comment), the index
    sd.line(
        ticket,
        system,
        "created",
        at,
        new={
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "requester_id": requester_id,
            "assignee_id": None,
            "team_id": team_id,
            "tags": data.tags,
            "custom_fields": {},
            "channel": ticket.channel,
        },
    )
    requester = Actor(kind="customer", workspace_id=ws, id=requester_id)
    comment_id = ids.take("ticket_comments")
    out.add(
        "ticket_comments",
        {
            "id": comment_id,
            "workspace_id": ws,
            "ticket_id": ticket.id,
            "author_kind": "customer",
            "author_id": requester_id,
            "body": data.description,
            "public": True,
            "via": data.channel,
            "created_at": at,
        },
    )
    sd.line(ticket, requester, "comment", at, comment_id=comment_id, new={"public": True, "attachments": []})
    tokens = index_tokens(ticket.subject + "\n" + data.description)
    out.search(ids.take("search_documents"), ws, SEARCH_KIND, ticket.id, tokens)
    # SLA start: the first matching policy's timers, and the job of each running one's next mark
    policy = next((p for p in sd.policies if matches(p, ticket.channel, tags, [])), None)
    if policy is not None and policy.targets.get(ticket.priority):
        clock = sd.clocks[policy.id]
        for metric in sla_timers.METRICS:
            seconds = target_seconds(policy, ticket.priority, metric)
            if seconds is None:
                continue
            t = new_timer(ticket, policy, metric, seconds, at)
            if metric != "next_reply":  # the next reply is owed only after an agent's reply
                sla_timers.run(t, at, clock)
            t.id = ids.take("ticket_sla_timers")
            out.add("ticket_sla_timers", dataclasses.asdict(t))
            if t.status == sla_timers.RUNNING and t.due_at is not None:  # sla.tracking._plan
                if t.near_at is not None and t.near_at < t.due_at:
                    name, run_at, kind = sla_tracking.NEAR_JOB, t.near_at, "near"
                else:
                    name, run_at, kind = sla_tracking.DUE_JOB, t.due_at, "due"
                out.add(
                    "jobs",
                    {
                        "id": ids.take("jobs"),
                        "workspace_id": ws,
                        "name": name,
                        "payload": {
                            "ticket_id": t.ticket_id,
                            "metric": t.metric,
                            "run": t.run,
                            "due_at": t.due_at.isoformat(),
                        },
                        "status": QUEUED,
                        "attempts": 0,
                        "max_attempts": 8,
                        "run_at": run_at,
                        "locked_by": None,
                        "locked_until": None,
                        "last_error": None,
                        "dedupe_key": sla_tracking._key(t, kind),
                        "created_at": at,
                        "updated_at": at,
                        "finished_at": None,
                    },
                )
    committed = at + dt.timedelta(milliseconds=10)
    created = ticket_events.TicketCreated(
        workspace_id=ws,
        occurred_at=at,
        actor=system.ref,
        ticket_id=ticket.id,
        number=ticket.number,
        requester_id=requester_id,
        assignee_id=None,
        team_id=team_id,
        status=ticket.status,
        priority=ticket.priority,
    )
    sd.event(created, committed)
    # round robin: the next agent of the rotation (everyone has room: see AGENTS, CAPACITY)
    agent_id = sd.order[k % len(sd.order)]
    sd.held[agent_id] = sd.held.get(agent_id, 0) + 1
    assert sd.held[agent_id] < CAPACITY
    routed_at = at + dt.timedelta(milliseconds=2)
    router = Actor(kind="system", workspace_id=ws, name="WowDesk", via="routing:round_robin")
    ticket.assignee_id, ticket.version, ticket.updated_at = agent_id, 2, routed_at
    sd.line(ticket, router, "changed", routed_at, field="assignee_id", old=None, new=agent_id)
    assigned = ticket_events.TicketUpdated(
        workspace_id=ws,
        occurred_at=routed_at,
        actor=router.ref,
        ticket_id=ticket.id,
        changes={"assignee_id": [None, agent_id]},
    )
    sd.event(assigned, committed)
    # the triggers, as engine.react runs them: the engine's compiled rules and facts
    happening = automation_engine.Happening.of([created, assigned])
    happening.seen["ticket.tags"] = frozenset(tags)
    happening.seen["customer"] = sd.env["profiles"][requester_id]
    fired: set[int] = set()
    for _round in range(automation_engine.MAX_ROUNDS):
        waiting = [r for r in sd.triggers if r.id not in fired]
        facts = await automation_engine.facts_for(session, ticket, happening, waiting)
        any_fired = False
        for rule in waiting:
            if not rule.matches(facts):
                continue
            fired.add(rule.id)
            any_fired = True
            fire_at = at + dt.timedelta(milliseconds=4 + len(fired))
            actor = Actor(kind="system", workspace_id=ws, name=rule.name, via=f"automation:{rule.id}")
            changes: dict[str, list[Any]] = {}
            added: list[str] = []
            for effect in rule.effects:  # engine._apply: one ticket update with all of them
                if isinstance(effect, SetField) and effect.field == "type":
                    if effect.value != ticket.type:
                        changes["type"] = [ticket.type, effect.value]
                        ticket.type = str(effect.value)
                elif isinstance(effect, AddTags):
                    added.extend(t for t in effect.tags if t not in tags and t not in added)
                else:  # the bench's rules do only these two (see rules())
                    raise NotImplementedError(f"seeding a rule that does {effect!r}")
            if added:  # do_update_ticket: [the tags as read back (by name), the new list]
                changes["tags"] = [sorted(tags), sorted(tags) + added]
                tags.extend(added)
                chosen = next((p for p in sd.policies if matches(p, ticket.channel, tags, [])), None)
                assert chosen is policy  # the SLA's reconsidering changes nothing
            if changes:
                ticket.version += 1
                ticket.updated_at = fire_at
                for name, (old, new) in changes.items():
                    sd.line(ticket, actor, "changed", fire_at, field=name, old=old, new=new)
                update = ticket_events.TicketUpdated(
                    workspace_id=ws,
                    occurred_at=fire_at,
                    actor=actor.ref,
                    ticket_id=ticket.id,
                    changes=changes,
                )
                sd.event(update, committed)
                happening.absorb([update])
                facts = await automation_engine.facts_for(session, ticket, happening, waiting)
            new = {"id": rule.id, "name": rule.name, "event": happening.name}
            sd.line(ticket, actor, "automation", fire_at, new=new)
        if not any_fired:
            break
    for tag in tags:
        out.add("ticket_tags", {"workspace_id": ws, "ticket_id": ticket.id, "tag": tag})
    out.add("tickets", {c: getattr(ticket, c) for c in _TICKET_COLUMNS if c in _TICKET_FIELDS})


async def seed_tickets(rt: Any, env: dict[str, Any], count: int, rng: random.Random, url: str) -> str:
    """`count` open tickets in bulk (see the module's docstring); returns what was written."""
    ws, team_id = env["workspace_id"], env["team_id"]
    started = dt.datetime.now(dt.UTC)
    async with rt.uow(write=False) as s:
        triggers = [
            r
            for r in await automation_engine.rules(s, ws, "trigger")
            if automation_engine.CREATED in r.events
        ]
        policies = await SlaRepository(s, ws).policies(active_only=True, limit=MAX_POLICIES)
        assert all(not p.customer_tags for p in policies)  # chosen here without reading the requester
        clocks = {p.id: await clock_of(s, p) for p in policies}
        rule = await RoutingRepository(s, ws).rule(team_id)
        assert rule is not None and rule.strategy == "round_robin"
        agents = await accounts.assignable_agent_ids(s, ws, team_id, started, lock=False, availability=None)
        sd = _Seeding(
            env=env,
            out=BulkRows(
                rt.db.dialect,
                [
                    cast(Table, t.__table__)
                    for t in (
                        Ticket,
                        TicketTag,
                        TicketComment,
                        TicketEvent,
                        SlaTimer,
                        Job,
                        eventlog.EventLogEntry,
                    )
                ],
            ),
            ids=_Ids(await next_ids(s, ID_TABLES)),
            triggers=triggers,
            policies=policies,
            clocks=clocks,
            order=rotation(agents, rule.last_agent_id),
            listeners=dict(rt.uow.durable_listeners),
            number=await current_value(s, ws, "ticket"),
            seq=await current_value(s, ws, eventlog.COUNTER),
        )
    first = started - SEED_SPAN
    k = 0
    while k < count:
        async with rt.uow() as s:
            for _ in range(min(SEED_CHUNK, count - k)):
                at = first + SEED_SPAN * ((k + rng.random()) / count)
                await _seed_one(s, sd, k, ticket_body(rng, k, env), at)
                k += 1
            await sd.out.flush(s)
    async with rt.uow() as s:
        await advance(s, ws, "ticket", count)
        await advance(s, ws, eventlog.COUNTER, sd.logged)
        if count:
            await RoutingRepository(s, ws).move_cursor(team_id, sd.order[(count - 1) % len(sd.order)])
        await move_sequences(s, ID_TABLES)
    t0 = time.perf_counter()
    if rt.db.dialect == "postgresql":
        await asyncio.to_thread(pg_execute, url, "VACUUM ANALYZE")  # what autovacuum would have done
    else:
        async with rt.uow() as s:
            await refresh_statistics(s)  # what the server runs at start and every 6 hours
    stats = time.perf_counter() - t0
    written = ", ".join(f"{n:,} {table}" for table, n in sd.out.written.items() if n)
    return f"{written}; statistics {stats:.1f} s"


# -- measuring --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Evaluations:
    """The triggers' time per reaction (without the firings), the firings apart, and what else
    happened inside each reaction: garbage collections, involuntary context switches."""

    ms: list[float] = dataclasses.field(default_factory=list)
    cpu_ms: list[float] = dataclasses.field(default_factory=list)  # this thread's CPU time in them
    firings: list[float] = dataclasses.field(default_factory=list)
    gc_passes: list[int] = dataclasses.field(default_factory=list)
    preempted: list[int] = dataclasses.field(default_factory=list)
    recording: bool = True

    def tail(self, q: float = 0.99) -> tuple[int, int, int]:
        """Of the reactions at or above the q-th percentile: how many, how many had a garbage
        collection inside, how many an involuntary context switch."""
        cut = pct(self.ms, q)
        slow = [i for i, v in enumerate(self.ms) if v >= cut]
        return len(slow), sum(1 for i in slow if self.gc_passes[i]), sum(1 for i in slow if self.preempted[i])


def _switches() -> int:
    """Involuntary context switches of this thread so far (another process took the core)."""
    return resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)).ru_nivcsw


def timed_reactor(rt: Any, record: Evaluations) -> None:
    """Time every reaction that runs the triggers, split in two: the rules' evaluation (loading
    the compiled rules — one query for their cache key —, the facts they test: tags, the
    requester; the 50 predicates) and, separately, each firing (the rule's actions: a ticket
    update, its timeline, events). What the action itself left for the database is written
    first (it would be at commit anyway), so its cost is not counted. Not counted either: calls
    with nothing new to react to (the ticket action's own call after the routing's update already
    ran the reaction, a rule's own action inside a running reaction)."""
    key = ticket_actions.REACTOR
    inner: Callable[..., Awaitable[Any]] = rt.uow.context[key]
    fire = automation_engine.fire
    spent = [0.0, 0.0]  # the firings' wall and CPU time within the current reaction
    collections = [0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collections[0] += 1

    gc.callbacks.append(on_gc)

    async def timed_fire(session: Any, *args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            out = await fire(session, *args, **kwargs)
            await session.flush()  # what the actions left for the database is theirs
            return out
        finally:
            took = time.perf_counter() - t0
            spent[0] += took
            spent[1] += time.thread_time() - c0
            if record.recording:
                record.firings.append(took * 1000)

    def has_news(session: Any, ticket_id: int) -> bool:
        pending = session.info.get(PENDING_EVENTS, [])
        start = int(session.info.get(automation_engine.SEEN, 0))
        return any(getattr(e, "ticket_id", None) == ticket_id for e in pending[start:])

    async def timed(session: Any, ticket: Any) -> Any:
        if session.info.get(automation_engine.REACTING) or not has_news(session, ticket.id):
            return await inner(session, ticket)
        await session.flush()
        spent[0] = spent[1] = 0.0
        gc0, sw0 = collections[0], _switches()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return await inner(session, ticket)
        finally:
            took = (time.perf_counter() - t0 - spent[0]) * 1000
            cpu = (time.thread_time() - c0 - spent[1]) * 1000
            if record.recording:
                record.ms.append(took)
                record.cpu_ms.append(cpu)
                record.gc_passes.append(collections[0] - gc0)
                record.preempted.append(_switches() - sw0)

    automation_engine.fire = timed_fire  # type: ignore[assignment]
    rt.uow.context[key] = timed  # the unit of work hands this context to every action


async def create_tickets(
    rt: Any, env: dict[str, Any], first: int, count: int, rng: random.Random
) -> list[float]:
    """Tickets number `first` … through the actions, one unit of work each; their latencies."""
    actor = Actor.system(env["workspace_id"])
    latencies: list[float] = []
    for n in range(first, first + count):
        data = TicketCreate.model_validate(ticket_body(rng, n, env))
        t0 = time.perf_counter()
        async with rt.uow() as s:
            await ticket_actions.do_create_ticket(s, actor, data)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


async def due_jobs(rt: Any) -> int:
    async with rt.uow(write=False) as s:
        jobs = cast(Table, Job.__table__)
        q = select(func.count()).where(jobs.c.status == QUEUED, jobs.c.run_at <= dt.datetime.now(dt.UTC))
        return int((await s.execute(q)).scalar_one())


async def timer_lag(
    rt: Any, env: dict[str, Any], per_minute: int, minutes: float, label: str
) -> tuple[int, list[float], dict[int, int]]:
    """Start a job runner and let it run what is due already; then create urgent tickets with a
    1-minute first-reply target at a steady rate and time each breach when its event reaches the
    bus."""
    due: dict[int, float] = {}
    fired: dict[int, int] = {}
    lags: list[float] = []

    async def on_event(event: Event) -> None:
        if event.name == "ticket.sla_breached":
            ticket_id = int(event.ticket_id)
            if ticket_id not in due:
                return  # not one of this phase's timers (none other is due: see SEED_SPAN)
            fired[ticket_id] = fired.get(ticket_id, 0) + 1
            due_at = event.due_at
            lags.append(time.time() - due_at.timestamp())

    rt.bus.subscribe(on_event)
    runner = JobRunner(rt.uow, rt.jobs, name="bench-timers")
    await runner.start()
    try:
        t0 = time.perf_counter()
        backlog = await due_jobs(rt)
        left = backlog
        while left and time.perf_counter() - t0 < DRAIN_LIMIT_S:
            await asyncio.sleep(0.5)
            left = await due_jobs(rt)
        print(
            f"[{label}] job runner: {backlog:,} jobs due at its start (the measured tickets' "
            f"notifications) run in {time.perf_counter() - t0:.1f} s, {left} left",
            flush=True,
        )
        actor = Actor.system(env["workspace_id"])
        total = int(per_minute * minutes)
        gap = 60.0 / per_minute
        start = time.perf_counter()
        for n in range(total):
            wait = start + n * gap - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            async with rt.uow() as s:
                t = await ticket_actions.do_create_ticket(
                    s,
                    actor,
                    TicketCreate.model_validate(
                        {
                            "subject": f"Urgent {n}",
                            "requester": {"id": env["customers"][n % len(env["customers"])]},
                            "priority": "urgent",
                            "tags": ["timer"],
                        }
                    ),
                )
                due[t.id] = t.created_at.timestamp() + 60
        deadline = time.perf_counter() + 60 + 30
        while time.perf_counter() < deadline and len(fired) < total:
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a second firing of any timer would show now
    finally:
        await runner.stop()
    return total, lags, fired


async def run(args: argparse.Namespace, url: str, label: str) -> bool:
    rt, data = await started_runtime(url, "wowdesk-bench-sla-")
    ok = True
    try:
        t0 = time.perf_counter()
        env = await setup(rt)
        took = time.perf_counter() - t0
        print(f"[{label}] setup: {AGENTS} agents, {RULES} triggers, {CUSTOMERS} customers in {took:.1f} s")
        rng = random.Random(11)
        t0 = time.perf_counter()
        written = await seed_tickets(rt, env, args.tickets, rng, url)
        print(
            f"[{label}] seeded in bulk: {args.tickets:,} open tickets in {time.perf_counter() - t0:.1f} s "
            f"({written})",
            flush=True,
        )
        # What `wowdesk serve` does once started (main.create_app): what lives as long as the
        # process is frozen out of the collector's walks, and whole-heap collections are rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        record = Evaluations(recording=False)
        timed_reactor(rt, record)
        await create_tickets(rt, env, args.tickets, WARMUP, rng)
        record.recording = True
        t0 = time.perf_counter()
        latencies = await create_tickets(rt, env, args.tickets + WARMUP, args.measure, rng)
        seconds = time.perf_counter() - t0
        rate = args.measure / seconds
        print(
            f"[{label}] {args.measure:,} tickets on top of {args.tickets:,}: {rate:.0f} tickets/s "
            "(create → route → SLA start → 50 triggers, committed), "
            f"one creation p50 {pct(latencies, 0.5):.2f} ms, p99 {pct(latencies, 0.99):.2f} ms, "
            f"max {max(latencies):.1f} ms"
        )
        reactions = record.ms
        r50, r99, rmax = pct(reactions, 0.5), pct(reactions, 0.99), max(reactions)
        print(
            f"[{label}] rule evaluation per event ({len(reactions):,} events, {RULES} rules): "
            f"p50 {r50:.3f} ms, p99 {r99:.3f} ms, max {rmax:.1f} ms (target < {RULE_TARGET_MS} ms)"
        )
        slow, with_gc, preempted = record.tail()
        print(
            f"[{label}]   the slowest 1 % ({slow} events): {with_gc} with a garbage collection inside, "
            f"{preempted} with an involuntary context switch (load average {os.getloadavg()[0]:.2f}); "
            f"this thread's CPU time per event p50 {pct(record.cpu_ms, 0.5):.3f} ms, "
            f"p99 {pct(record.cpu_ms, 0.99):.3f} ms"
        )
        firings = record.firings
        print(
            f"[{label}] a rule firing (its actions: update, timeline, events): {len(firings):,} firings, "
            f"p50 {pct(firings, 0.5):.3f} ms, p99 {pct(firings, 0.99):.3f} ms"
        )
        ok &= r99 < RULE_TARGET_MS
        total, lags, fired = await timer_lag(rt, env, args.timers_per_minute, args.lag_minutes, label)
        twice = sum(1 for n in fired.values() if n > 1)
        worst = max(lags, default=float("nan"))
        print(
            f"[{label}] timers: {total} due at {args.timers_per_minute}/min, "
            f"{len(fired)} fired, {twice} twice; lag p50 {pct(lags, 0.5):.2f} s, "
            f"p99 {pct(lags, 0.99):.2f} s, max {worst:.2f} s (target < {LAG_TARGET_S} s)"
        )
        ok &= len(fired) == total and twice == 0 and bool(lags) and pct(lags, 0.99) < LAG_TARGET_S
    finally:
        await rt.stop()
        shutil.rmtree(data, ignore_errors=True)
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=100_000, help="open tickets seeded in bulk")
    p.add_argument(
        "--measure", type=int, default=5_000, help="tickets created through the actions on top, timed"
    )
    p.add_argument("--timers-per-minute", type=int, default=1_000)
    p.add_argument("--lag-minutes", type=float, default=2.0)
    p.add_argument("--quick", action="store_true", help="5,000 seeded, 1,000 measured, 1 minute of timers")
    p.add_argument(
        "--postgres",
        help="a PostgreSQL server URL (postgresql+asyncpg://…); a database is created and dropped",
    )
    args = p.parse_args()
    if args.quick:
        args.tickets, args.measure, args.lag_minutes = 5_000, 1_000, 1.0
    print("command: " + shlex.join([".venv/bin/python", "bench/sla_automation.py", *sys.argv[1:]]))
    # The SQLite file (~450 MB at 100k) goes with the run.
    with throwaway_database(args.postgres, "wowdesk-bench-sla-db-") as (url, label, pg_versions):
        try:
            upgrade(url)  # outside the event loop: Alembic runs its own
        except Exception as exc:
            print(f"could not set up the database: {exc!r}")
            return 2
        ok = asyncio.run(run(args, url, label))
    for line in machine_lines(pg_versions):
        print(line)
    print("result: " + ("targets met" if ok else "TARGET MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("WOWDESK_LOG_LEVEL", "WARNING")
    sys.exit(main())
