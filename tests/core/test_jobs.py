"""The job outbox and its runner, on a database of this module's own (no other runner takes its
jobs) with a frozen clock, driven one round at a time with ``run_once()``.

Effects are rows in a test table written by the handlers in the job's own unit of work, so "ran
exactly once" means "one row", whatever happened to runners on the way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Cast, Databases, LiveServer, assert_problem, build_cast, make_settings
from tests.core.conftest import eventually
from wowdesk.core.clock import FrozenClock
from wowdesk.core.jobs.models import DEAD, DONE, QUEUED, RUNNING, Job
from wowdesk.core.jobs.registry import JobContext, JobRegistry, JobSpec, enqueue
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.core.uow import JOBS_TOPIC
from wowdesk.customers import actions as customer_actions
from wowdesk.customers import queries as customer_queries
from wowdesk.customers.schemas import RequesterIn
from wowdesk.main import build_runtime
from wowdesk.settings import Settings
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets.models import Ticket
from wowdesk.tickets.schemas import TicketCreate

# The clock starts an hour ahead of the wall clock, so a job the live server (wall clock) re-queues
# "now" is already due for the runners here.
START = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)

Handler = Callable[[AsyncSession, JobContext], Awaitable[None]]


@pytest.fixture(scope="module")
def jobs_settings(
    databases: Databases, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return make_settings(
        databases.new(), tmp_path_factory.mktemp("jobs"), bus_redis_url, run_jobs_in_process=False
    )


@pytest.fixture(scope="module")
async def jrt(jobs_settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(jobs_settings, clock=FrozenClock(START))
    await rt.start(run_jobs=False)
    async with rt.uow() as s:
        await s.execute(
            text(
                "CREATE TABLE job_effects"
                " (tag VARCHAR(60) NOT NULL, job_id BIGINT NOT NULL, attempt INT NOT NULL)"
            )
        )
    yield rt
    await rt.stop()


@pytest.fixture(autouse=True)
async def _empty_outbox(jrt: Runtime) -> None:
    async with jrt.uow() as s:
        await s.execute(delete(Job))
        await s.execute(text("DELETE FROM job_effects"))


@pytest.fixture(scope="module")
def jobs_live(jobs_settings: Settings, jrt: Runtime) -> Iterator[LiveServer]:
    server = LiveServer(jobs_settings).start()
    yield server
    server.stop()


def clock(rt: Runtime) -> FrozenClock:
    assert isinstance(rt.clock, FrozenClock)
    return rt.clock


def effect(tag: str) -> Handler:
    async def handler(session: AsyncSession, job: JobContext) -> None:
        await session.execute(
            text("INSERT INTO job_effects (tag, job_id, attempt) VALUES (:t, :j, :a)"),
            {"t": tag, "j": job.id, "a": job.attempt},
        )

    return handler


async def effects(rt: Runtime, tag: str) -> list[tuple[int, int]]:
    async with rt.uow(write=False) as s:
        rows = await s.execute(
            text("SELECT job_id, attempt FROM job_effects WHERE tag = :t ORDER BY job_id, attempt"),
            {"t": tag},
        )
        return [(int(j), int(a)) for j, a in rows.all()]


async def jobs_named(rt: Runtime, name: str) -> list[Job]:
    async with rt.uow(write=False) as s:
        return list((await s.execute(select(Job).where(Job.name == name).order_by(Job.id))).scalars())


async def one_job(rt: Runtime, name: str) -> Job:
    [job] = await jobs_named(rt, name)
    return job


async def put(rt: Runtime, name: str, workspace_id: int | None = None, **kw: object) -> None:
    async with rt.uow() as s:
        await enqueue(s, name, {"hello": "世界"}, workspace_id=workspace_id, **kw)  # type: ignore[arg-type]


def runner(rt: Runtime, *specs: JobSpec, lease: int = 60, batch: int = 20) -> JobRunner:
    return JobRunner(rt.uow, JobRegistry(list(specs)), lease_seconds=lease, batch_size=batch)


# -- the happy path -----------------------------------------------------------------------------------------


async def test_a_job_runs_once_and_is_done(jrt: Runtime) -> None:
    r = runner(jrt, JobSpec(name="t.once", handler=effect("once")))
    await put(jrt, "t.once")
    assert await r.run_once() == 1
    assert await r.run_once() == 0
    job = await one_job(jrt, "t.once")
    assert (job.status, job.attempts, job.finished_at, job.locked_by) == (DONE, 1, clock(jrt).now(), None)
    assert await effects(jrt, "once") == [(job.id, 1)]


async def test_due_jobs_wake_runners_only_after_commit(jrt: Runtime) -> None:
    signals: list[int] = []
    jrt.bus.on_signal(JOBS_TOPIC, lambda: signals.append(1))
    await put(jrt, "t.wake")  # over Redis, earlier tests' wake-ups arrive before this one's
    await eventually(lambda: signals, what="the first wake-up signal")
    signals.clear()

    async def rolled_back() -> None:
        async with jrt.uow() as s:
            await enqueue(s, "t.wake", workspace_id=None)
            raise LookupError

    with pytest.raises(LookupError):
        await rolled_back()
    await put(jrt, "t.wake", run_at=clock(jrt).now() + dt.timedelta(hours=2))  # not due: no wake-up
    await put(jrt, "t.wake")  # due: one wake-up (anything sent before it arrives before it)
    await eventually(lambda: signals, what="the wake-up signal")
    assert len(signals) == 1
    assert len(await jobs_named(jrt, "t.wake")) == 3


async def test_dedupe_key_makes_one_job(jrt: Runtime) -> None:
    await put(jrt, "t.dedupe", dedupe_key="order-42:refund")
    await put(jrt, "t.dedupe", dedupe_key="order-42:refund")
    async with jrt.uow() as s:
        for _ in range(2):
            await enqueue(s, "t.dedupe", workspace_id=None, dedupe_key="order-42:refund")
    assert len(await jobs_named(jrt, "t.dedupe")) == 1
    r = runner(jrt, JobSpec(name="t.dedupe", handler=effect("dedupe")))
    assert await r.run_once() == 1
    await put(jrt, "t.dedupe", dedupe_key="order-42:refund")  # the done row still holds the key
    assert await r.run_once() == 0
    assert len(await effects(jrt, "dedupe")) == 1


async def test_unknown_job_is_dead_with_a_clear_error(jrt: Runtime) -> None:
    await put(jrt, "t.nobody.listens")
    assert await runner(jrt).run_once() == 1
    job = await one_job(jrt, "t.nobody.listens")
    assert (job.status, job.attempts) == (DEAD, 1)
    assert job.last_error == "LookupError: no handler registered for job 't.nobody.listens'"


# -- failures -----------------------------------------------------------------------------------------------


async def test_failing_job_backs_off_dies_and_an_admin_retries_it(
    jrt: Runtime, jobs_live: LiveServer
) -> None:
    cast = await build_cast(jrt)
    broken = True

    async def flaky(session: AsyncSession, job: JobContext) -> None:
        if broken:
            raise RuntimeError("carrier API said no")
        await effect("flaky")(session, job)

    spec = JobSpec(name="t.flaky", handler=flaky, max_attempts=3, backoff_base=10)
    r = runner(jrt, spec)
    await put(jrt, "t.flaky", cast.workspace_id)  # the row says 8 attempts; the spec says 3
    delays = []
    for attempt in (1, 2):
        assert await r.run_once() == 1
        job = await one_job(jrt, "t.flaky")
        assert (job.status, job.attempts) == (QUEUED, attempt)
        assert job.last_error == "RuntimeError: carrier API said no"
        delays.append((job.run_at - clock(jrt).now()).total_seconds())
        assert await r.run_once() == 0, "a failed job ran again before its backoff ended"
        clock(jrt).set(job.run_at)
    assert 7.5 <= delays[0] <= 12.5 and 15 <= delays[1] <= 25, delays  # 10s, then 20s, ±25% jitter
    assert await r.run_once() == 1
    job = await one_job(jrt, "t.flaky")
    assert (job.status, job.attempts, job.finished_at) == (DEAD, 3, clock(jrt).now())
    assert await r.run_once() == 0

    with _client(jobs_live, cast, "ada") as admin, _client(jobs_live, cast, "alice") as agent:
        listed = admin.get("/api/v1/jobs", params={"status": "dead"})
        assert listed.status_code == 200, listed.text
        assert [(j["id"], j["name"], j["attempts"], j["last_error"]) for j in listed.json()] == [
            (job.id, "t.flaky", 3, "RuntimeError: carrier API said no")
        ]
        assert admin.get("/api/v1/jobs", params={"status": "done"}).json() == []
        assert_problem(agent.get("/api/v1/jobs", params={"status": "dead"}), 403)
        assert_problem(agent.post(f"/api/v1/jobs/{job.id}/retry"), 403)
        retried = admin.post(f"/api/v1/jobs/{job.id}/retry")
        assert retried.status_code == 200, retried.text
        assert (retried.json()["status"], retried.json()["attempts"]) == ("queued", 0)
        assert_problem(admin.post(f"/api/v1/jobs/{job.id}/retry"), 409)  # only dead jobs

        broken = False
        assert await r.run_once() == 1
        job = await one_job(jrt, "t.flaky")
        assert (job.status, job.attempts) == (DONE, 1)
        assert await effects(jrt, "flaky") == [(job.id, 1)]
        assert [j["id"] for j in admin.get("/api/v1/jobs", params={"status": "done"}).json()] == [job.id]


def _client(server: LiveServer, cast: Cast, who: str) -> httpx.Client:
    agent = cast.agents[who]
    token, _ = cast.rt.signer.issue(  # signed on the wall clock, which the server checks against
        user_id=agent.id,
        workspace_id=agent.workspace_id,
        version=agent.token_version,
        now=dt.datetime.now(dt.UTC),
    )
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def test_periodic_job_requeues_itself(jrt: Runtime) -> None:
    spec = JobSpec(name="t.tick", handler=effect("tick"), every=dt.timedelta(hours=1))
    r = runner(jrt, spec)
    await r.ensure_periodic()
    await runner(jrt, spec).ensure_periodic()  # a second runner (or a restart) adds no second row
    start = clock(jrt).now()
    assert await r.run_once() == 1
    job = await one_job(jrt, "t.tick")
    assert (job.status, job.attempts, job.run_at) == (QUEUED, 0, start + dt.timedelta(hours=1))
    assert await r.run_once() == 0
    clock(jrt).advance(dt.timedelta(minutes=59))
    assert await r.run_once() == 0
    clock(jrt).advance(dt.timedelta(minutes=1))
    assert await r.run_once() == 1
    assert [a for _j, a in await effects(jrt, "tick")] == [1, 1]
    assert len(await jobs_named(jrt, "t.tick")) == 1


# -- runners that die or stall ------------------------------------------------------------------------------


async def test_a_crashed_runners_job_is_taken_again_after_its_lease(jrt: Runtime) -> None:
    entered = asyncio.Event()

    async def slow_first_time(session: AsyncSession, job: JobContext) -> None:
        await effect("crash")(session, job)
        if job.attempt == 1:
            entered.set()
            await asyncio.Event().wait()  # hangs until the "crash" (cancellation) below

    spec = JobSpec(name="t.crash", handler=slow_first_time)
    first, second = runner(jrt, spec, lease=60), runner(jrt, spec, lease=60)
    await put(jrt, "t.crash")
    task = asyncio.create_task(first.run_once())
    await asyncio.wait_for(entered.wait(), 10)
    task.cancel()  # the process dies mid-job: its transaction never commits, the lease stays
    with pytest.raises(asyncio.CancelledError):
        await task
    job = await one_job(jrt, "t.crash")
    assert (job.status, job.locked_by, job.attempts) == (RUNNING, first.worker, 1)
    assert job.locked_until == clock(jrt).now() + dt.timedelta(seconds=60)
    assert await second.run_once() == 0, "a leased job was taken before its lease ran out"
    clock(jrt).advance(dt.timedelta(seconds=61))
    assert await second.run_once() == 1
    job = await one_job(jrt, "t.crash")
    assert (job.status, job.attempts, job.locked_by) == (DONE, 2, None)
    assert await effects(jrt, "crash") == [(job.id, 2)]


async def test_a_runner_that_lost_its_lease_rolls_its_effects_back(jrt: Runtime) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    async def stalls_first_time(session: AsyncSession, job: JobContext) -> None:
        if job.attempt == 1:
            entered.set()
            await gate.wait()
        await effect("stall")(session, job)

    spec = JobSpec(name="t.stall", handler=stalls_first_time)
    slow, fast = runner(jrt, spec, lease=30), runner(jrt, spec, lease=30)
    await put(jrt, "t.stall")
    task = asyncio.create_task(slow.run_once())
    await asyncio.wait_for(entered.wait(), 10)
    clock(jrt).advance(dt.timedelta(seconds=31))
    assert await fast.run_once() == 1  # the lease ran out: another runner takes the job and finishes it
    gate.set()
    assert await asyncio.wait_for(task, 10) == 1  # the stalled runner wakes up, finds it lost the lease
    job = await one_job(jrt, "t.stall")
    assert (job.status, job.attempts) == (DONE, 2)
    assert await effects(jrt, "stall") == [(job.id, 2)]


async def test_two_runners_racing_run_each_of_200_jobs_once(jrt: Runtime, jobs_settings: Settings) -> None:
    async def counted(session: AsyncSession, job: JobContext) -> None:
        await asyncio.sleep(0)  # let the other runner interleave
        await effect("race")(session, job)

    other = build_runtime(jobs_settings, clock=jrt.clock)  # a second "process": its own engine and pool
    await other.start(run_jobs=False)
    try:
        async with jrt.uow() as s:
            for i in range(200):
                await enqueue(s, "t.race", {"i": i}, workspace_id=None)
        spec = JobSpec(name="t.race", handler=counted)
        # Small batches: the runners claim often, so their claims collide (and must skip each other's).
        runners = [JobRunner(rt.uow, JobRegistry([spec]), batch_size=2) for rt in (jrt, other)]

        async def drain(r: JobRunner) -> int:
            ran = 0
            while n := await r.run_once():
                ran += n
            return ran

        ran = await asyncio.wait_for(asyncio.gather(*(drain(r) for r in runners)), 60)
    finally:
        await other.stop()
    assert sum(ran) == 200, ran
    done = await effects(jrt, "race")
    assert len(done) == 200 and len({j for j, _a in done}) == 200
    async with jrt.uow(write=False) as s:
        rows = await s.execute(
            select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)
        )
        assert rows.all() == [(DONE, 1, 200)]


# -- a durable listener, end to end -------------------------------------------------------------------------


async def test_customer_merge_job_moves_the_tickets(jrt: Runtime) -> None:
    cast = await build_cast(jrt)
    lisa, wang = cast.customers["lisa"], cast.customers["wang"]
    async with jrt.uow() as s:
        ticket = await ticket_actions.do_create_ticket(
            s, cast.actor("alice"), TicketCreate(subject="退款", requester=RequesterIn(id=wang.id))
        )
    async with jrt.uow() as s:
        sam = cast.actor("sam")
        await customer_actions.do_merge_customers(
            s,
            sam,
            await customer_queries.get_customer(s, sam, lisa.id),
            await customer_queries.get_customer(s, sam, wang.id),
        )
    r = JobRunner(jrt.uow, jrt.jobs)
    assert await r.run_once() == 1
    job = await one_job(jrt, "tickets.on_customer_merged")
    assert job.status == DONE, job.last_error
    async with jrt.uow(write=False) as s:
        moved = await s.get(Ticket, ticket.id)
        assert moved is not None and moved.requester_id == lisa.id
