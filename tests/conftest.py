"""Shared test fixtures.

The suite runs against one database per session: SQLite by default, PostgreSQL (+ Redis for the
bus, rate limits and job wake-ups) when ``WOWDESK_TEST_TARGET=postgres`` — ``make test`` does both
when ``WOWDESK_TEST_DATABASE_URL`` / ``WOWDESK_TEST_REDIS_URL`` are set, and a missing URL then fails
the run instead of skipping it.

Isolation is by tenancy: every test builds its own workspace (``cast``) through the real actions,
so tests never see each other's rows, and the same data serves in-process action tests and tests
over HTTP against a real uvicorn server on 127.0.0.1 (``live``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as account_queries
from wowdesk.accounts.models import Agent
from wowdesk.accounts.schemas import AgentCreate, TeamCreate, WorkspaceCreate
from wowdesk.core.actor import Actor
from wowdesk.core.events import Event
from wowdesk.core.migrate import upgrade
from wowdesk.core.runtime import Runtime
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.models import Customer
from wowdesk.customers.schemas import CustomerCreate
from wowdesk.main import build_runtime, create_app
from wowdesk.settings import Settings

TARGET = os.environ.get("WOWDESK_TEST_TARGET", "sqlite")
if TARGET not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"WOWDESK_TEST_TARGET must be sqlite or postgres, not {TARGET!r}")

SECRET = "test-secret-key-" + "0123456789abcdef" * 3
PASSWORD = "Correct-horse-9!"
_slugs = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that belong to the other database's run are deselected (and counted as such), so a
    run reports a skip only when something it should have tested could not be."""
    other = "sqlite_only" if TARGET == "postgres" else "postgres_only"
    keep = [i for i in items if other not in i.keywords]
    dropped = [i for i in items if other in i.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


# -- databases -------------------------------------------------------------------------------------------


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        database="postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Databases:
    """Creates migrated databases: the session's shared one, and fresh ones for tests that need a
    database of their own (job runners that must see only their jobs, process restarts)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []
        self.base = os.environ.get("WOWDESK_TEST_DATABASE_URL", "")
        if TARGET == "postgres" and not self.base:
            pytest.fail(
                "WOWDESK_TEST_TARGET=postgres needs WOWDESK_TEST_DATABASE_URL (e.g. "
                "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres)",
                pytrace=False,
            )

    def new(self) -> str:
        if TARGET == "postgres":
            name = f"wowdesk_test_{os.getpid()}_{secrets.token_hex(4)}"
            asyncio.run(_pg_admin(self.base, f'CREATE DATABASE "{name}"'))
            self.created.append(name)
            url = make_url(self.base).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite+aiosqlite:///{self.tmp / f'db-{secrets.token_hex(4)}.sqlite'}"
        upgrade(url)
        return url

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_pg_admin(self.base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    url = os.environ.get("WOWDESK_TEST_REDIS_URL") or None
    if TARGET == "postgres" and not url:
        pytest.fail(
            "WOWDESK_TEST_TARGET=postgres needs WOWDESK_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def bus_redis_url(redis_url: str | None) -> str | None:
    """Redis carries the bus, rate limits and job wake-ups in the PostgreSQL run; SQLite runs embedded."""
    return redis_url if TARGET == "postgres" else None


def make_settings(
    database_url: str, data_dir: Path, redis_url: str | None = None, **overrides: Any
) -> Settings:
    values: dict[str, Any] = dict(
        env="test",
        database_url=database_url,
        redis_url=redis_url,
        data_dir=data_dir,
        secret_key=SECRET,
        redis_prefix=f"wdtest{os.getpid()}x{secrets.token_hex(3)}",
        job_poll_interval=0.2,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def settings(
    database_url: str, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return make_settings(database_url, tmp_path_factory.mktemp("data"), bus_redis_url)


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The test process's own runtime (no job runner: the live server runs the jobs)."""
    rt = build_runtime(settings)
    await rt.start(run_jobs=False)
    yield rt
    await rt.stop()


# -- a real server on loopback ------------------------------------------------------------------------------


class LiveServer:
    """uvicorn serving ``create_app(settings)`` on 127.0.0.1 from a thread with its own event loop."""

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        self.settings = settings
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP,
        # and without it every answer written in two parts waits ~40 ms for a delayed ACK.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(settings, runtime=runtime)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )

    def start(self) -> LiveServer:
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                return self
            if not self.thread.is_alive():
                raise RuntimeError("the live server died while starting")
            threading.Event().wait(0.025)
        raise RuntimeError("the live server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@pytest.fixture(scope="session")
def live(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings).start()
    yield server
    server.stop()


class Api:
    """A small HTTP client for one caller (token or API key)."""

    def __init__(self, base: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=base, headers=headers, timeout=30)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def close(self) -> None:
        self.client.close()


def assert_problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    """The answer is an RFC 9457 problem document with this status."""
    assert resp.status_code == status, f"want {status}, got {resp.status_code}: {resp.text[:500]}"
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers["content-type"]
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://"), body
    return body


# -- the cast ------------------------------------------------------------------------------------------------


@dataclass
class Cast:
    """One workspace with named people, built through real actions:

    Ada (admin), Sam (supervisor), Alice and Bob (agents; Alice and Sam form team "Taipei");
    customers Lisa (zh-Hant, Taipei), Wang (zh-Hans, Shanghai) and John (en)."""

    rt: Runtime
    workspace_id: int
    slug: str
    agents: dict[str, Agent]
    customers: dict[str, Customer]
    team_id: int
    base_url: str | None = None
    _clients: list[Api] = field(default_factory=list)

    def actor(self, who: str) -> Actor:
        return account_queries.actor_for(self.agents[who], "token")

    def token(self, who: str) -> str:
        a = self.agents[who]
        tok, _ = self.rt.signer.issue(
            user_id=a.id, workspace_id=a.workspace_id, version=a.token_version, now=self.rt.clock.now()
        )
        return tok

    def api(self, who: str | None = "alice") -> Api:
        assert self.base_url, "this test needs the `live` fixture"
        client = Api(self.base_url, self.token(who) if who else None)
        self._clients.append(client)
        return client

    def as_key(self, key: str) -> Api:
        assert self.base_url
        client = Api(self.base_url, key)
        self._clients.append(client)
        return client


async def build_cast(rt: Runtime, slug: str | None = None) -> Cast:
    slug = slug or f"acme{os.getpid() % 10000}n{next(_slugs)}"
    async with rt.uow() as s:
        ws, ada = await account_actions.do_create_workspace(
            s,
            WorkspaceCreate(
                slug=slug,
                name=f"Acme {slug}",
                admin_email=f"ada@{slug}.test",
                admin_password=PASSWORD,
                admin_name="Ada",
            ),
        )
        system = Actor.system(ws.id)
        agents = {"ada": ada}
        for key, role in (("sam", "supervisor"), ("alice", "agent"), ("bob", "agent")):
            agents[key] = await account_actions.do_create_agent(
                s, system, AgentCreate(email=f"{key}@{slug}.test", name=key.title(), role=role)
            )
        team = await account_actions.do_create_team(
            s, system, TeamCreate(name="Taipei", member_ids=[agents["alice"].id, agents["sam"].id])
        )
        people = {}
        for key, data in (
            (
                "lisa",
                dict(
                    name="張雅婷 Lisa",
                    emails=["lisa@example.com"],
                    phones=["+886912345678"],
                    language="zh-Hant",
                    time_zone="Asia/Taipei",
                ),
            ),
            (
                "wang",
                dict(name="王伟", emails=["wang@example.cn"], language="zh-Hans", time_zone="Asia/Shanghai"),
            ),
            ("john", dict(name="John Miller", emails=["john@example.com"], language="en")),
        ):
            people[key] = await customer_actions.do_create_customer(
                s, system, CustomerCreate.model_validate(data)
            )
    return Cast(rt=rt, workspace_id=ws.id, slug=slug, agents=agents, customers=people, team_id=team.id)


@pytest.fixture
async def cast(runtime: Runtime) -> AsyncIterator[Cast]:
    c = await build_cast(runtime)
    yield c
    for client in c._clients:
        client.close()


@pytest.fixture(scope="module")
async def module_cast(runtime: Runtime, live: LiveServer) -> AsyncIterator[Cast]:
    """One cast shared by the tests of a module: for parametrised tests that each work on records
    of their own or leave the workspace unchanged (a workspace per case would dominate their time)."""
    c = await build_cast(runtime)
    c.base_url = live.url
    yield c
    for client in c._clients:
        client.close()


@pytest.fixture
def live_cast(cast: Cast, live: LiveServer) -> Cast:
    """The cast, reachable over HTTP on the live server."""
    cast.base_url = live.url
    return cast


@pytest.fixture
def other_cast_factory(runtime: Runtime) -> Any:
    async def make() -> Cast:
        return await build_cast(runtime)

    return make


@pytest.fixture
def captured_events(runtime: Runtime) -> Iterator[list[Event]]:
    """Events the test runtime publishes after commit, in order."""
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    runtime.bus.subscribe(collect)
    yield seen
    runtime.bus.unsubscribe(collect)
