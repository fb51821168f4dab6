"""What automations do later, against a frozen clock on a database of their own: time-based rules
("pending for 3 business days → remind; 7 → solve") fire once per state of a ticket, in business
time; webhooks are signed, retried against a real HTTP receiver on 127.0.0.1 until it takes them,
and carry one delivery id across the retries."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.accounts.calendars import actions as calendar_actions
from wowdesk.accounts.calendars.schemas import CalendarCreate
from wowdesk.core.clock import FrozenClock
from wowdesk.core.jobs.repository import JobRepository
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.automations import actions as rules
from wowdesk.tickets.automations import schedules, webhooks
from wowdesk.tickets.automations.jobs import SCHEDULE_EVERY
from wowdesk.tickets.automations.schemas import AutomationCreate
from wowdesk.tickets.schemas import TicketCreate, TicketUpdate
from wowdesk.tickets.sla import actions as sla_actions
from wowdesk.tickets.sla.schemas import PolicyCreate

# A Monday morning in Taipei (01:00 UTC = 09:00 +08:00).
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner


@pytest.fixture(scope="module")
def frozen_db(databases: Databases) -> str:
    return databases.new()  # migrates it (outside the event loop)


@pytest.fixture(scope="module")
async def frozen(frozen_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    clock = FrozenClock(START)
    settings = make_settings(frozen_db, tmp_path_factory.mktemp("automations"), None)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    yield Frozen(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name="test-automations"))
    await rt.stop()


@pytest.fixture
async def fcast(frozen: Frozen) -> Cast:
    return await build_cast(frozen.rt)


async def new_rule(f: Frozen, cast: Cast, **body: Any) -> int:
    async with f.rt.uow() as s:
        rule = await rules.do_create_automation(s, cast.actor("ada"), AutomationCreate.model_validate(body))
        return rule.id


async def new_ticket(f: Frozen, cast: Cast, **fields: Any) -> int:
    async with f.rt.uow() as s:
        data = TicketCreate.model_validate(
            {"subject": "Parcel", "requester": {"id": cast.customers["lisa"].id}, **fields}
        )
        return (await actions.do_create_ticket(s, cast.actor("alice"), data)).id


async def change(f: Frozen, cast: Cast, ticket_id: int, **fields: Any) -> None:
    async with f.rt.uow() as s:
        ticket = await queries.get_ticket(s, cast.actor("alice"), ticket_id, for_update=True)
        await actions.do_update_ticket(s, cast.actor("alice"), ticket, TicketUpdate.model_validate(fields))


async def seen(f: Frozen, cast: Cast, ticket_id: int) -> tuple[str, list[str], list[str]]:
    """(status, public replies, names of the rules that fired) of a ticket."""
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id)
        lines = await queries.timeline(s, actor, ticket)
        replies = [c.body for c in await queries.list_comments(s, actor, ticket) if c.public]
        return ticket.status, replies, [e.new["name"] for e in lines if e.kind == "automation"]


async def run_schedules(f: Frozen, cast: Cast) -> int:
    async with f.rt.uow() as s:
        return await schedules.run_workspace(s, cast.workspace_id, f.clock.now())


# -- time-based rules -------------------------------------------------------------------------------------


async def test_pending_for_business_days_reminds_then_solves(frozen: Frozen, fcast: Cast) -> None:
    """On a Taipei calendar (Mon-Fri 09:00-18:00), "pending for 27 business hours" (3 days) sends a
    reminder once, and "pending for 63 business hours" (7 days) solves the ticket. A weekend does
    not count; a customer making the ticket open again starts the count over."""
    async with frozen.rt.uow() as s:
        taipei = await calendar_actions.do_create_calendar(
            s,
            fcast.actor("ada"),
            CalendarCreate.model_validate(
                {
                    "name": "Taipei",
                    "time_zone": "Asia/Taipei",
                    "weekly": {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
                }
            ),
        )
    pending = {"field": "ticket.status", "op": "is", "value": "pending"}
    await new_rule(
        frozen,
        fcast,
        name="remind",
        kind="schedule",
        conditions={
            "all": [
                pending,
                {"field": "hours_since.status_changed", "op": "gte", "value": 27, "calendar_id": taipei.id},
            ]
        },
        actions=[
            {
                "type": "reply",
                "body": {"en": "Still need help?", "zh-Hant": "{{ customer.name }}，還需要協助嗎？"},
            }
        ],
    )
    await new_rule(
        frozen,
        fcast,
        name="solve",
        kind="schedule",
        position=1,
        conditions={
            "all": [
                pending,
                {"field": "hours_since.status_changed", "op": "gte", "value": 63, "calendar_id": taipei.id},
            ]
        },
        actions=[{"type": "set", "field": "status", "value": "solved"}],
    )
    frozen.clock.set(START)
    tid = await new_ticket(frozen, fcast, status="open")
    await change(frozen, fcast, tid, status="pending")

    frozen.clock.set(START + dt.timedelta(days=2, hours=8))  # Wednesday 17:00: 26 business hours
    assert await run_schedules(frozen, fcast) == 0
    frozen.clock.set(START + dt.timedelta(days=3))  # Thursday 09:00: 27
    assert await run_schedules(frozen, fcast) == 1
    assert await run_schedules(frozen, fcast) == 0  # once per pending spell
    status, replies, names = await seen(frozen, fcast, tid)
    assert (status, names) == ("pending", ["remind"])
    assert replies == ["張雅婷 Lisa，還需要協助嗎？"]  # the requester's language, placeholders filled

    # Next Monday 09:00 is 45 business hours (the weekend does not count); Wednesday 18:00 is 63.
    frozen.clock.set(START + dt.timedelta(days=7))
    assert await run_schedules(frozen, fcast) == 0
    frozen.clock.set(START + dt.timedelta(days=9, hours=9))
    assert await run_schedules(frozen, fcast) == 1
    assert (await seen(frozen, fcast, tid))[::2] == ("solved", ["remind", "solve"])

    # A ticket that went back to open and pending again counts from its new pending spell.
    other = await new_ticket(frozen, fcast, status="pending")
    frozen.clock.advance(dt.timedelta(days=2, hours=1))  # Friday 10:00 → 19 business hours later
    await change(frozen, fcast, other, status="open")
    await change(frozen, fcast, other, status="pending")
    frozen.clock.advance(dt.timedelta(days=3))  # Monday 10:00: 9 business hours into the new spell
    assert await run_schedules(frozen, fcast) == 0


async def test_the_periodic_job_runs_time_based_rules(frozen: Frozen, fcast: Cast) -> None:
    await new_rule(
        frozen,
        fcast,
        name="stale",
        kind="schedule",
        conditions={"all": [{"field": "hours_since.updated", "op": "gt", "value": 48}]},
        actions=[{"type": "add_tags", "tags": ["stale"]}],
    )
    tid = await new_ticket(frozen, fcast, status="open")
    await frozen.runner.ensure_periodic()
    frozen.clock.advance(dt.timedelta(hours=49) + SCHEDULE_EVERY)
    while await frozen.runner.run_once():
        pass
    async with frozen.rt.uow(write=False) as s:
        ticket = await queries.get_ticket(s, fcast.actor("alice"), tid)
        assert (await queries.describe_ticket(s, fcast.workspace_id, ticket)).tags == ["stale"]


# -- webhooks -----------------------------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    answers: list[int]
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver(url="", answers=[])

    async def take(request: web.Request) -> web.Response:
        box.got.append((dict(request.headers), await request.read()))
        return web.Response(status=box.answers.pop(0) if box.answers else 200)

    app = web.Application()
    app.router.add_post("/hook", take)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    box.url = f"http://127.0.0.1:{port}/hook"
    yield box
    await runner.cleanup()


async def test_a_webhook_is_signed_and_retried_until_the_receiver_takes_it(
    frozen: Frozen, fcast: Cast, receiver: Receiver
) -> None:
    receiver.answers = [500, 503]
    rule_id = await new_rule(
        frozen,
        fcast,
        name="tell the warehouse",
        events=["ticket.created"],
        conditions={"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]},
        actions=[{"type": "webhook", "url": receiver.url}],
    )
    await new_ticket(frozen, fcast, priority="normal")
    tid = await new_ticket(frozen, fcast, priority="urgent")
    await frozen.runner.run_once()
    assert len(receiver.got) == 1  # the first attempt was refused (500) …
    await frozen.runner.run_once()
    assert len(receiver.got) == 1  # … and is not retried before its backoff
    for _ in range(2):
        frozen.clock.advance(dt.timedelta(minutes=2))
        await frozen.runner.run_once()
    assert len(receiver.got) == 3  # 500, 503, then 200
    frozen.clock.advance(dt.timedelta(hours=1))
    await frozen.runner.run_once()
    assert len(receiver.got) == 3  # delivered: never again

    async with frozen.rt.uow(write=False) as s:
        secret = (await rules.AutomationsRepository(s, fcast.workspace_id).rule(rule_id)).signing_secret  # type: ignore[union-attr]
    deliveries = {h["WowDesk-Delivery"] for h, _ in receiver.got}
    assert len(deliveries) == 1  # one delivery, three attempts
    for headers, body in receiver.got:
        stamp = int(headers["WowDesk-Signature"].split(",")[0].removeprefix("t="))
        assert webhooks.verify(secret, headers["WowDesk-Signature"], body, now=stamp)
        assert not webhooks.verify("another secret", headers["WowDesk-Signature"], body, now=stamp)
        assert not webhooks.verify(secret, headers["WowDesk-Signature"], body + b" ", now=stamp)
        assert headers["WowDesk-Event"] == "ticket.created"
    payload = json.loads(receiver.got[-1][1])
    assert payload["ticket"]["id"] == tid and payload["automation"]["name"] == "tell the warehouse"


async def test_a_receiver_that_never_answers_leaves_a_dead_job_with_the_reason(
    frozen: Frozen, fcast: Cast
) -> None:
    await new_rule(
        frozen,
        fcast,
        name="nowhere",
        events=["ticket.created"],
        actions=[{"type": "webhook", "url": "http://127.0.0.1:9/unreachable"}],
    )
    await new_ticket(frozen, fcast)
    for _ in range(9):
        await frozen.runner.run_once()
        frozen.clock.advance(dt.timedelta(hours=2))
    async with frozen.rt.uow(write=False) as s:
        dead = await JobRepository(s).list_for_workspace(
            fcast.workspace_id, status="dead", before_id=None, limit=50
        )
    mine = [
        j for j in dead if j.workspace_id == fcast.workspace_id and j.name == "tickets.automation_webhook"
    ]
    assert len(mine) == 1 and mine[0].attempts == 8 and "127.0.0.1:9" in (mine[0].last_error or "")


# -- SLA events -------------------------------------------------------------------------------------------


async def test_an_sla_breach_escalates_through_a_trigger_once(frozen: Frozen, fcast: Cast) -> None:
    """ "First reply breached → urgent, tag sla-missed": the due job marks the breach and the rule
    acts on it in the same unit of work; running the jobs again changes nothing."""
    async with frozen.rt.uow() as s:
        await sla_actions.do_create_policy(
            s,
            fcast.actor("ada"),
            PolicyCreate.model_validate(
                {"name": "Chat", "ticket_tags": ["sla-test"], "targets": {"normal": {"first_reply": 60}}}
            ),
        )
    await new_rule(
        frozen,
        fcast,
        name="escalate",
        events=["ticket.sla_breached"],
        conditions={"all": [{"field": "sla.metric", "op": "is", "value": "first_reply"}]},
        actions=[
            {"type": "set", "field": "priority", "value": "urgent"},
            {"type": "add_tags", "tags": ["sla-missed"]},
        ],
    )
    tid = await new_ticket(frozen, fcast, tags=["sla-test"])
    frozen.clock.advance(dt.timedelta(minutes=59))
    while await frozen.runner.run_once():
        pass
    frozen.clock.advance(dt.timedelta(minutes=2))
    while await frozen.runner.run_once():
        pass
    frozen.clock.advance(dt.timedelta(hours=1))
    while await frozen.runner.run_once():
        pass
    async with frozen.rt.uow(write=False) as s:
        ticket = await queries.get_ticket(s, fcast.actor("alice"), tid)
        out = await queries.describe_ticket(s, fcast.workspace_id, ticket)
    assert (out.priority, sorted(out.tags)) == ("urgent", ["sla-missed", "sla-test"])
    assert (await seen(frozen, fcast, tid))[2] == ["escalate"]
