"""Fixtures of the accounts tests: extra live servers with their own settings (a small login
failure limit), on the session's database so the cast is reachable from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, LiveServer, make_settings


@pytest.fixture
def server_factory(
    database_url: str, bus_redis_url: str | None, tmp_path: Path
) -> Iterator[Callable[..., LiveServer]]:
    """Start a server of its own (fresh rate-limit counters: in memory, or under a new Redis prefix)."""
    started: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        settings = make_settings(
            database_url,
            tmp_path / f"server{len(started)}",
            bus_redis_url,
            run_jobs_in_process=False,
            **overrides,
        )
        server = LiveServer(settings).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def lenient_live(
    database_url: str, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of its own for tests that fail logins on purpose: every test talks from 127.0.0.1,
    and their failures must not use up the shared server's per-address login limit."""
    settings = make_settings(
        database_url,
        tmp_path_factory.mktemp("lenient"),
        bus_redis_url,
        run_jobs_in_process=False,
        login_max_failures=100_000,
    )
    server = LiveServer(settings).start()
    yield server
    server.stop()


@pytest.fixture
def lenient_cast(cast: Cast, lenient_live: LiveServer) -> Cast:
    """The cast over HTTP on the lenient server."""
    cast.base_url = lenient_live.url
    return cast
