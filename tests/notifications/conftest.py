"""A WowDesk of this package's own: its database, a live server that accepts http:// push
endpoints (to reach the receiver on loopback) and runs no jobs, and an in-process runtime whose
frozen clock and runner the tests drive one round at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete

from tests.conftest import Api, Cast, Databases, LiveServer, build_cast, make_settings
from tests.notifications.support import Receiver
from wowdesk.core.clock import FrozenClock
from wowdesk.core.jobs.models import Job
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.settings import Settings

# An hour ahead of the wall clock: the jobs of events the live server records (wall clock) are due
# for the runner here at once.
START = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


@pytest.fixture(scope="package")
def push_settings(
    databases: Databases, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return make_settings(
        databases.new(),
        tmp_path_factory.mktemp("push"),
        bus_redis_url,
        run_jobs_in_process=False,
        push_allow_http=True,
    )


@pytest.fixture(scope="package")
async def prt(push_settings: Settings) -> AsyncIterator[Runtime]:
    rt = build_runtime(push_settings, clock=FrozenClock(START))
    await rt.start(run_jobs=False)
    yield rt
    await rt.stop()


@pytest.fixture(scope="package")
def push_live(push_settings: Settings, prt: Runtime) -> Iterator[LiveServer]:
    server = LiveServer(push_settings).start()
    yield server
    server.stop()


@pytest.fixture
async def pcast(prt: Runtime, push_live: LiveServer) -> AsyncIterator[Cast]:
    """The cast in this package's WowDesk, over HTTP too; the outbox starts empty."""
    async with prt.uow() as s:
        await s.execute(delete(Job))
    c = await build_cast(prt)
    c.base_url = push_live.url
    yield c
    for client in c._clients:
        client.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


class Jobs:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.runner = JobRunner(rt.uow, rt.jobs, name="test-push")

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.rt.clock, FrozenClock)
        return self.rt.clock

    async def run(self) -> int:
        """Run rounds until nothing is due; how many jobs ran."""
        total = 0
        for _ in range(20):
            n = await self.runner.run_once()
            if not n:
                return total
            total += n
        raise AssertionError("jobs keep coming")


@pytest.fixture
def jobs(prt: Runtime) -> Jobs:
    return Jobs(prt)


def api(cast: Cast, who: str) -> Api:
    """A client of the live server for `who`, with a token issued on the wall clock (the server's):
    the cast's own tokens carry the frozen clock's time, an hour ahead, which the server refuses."""
    assert cast.base_url
    a = cast.agents[who]
    token, _ = cast.rt.signer.issue(
        user_id=a.id, workspace_id=a.workspace_id, version=a.token_version, now=dt.datetime.now(dt.UTC)
    )
    client = Api(cast.base_url, token)
    cast._clients.append(client)
    return client
