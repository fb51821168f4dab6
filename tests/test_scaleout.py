"""Scale-out: two `wowdesk serve` processes without in-process jobs and `wowdesk worker` processes,
all on one PostgreSQL database and one Redis prefix.

A customer merge through server A is finished by the worker (the durable listener job moves the
tickets) and shows through server B. A worker killed with SIGKILL while a slow job holds its lease
leaves the job to the next worker once the lease runs out, and the job's effects happen once.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.conftest import Cast, Databases, build_cast, make_settings
from tests.test_cli import Proc, Wowdesk, free_port, wait_for, wowdesk_env
from wowdesk.core.jobs.models import DONE, RUNNING, Job
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime

pytestmark = pytest.mark.postgres_only  # several processes on one database: PostgreSQL + Redis

LEASE_SECONDS = 5


class Cluster:
    def __init__(self, wowdesk: Wowdesk, a: Proc, b: Proc) -> None:
        self.wowdesk, self.a, self.b = wowdesk, a, b


@pytest.fixture(scope="module")
def cluster_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
def cluster(
    cluster_db: str, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("scaleout")
    env = wowdesk_env(
        cluster_db,
        home / "data",
        bus_redis_url,
        WOWDESK_RUN_JOBS_IN_PROCESS="false",
        WOWDESK_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    w = Wowdesk(env, home)
    try:
        a = w.start("serve", port=free_port())
        b = w.start("serve", port=free_port())
        yield Cluster(w, a.ready(), b.ready())
    finally:
        w.kill_all()


@pytest.fixture(scope="module")
async def rt(cluster_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    """The test's own view of the cluster's database (to build the cast and read the job rows)."""
    runtime = build_runtime(make_settings(cluster_db, tmp_path_factory.mktemp("scaleout-test")))
    await runtime.start(run_jobs=False)
    yield runtime
    await runtime.stop()


def client(base: str, cast: Cast, who: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {cast.token(who)}"}, timeout=30)


async def merge_jobs(rt: Runtime, workspace_id: int) -> list[Job]:
    async with rt.uow(write=False) as s:
        q = select(Job).where(Job.workspace_id == workspace_id, Job.name == "tickets.on_customer_merged")
        return list((await s.execute(q.order_by(Job.id))).scalars())


async def poll(check: Any, what: str, timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


def start_worker(cluster: Cluster) -> Proc:
    worker = cluster.wowdesk.start("worker")
    wait_for(lambda: "running; Ctrl-C to stop" in worker.output(), what="the worker to start")
    return worker


def requester_changes(api: httpx.Client, ticket_id: int) -> list[dict[str, Any]]:
    events = api.get(f"/api/v1/tickets/{ticket_id}/events")
    assert events.status_code == 200, events.text
    return [e for e in events.json()["items"] if e["field"] == "requester_id"]


async def test_a_merge_through_one_server_is_finished_by_a_worker_and_seen_through_the_other(
    cluster: Cluster, rt: Runtime
) -> None:
    cast = await build_cast(rt)
    lisa, wang = cast.customers["lisa"], cast.customers["wang"]
    assert cluster.a.url and cluster.b.url
    worker = start_worker(cluster)
    try:
        with client(cluster.a.url, cast, "sam") as a, client(cluster.b.url, cast, "alice") as b:
            made = a.post("/api/v1/tickets", json={"subject": "退款還沒到", "requester": {"id": wang.id}})
            assert made.status_code == 201, made.text
            tid = made.json()["id"]
            merged = a.post(f"/api/v1/customers/{lisa.id}/merge", json={"source_id": wang.id})
            assert merged.status_code == 200, merged.text

            def moved() -> bool:
                return bool(b.get(f"/api/v1/tickets/{tid}").json()["requester"]["id"] == lisa.id)

            wait_for(moved, what="the ticket to move to the surviving customer, seen through B")
            assert len(requester_changes(b, tid)) == 1
        [job] = await merge_jobs(rt, cast.workspace_id)
        assert (job.status, job.attempts) == (DONE, 1)
        assert worker.stop(signal.SIGINT) == 0, worker.output()[-3000:]
    finally:
        worker.kill()
    for server in (cluster.a, cluster.b):  # the servers run no jobs: the worker did it
        assert "job runner" not in server.output()
    assert "job runner" in worker.output()


async def test_a_killed_workers_job_completes_once_on_the_next_worker(
    cluster: Cluster, rt: Runtime, cluster_db: str
) -> None:
    cast = await build_cast(rt)
    john, lisa = cast.customers["john"], cast.customers["lisa"]
    assert cluster.a.url and cluster.b.url
    first = start_worker(cluster)
    lock = await asyncpg.connect(_dsn(cluster_db))
    second: Proc | None = None
    try:
        with client(cluster.a.url, cast, "sam") as a, client(cluster.b.url, cast, "alice") as b:
            made = a.post("/api/v1/tickets", json={"subject": "Parcel lost", "requester": {"id": john.id}})
            assert made.status_code == 201, made.text
            tid = made.json()["id"]
            # Hold the ticket's row: the merge job will wait on it, i.e. be slow while holding its lease.
            locked = lock.transaction()
            await locked.start()
            await lock.execute("SELECT id FROM tickets WHERE id = $1 FOR UPDATE", tid)
            assert (
                a.post(f"/api/v1/customers/{lisa.id}/merge", json={"source_id": john.id}).status_code == 200
            )

            async def claimed() -> Job | None:
                jobs = await merge_jobs(rt, cast.workspace_id)
                return jobs[0] if jobs and jobs[0].status == RUNNING else None

            job = await poll(claimed, "the first worker to claim the job")
            assert f":{first.popen.pid}:" in (job.locked_by or "") and job.attempts == 1
            assert job.locked_until is not None

            first.popen.send_signal(signal.SIGKILL)  # dies holding the lease, mid-transaction
            first.popen.wait(10)
            second = start_worker(cluster)
            await locked.rollback()  # the slow part is over; the dead worker's transaction never commits

            async def done() -> Job | None:
                jobs = await merge_jobs(rt, cast.workspace_id)
                return jobs[0] if jobs and jobs[0].status == DONE else None

            job = await poll(done, "the next worker to finish the job")
            assert job.attempts == 2 and job.last_error is None
            assert b.get(f"/api/v1/tickets/{tid}").json()["requester"]["id"] == lisa.id
            [change] = requester_changes(b, tid)  # the effects happened once
            assert (change["old"], change["new"]) == (john.id, lisa.id)
        assert second.stop(signal.SIGINT) == 0, second.output()[-3000:]
    finally:
        await lock.close()
        first.kill()
        if second is not None:
            second.kill()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
