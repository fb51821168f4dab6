"""SLA timers as agents notice them, driven by a frozen clock on a database of its own: due times
counted in a calendar's business hours (Taipei across a weekend and a holiday, London across both
clock changes), paused while the ticket waits on the customer, re-targeted when the priority
changes, breaches and warnings that fire once — also when the job runs twice, two runners race or
the process restarts mid-timer."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.accounts.calendars import actions as calendar_actions
from wowdesk.accounts.calendars.schemas import CalendarCreate
from wowdesk.core.clock import FrozenClock
from wowdesk.core.events import Event
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.schemas import CommentCreate, TicketCreate, TicketUpdate
from wowdesk.tickets.sla import actions as sla_actions
from wowdesk.tickets.sla import jobs as sla_jobs
from wowdesk.tickets.sla import queries as sla_queries
from wowdesk.tickets.sla.schemas import PolicyCreate, TicketSlaOut, TimerOut

TAIPEI, LONDON = ZoneInfo("Asia/Taipei"), ZoneInfo("Europe/London")
UTC = dt.UTC
START = dt.datetime(2026, 10, 5, 1, 0, tzinfo=UTC)


def at(zone: ZoneInfo, *parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]

    async def run_jobs(self) -> int:
        total = 0
        while n := await self.runner.run_once():
            total += n
        return total

    def sla_events(self, ticket_id: int) -> list[tuple[str, str]]:
        return [
            (e.name, e.metric)  # type: ignore[attr-defined]
            for e in self.events
            if e.name.startswith("ticket.sla_") and getattr(e, "ticket_id", None) == ticket_id
        ]


async def _start(url: str, data_dir: Path, clock: FrozenClock, name: str) -> Frozen:
    rt = build_runtime(make_settings(url, data_dir, None), clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    return Frozen(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name=name), events=seen)


@pytest.fixture(scope="module")
def sla_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
def sla_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sla")


@pytest.fixture(scope="module")
async def frozen(sla_db: str, sla_dir: Path) -> AsyncIterator[Frozen]:
    f = await _start(sla_db, sla_dir, FrozenClock(START), "test-sla")
    yield f
    await f.rt.stop()


@pytest.fixture
async def fcast(frozen: Frozen) -> Cast:
    frozen.events.clear()
    return await build_cast(frozen.rt)


# -- helpers ------------------------------------------------------------------------------------------


TAIPEI_OFFICE = {d: ["09:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
LONDON_OFFICE = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


async def calendar(f: Frozen, cast: Cast, **data: Any) -> int:
    async with f.rt.uow() as s:
        row = await calendar_actions.do_create_calendar(
            s, cast.actor("ada"), CalendarCreate.model_validate(data)
        )
        return row.id


async def policy(f: Frozen, cast: Cast, **data: Any) -> int:
    data.setdefault("name", "Standard")
    async with f.rt.uow() as s:
        return (
            await sla_actions.do_create_policy(s, cast.actor("ada"), PolicyCreate.model_validate(data))
        ).id


async def new_ticket(f: Frozen, cast: Cast, **fields: Any) -> int:
    async with f.rt.uow() as s:
        data = TicketCreate.model_validate(
            {
                "subject": "Parcel",
                "description": "Where is it?",
                "requester": {"id": cast.customers["lisa"].id},
                **fields,
            }
        )
        return (await actions.do_create_ticket(s, cast.actor("alice"), data)).id


async def comment(f: Frozen, cast: Cast, ticket_id: int, **data: Any) -> None:
    async with f.rt.uow() as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_add_comment(
            s, actor, ticket, CommentCreate.model_validate({"body": "Hello", **data})
        )


async def update(f: Frozen, cast: Cast, ticket_id: int, **data: Any) -> None:
    async with f.rt.uow() as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_update_ticket(s, actor, ticket, TicketUpdate.model_validate(data))


async def sla(f: Frozen, cast: Cast, ticket_id: int) -> TicketSlaOut:
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("alice")
        return await sla_queries.ticket_sla(s, actor, await queries.get_ticket(s, actor, ticket_id))


async def timers(f: Frozen, cast: Cast, ticket_id: int) -> dict[str, TimerOut]:
    return {t.metric: t for t in (await sla(f, cast, ticket_id)).timers}


async def sla_lines(f: Frozen, cast: Cast, ticket_id: int) -> list[tuple[str, str | None, Any]]:
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("alice")
        lines = await queries.timeline(s, actor, await queries.get_ticket(s, actor, ticket_id))
        return [(e.actor, e.field, e.new["mark"]) for e in lines if e.kind == "sla"]


async def taipei_policy(f: Frozen, cast: Cast, **extra: Any) -> int:
    cal = await calendar(
        f,
        cast,
        name="Taipei team",
        time_zone="Asia/Taipei",
        weekly=TAIPEI_OFFICE,
        holidays=[
            {"date": "2026-10-09", "name": "National Day (observed)"},
            {"date": "01-01", "name": "New Year"},
        ],
    )
    targets = {
        "normal": {"first_reply": 120, "next_reply": 60, "resolution": 960},
        "urgent": {"first_reply": 30},
    }
    return await policy(f, cast, calendar_id=cal, targets=targets, **extra)


# -- business time ------------------------------------------------------------------------------------


async def test_taipei_targets_skip_the_evening_the_holiday_and_the_weekend(
    frozen: Frozen, fcast: Cast
) -> None:
    """Created Thursday 8 October 2026 at 17:00 in Taipei; Friday is the National Day holiday."""
    await taipei_policy(frozen, fcast)
    frozen.clock.set(at(TAIPEI, 2026, 10, 8, 17, 0))
    tid = await new_ticket(frozen, fcast)
    t = await timers(frozen, fcast, tid)
    # 2 business hours: 17:00-18:00 Thursday, then Monday 09:00-10:00.
    assert t["first_reply"].due_at == at(TAIPEI, 2026, 10, 12, 10, 0)
    assert t["first_reply"].state == "running"
    # 16 business hours: 1 on Thursday, 8 on Monday, 7 on Tuesday (09:00-12:00, 13:00-17:00).
    assert t["resolution"].due_at == at(TAIPEI, 2026, 10, 13, 17, 0)
    # The next reply is owed only once an agent has replied and the customer writes again.
    assert t["next_reply"].state == "waiting" and t["next_reply"].due_at is None

    frozen.clock.set(at(TAIPEI, 2026, 10, 12, 9, 30))  # Monday: the description was not a reply
    await comment(frozen, fcast, tid, body="Looking into it", public=False)  # a note is not a reply
    assert (await timers(frozen, fcast, tid))["first_reply"].state == "running"
    await comment(frozen, fcast, tid, body="It is on its way")
    t = await timers(frozen, fcast, tid)
    assert t["first_reply"].state == "fulfilled" and not t["first_reply"].breached
    assert t["first_reply"].business_seconds_used == 90 * 60
    assert t["next_reply"].state == "waiting"  # answered: nothing owed until the customer writes

    frozen.clock.set(at(TAIPEI, 2026, 10, 12, 11, 30))
    await comment(frozen, fcast, tid, body="Thanks, when exactly?", author="requester")
    t = await timers(frozen, fcast, tid)
    # One business hour: 11:30-12:00, lunch, 13:00-13:30.
    assert t["next_reply"].state == "running"
    assert t["next_reply"].due_at == at(TAIPEI, 2026, 10, 12, 13, 30)

    frozen.clock.set(at(TAIPEI, 2026, 10, 12, 13, 0))
    await comment(frozen, fcast, tid, body="Tomorrow")
    assert (await timers(frozen, fcast, tid))["next_reply"].state == "fulfilled"


async def test_london_targets_across_both_clock_changes(frozen: Frozen, fcast: Cast) -> None:
    """09:00-17:00 on weekdays is eight hours whether London is on GMT or BST."""
    cal = await calendar(frozen, fcast, name="London team", time_zone="Europe/London", weekly=LONDON_OFFICE)
    await policy(frozen, fcast, calendar_id=cal, targets={"normal": {"first_reply": 120, "resolution": 600}})

    frozen.clock.set(at(LONDON, 2026, 3, 27, 16, 0))  # Friday, GMT; clocks go forward on Sunday
    spring = await timers(frozen, fcast, await new_ticket(frozen, fcast))
    assert spring["first_reply"].due_at == at(LONDON, 2026, 3, 30, 10, 0)  # Monday 10:00 BST …
    assert spring["first_reply"].due_at == dt.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # … 09:00 UTC
    assert spring["resolution"].due_at == at(LONDON, 2026, 3, 31, 10, 0)  # 1 + 8 + 1 hours

    frozen.clock.set(at(LONDON, 2026, 10, 23, 16, 0))  # Friday, BST; clocks go back on Sunday
    autumn = await timers(frozen, fcast, await new_ticket(frozen, fcast))
    assert autumn["first_reply"].due_at == dt.datetime(2026, 10, 26, 10, 0, tzinfo=UTC)  # 10:00 GMT


async def test_a_policy_without_a_calendar_counts_around_the_clock(frozen: Frozen, fcast: Cast) -> None:
    await policy(frozen, fcast, targets={"high": {"first_reply": 90}})
    frozen.clock.set(dt.datetime(2026, 10, 10, 23, 0, tzinfo=UTC))  # a Saturday night
    tid = await new_ticket(frozen, fcast, priority="high")
    assert (await timers(frozen, fcast, tid))["first_reply"].due_at == dt.datetime(
        2026, 10, 11, 0, 30, tzinfo=UTC
    )
    other = await new_ticket(frozen, fcast, priority="low")  # no target for low: no timers
    assert (await sla(frozen, fcast, other)).timers == []


# -- which policy ------------------------------------------------------------------------------------


async def test_the_first_matching_active_policy_applies(frozen: Frozen, fcast: Cast) -> None:
    async with frozen.rt.uow() as s:
        from wowdesk.customers import actions as customer_actions
        from wowdesk.customers import queries as customer_queries
        from wowdesk.customers.schemas import CustomerUpdate

        john = await customer_queries.get_customer(s, fcast.actor("ada"), fcast.customers["john"].id)
        await customer_actions.do_update_customer(s, fcast.actor("ada"), john, CustomerUpdate(tags=["vip"]))
    targets = {"normal": {"first_reply": 60}}
    await policy(frozen, fcast, name="Off", position=0, active=False, targets={"normal": {"first_reply": 1}})
    vip = await policy(
        frozen, fcast, name="VIP", position=1, customer_tags=["vip"], targets={"normal": {"first_reply": 15}}
    )
    chat = await policy(frozen, fcast, name="Chat", position=2, channels=["chat"], targets=targets)
    tagged = await policy(frozen, fcast, name="Refunds", position=3, ticket_tags=["refund"], targets=targets)
    frozen.clock.set(START)

    def of(out: TicketSlaOut) -> int | None:
        return out.policy.id if out.policy else None

    assert (
        of(
            await sla(
                frozen, fcast, await new_ticket(frozen, fcast, requester={"id": fcast.customers["john"].id})
            )
        )
        == vip
    )
    assert of(await sla(frozen, fcast, await new_ticket(frozen, fcast, channel="chat"))) == chat
    refund = await new_ticket(frozen, fcast, tags=["refund"])
    assert of(await sla(frozen, fcast, refund)) == tagged
    assert of(await sla(frozen, fcast, await new_ticket(frozen, fcast))) is None  # nothing matches

    # Tags change: the policy is chosen again; a ticket that matches none loses its running timers.
    await update(frozen, fcast, refund, tags=["other"])
    assert (await sla(frozen, fcast, refund)).timers == []
    await update(frozen, fcast, refund, add_tags=["refund"])
    assert of(await sla(frozen, fcast, refund)) == tagged


# -- pause, resume, re-target -----------------------------------------------------------------------


async def test_pending_and_on_hold_pause_and_a_customer_reply_resumes(frozen: Frozen, fcast: Cast) -> None:
    await policy(frozen, fcast, targets={"normal": {"first_reply": 60, "resolution": 240}})
    t0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    frozen.clock.set(t0)
    tid = await new_ticket(frozen, fcast, status="open")
    assert (await timers(frozen, fcast, tid))["resolution"].due_at == t0 + dt.timedelta(hours=4)

    frozen.clock.set(t0 + dt.timedelta(minutes=20))
    await update(frozen, fcast, tid, status="pending")
    t = await timers(frozen, fcast, tid)
    assert t["resolution"].state == "paused" and t["resolution"].due_at is None
    assert t["resolution"].business_seconds_used == 20 * 60
    assert t["first_reply"].state == "paused"

    frozen.clock.set(t0 + dt.timedelta(hours=5))  # long past the original due time: paused, no breach
    assert await frozen.run_jobs() >= 0
    assert frozen.sla_events(tid) == []
    await update(frozen, fcast, tid, status="on_hold")  # still paused
    frozen.clock.set(t0 + dt.timedelta(hours=6))
    await comment(frozen, fcast, tid, body="Any news?", author="requester")  # reopens the ticket
    t = await timers(frozen, fcast, tid)
    assert t["resolution"].state == "running"
    assert t["resolution"].due_at == t0 + dt.timedelta(hours=6, minutes=220)  # 4 h minus the 20 min used
    assert t["first_reply"].due_at == t0 + dt.timedelta(hours=6, minutes=40)

    # Solved stops the clock; reopening resumes it with the time used before.
    frozen.clock.set(t0 + dt.timedelta(hours=7))
    await update(frozen, fcast, tid, status="solved")
    t = await timers(frozen, fcast, tid)
    assert t["resolution"].state == "fulfilled" and t["resolution"].business_seconds_used == 80 * 60
    frozen.clock.set(t0 + dt.timedelta(hours=9))
    await update(frozen, fcast, tid, status="open")
    t = await timers(frozen, fcast, tid)
    assert t["resolution"].state == "running"
    assert t["resolution"].due_at == t0 + dt.timedelta(hours=9, minutes=160)
    assert t["first_reply"].state == "fulfilled"  # solving answered it


async def test_a_priority_change_retargets_keeping_the_time_used(frozen: Frozen, fcast: Cast) -> None:
    await taipei_policy(frozen, fcast)
    frozen.clock.set(at(TAIPEI, 2026, 10, 13, 9, 0))  # Tuesday
    tid = await new_ticket(frozen, fcast)
    frozen.clock.set(at(TAIPEI, 2026, 10, 13, 9, 20))
    await update(frozen, fcast, tid, priority="urgent")
    t = await timers(frozen, fcast, tid)
    assert t["first_reply"].target_minutes == 30
    assert t["first_reply"].business_seconds_used == 20 * 60
    assert t["first_reply"].due_at == at(TAIPEI, 2026, 10, 13, 9, 30)
    assert "resolution" not in t  # urgent has no resolution target here
    await update(frozen, fcast, tid, priority="normal")
    t = await timers(frozen, fcast, tid)
    assert t["first_reply"].due_at == at(TAIPEI, 2026, 10, 13, 11, 0)  # 120 min from 09:00
    assert t["resolution"].due_at == at(TAIPEI, 2026, 10, 15, 9, 20)  # 16 h from the change


# -- breaches and warnings --------------------------------------------------------------------------


async def test_near_breach_then_breach_fire_once_each(frozen: Frozen, fcast: Cast) -> None:
    await policy(frozen, fcast, targets={"normal": {"first_reply": 60}}, near_breach_minutes=15)
    t0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    frozen.clock.set(t0)
    tid = await new_ticket(frozen, fcast)

    frozen.clock.set(t0 + dt.timedelta(minutes=44))
    await frozen.run_jobs()
    assert frozen.sla_events(tid) == []
    frozen.clock.set(t0 + dt.timedelta(minutes=45))
    await frozen.run_jobs()
    assert frozen.sla_events(tid) == [("ticket.sla_near_breach", "first_reply")]
    t = (await timers(frozen, fcast, tid))["first_reply"]
    assert t.near_breach and not t.breached and t.state == "running"

    frozen.clock.set(t0 + dt.timedelta(minutes=61))
    await frozen.run_jobs()
    await frozen.run_jobs()
    assert frozen.sla_events(tid) == [
        ("ticket.sla_near_breach", "first_reply"),
        ("ticket.sla_breached", "first_reply"),
    ]
    t = (await timers(frozen, fcast, tid))["first_reply"]
    assert t.state == "breached" and t.breached_at == t0 + dt.timedelta(minutes=60)
    assert t.business_seconds_remaining == -60
    assert await sla_lines(frozen, fcast, tid) == [
        ("system", "first_reply", "near_breach"),
        ("system", "first_reply", "breached"),
    ]
    breach = next(
        e for e in frozen.events if e.name == "ticket.sla_breached" and getattr(e, "ticket_id", 0) == tid
    )
    assert breach.due_at == t0 + dt.timedelta(minutes=60)  # type: ignore[attr-defined]

    # The same job run again (a retry, a duplicate) changes nothing.
    payload = {
        "ticket_id": tid,
        "metric": "first_reply",
        "run": 1,
        "due_at": (t0 + dt.timedelta(minutes=60)).isoformat(),
    }
    for _ in range(2):
        async with frozen.rt.uow() as s:
            await sla_jobs.fire_mark(s, _job(fcast, sla_jobs.JOBS[1].name, payload, frozen.clock.now()))
    assert len(frozen.sla_events(tid)) == 2
    # A late reply fulfils the timer; it stays marked as breached.
    await comment(frozen, fcast, tid, body="Sorry for the wait")
    t = (await timers(frozen, fcast, tid))["first_reply"]
    assert t.state == "fulfilled" and t.breached


def _job(cast: Cast, name: str, payload: dict[str, Any], now: dt.datetime) -> Any:
    from wowdesk.core.jobs.registry import JobContext

    return JobContext(id=0, name=name, workspace_id=cast.workspace_id, payload=payload, attempt=1, now=now)


async def test_two_runners_racing_mark_a_breach_once(frozen: Frozen, fcast: Cast) -> None:
    await policy(frozen, fcast, targets={"normal": {"first_reply": 10}}, near_breach_minutes=0)
    t0 = dt.datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
    frozen.clock.set(t0)
    tid = await new_ticket(frozen, fcast)
    frozen.clock.set(t0 + dt.timedelta(minutes=11))
    payload = {
        "ticket_id": tid,
        "metric": "first_reply",
        "run": 1,
        "due_at": (t0 + dt.timedelta(minutes=10)).isoformat(),
    }

    async def fire() -> None:
        async with frozen.rt.uow() as s:
            await sla_jobs.fire_mark(s, _job(fcast, "tickets.sla_due", payload, frozen.clock.now()))

    other = JobRunner(frozen.rt.uow, frozen.rt.jobs, name="test-sla-2")
    await asyncio.gather(fire(), fire(), frozen.runner.run_once(), other.run_once())
    assert frozen.sla_events(tid) == [("ticket.sla_breached", "first_reply")]
    assert await sla_lines(frozen, fcast, tid) == [("system", "first_reply", "breached")]


async def test_a_reply_after_due_with_no_runner_still_records_the_breach(frozen: Frozen, fcast: Cast) -> None:
    await policy(frozen, fcast, targets={"normal": {"first_reply": 30}})
    t0 = dt.datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
    frozen.clock.set(t0)
    tid = await new_ticket(frozen, fcast)
    frozen.clock.set(t0 + dt.timedelta(hours=1))
    await comment(frozen, fcast, tid, body="Late")  # no job ran in between
    t = (await timers(frozen, fcast, tid))["first_reply"]
    assert t.state == "fulfilled" and t.breached and t.breached_at == t0 + dt.timedelta(minutes=30)
    assert [n for n, _m in frozen.sla_events(tid)] == ["ticket.sla_near_breach", "ticket.sla_breached"]
    await frozen.run_jobs()  # the planned jobs find the run over
    assert len(frozen.sla_events(tid)) == 2


async def test_a_timer_fires_once_after_a_restart_mid_timer(
    frozen: Frozen, fcast: Cast, sla_db: str, sla_dir: Path
) -> None:
    await policy(frozen, fcast, targets={"normal": {"resolution": 120}}, near_breach_minutes=0)
    t0 = dt.datetime(2026, 11, 6, 8, 0, tzinfo=UTC)
    frozen.clock.set(t0)
    tid = await new_ticket(frozen, fcast)
    frozen.clock.set(t0 + dt.timedelta(minutes=30))
    await frozen.run_jobs()

    # The process goes away mid-timer; a new one starts on the same database after the due time.
    clock = FrozenClock(t0 + dt.timedelta(hours=3))
    second = await _start(sla_db, sla_dir, clock, "test-sla-restarted")
    try:
        await second.run_jobs()
        await second.run_jobs()
        assert second.sla_events(tid) == [("ticket.sla_breached", "resolution")]
        async with second.rt.uow(write=False) as s:
            actor = fcast.actor("alice")
            out = await sla_queries.ticket_sla(s, actor, await queries.get_ticket(s, actor, tid))
        assert out.timers[0].breached_at == t0 + dt.timedelta(hours=2)
    finally:
        await second.rt.stop()
    await frozen.run_jobs()  # the first process, still around, does not fire it again
    assert frozen.sla_events(tid) == []
