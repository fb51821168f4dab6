"""The `wowdesk` command, run as a real process against a database of its own.

Administration commands print what a script needs (an id, a key, a password) on stdout and, for a
mistake a person can fix, one readable line on stderr with exit status 1 — never a traceback.
`serve` answers its health checks, stops cleanly on SIGINT/SIGTERM and comes back on the same data.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.conftest import PASSWORD, SECRET, TARGET, Databases

WOWDESK = str(Path(sys.executable).with_name("wowdesk"))
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], T], *, timeout: float = 30, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy (exceptions count as "not yet")."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last!r})")


@dataclass
class Proc:
    """A long-running `wowdesk` process (serve / worker) with its output in files."""

    popen: subprocess.Popen[bytes]
    out: Path
    err: Path
    url: str | None = None

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)
            raise AssertionError(
                f"{self.popen.args} did not stop on {sig!r}:\n{self.output()[-3000:]}"
            ) from None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def ready(self, timeout: float = 30) -> Proc:
        """Wait until the server answers /readyz (or fail with its log)."""
        assert self.url

        def up() -> bool:
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"the server exited with {self.popen.returncode}:\n{self.output()[-3000:]}"
                )
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200

        try:
            wait_for(up, timeout=timeout, what=f"{self.url}/readyz")
        except AssertionError:
            self.kill()
            raise
        return self


@dataclass
class Wowdesk:
    """How to run `wowdesk` on one installation: environment, working directory, processes."""

    env: dict[str, str]
    cwd: Path
    procs: list[Proc] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [WOWDESK, *args],
            env={**self.env, **env},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run_all(
        self, *commands: tuple[str, ...], envs: list[dict[str, str]] | None = None, timeout: float = 60
    ) -> list[subprocess.CompletedProcess[str]]:
        """Run independent commands side by side (each a tuple of arguments, with extra variables
        from `envs`)."""
        popens = [
            subprocess.Popen(
                [WOWDESK, *args],
                env={**self.env, **extra},
                cwd=self.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args, extra in zip(commands, envs or [{}] * len(commands), strict=True)
        ]
        done = []
        for args, p in zip(commands, popens, strict=True):
            try:
                out, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            done.append(subprocess.CompletedProcess([WOWDESK, *args], p.returncode, out, err))
        return done

    def ok(self, *args: str, **env: str) -> str:
        r = self.run(*args, **env)
        assert r.returncode == 0, f"wowdesk {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def start(self, *args: str, port: int | None = None, **env: str) -> Proc:
        n = len(self.procs)
        out, err = self.cwd / f"proc{n}.out", self.cwd / f"proc{n}.err"
        argv = [WOWDESK, *args] + (["--port", str(port)] if port else [])
        with out.open("wb") as o, err.open("wb") as e:
            popen = subprocess.Popen(argv, env={**self.env, **env}, cwd=self.cwd, stdout=o, stderr=e)
        proc = Proc(popen, out, err, f"http://127.0.0.1:{port}" if port else None)
        self.procs.append(proc)
        return proc

    def serve(self, port: int | None = None, **env: str) -> Proc:
        return self.start("serve", port=port or free_port(), **env).ready()

    def kill_all(self) -> None:
        for p in self.procs:
            p.kill()


def wowdesk_env(
    database_url: str | None, data_dir: Path, redis_url: str | None, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOWDESK_")}
    env.update(
        WOWDESK_DATA_DIR=str(data_dir),
        WOWDESK_SECRET_KEY=SECRET,
        WOWDESK_REDIS_PREFIX=f"wdcli{os.getpid()}x{secrets.token_hex(3)}",
        WOWDESK_JOB_POLL_INTERVAL="0.2",
        **extra,
    )
    if database_url:
        env["WOWDESK_DATABASE_URL"] = database_url
    if redis_url:
        env["WOWDESK_REDIS_URL"] = redis_url
    return env


def assert_one_line_error(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 1, (r.args, r.returncode, r.stdout, r.stderr[-3000:])
    assert "Traceback" not in r.stderr and "╭" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def login(base: str, workspace: str, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/auth/token",
        json={"workspace": workspace, "email": email, "password": password},
        timeout=30,
    )


@dataclass
class Installation:
    wowdesk: Wowdesk
    server: Proc

    @property
    def url(self) -> str:
        assert self.server.url
        return self.server.url


@pytest.fixture(scope="module")
def inst(
    databases: Databases, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Installation]:
    """One installation served by `wowdesk serve`, with a workspace `acme` (admin ada@acme.test).

    Its data directory does not exist beforehand: serve creates it and, on SQLite, the database in
    it (the default location), and migrates. The server is stopped with SIGTERM at the end."""
    home = tmp_path_factory.mktemp("cli")
    url = databases.new() if TARGET == "postgres" else None
    w = Wowdesk(wowdesk_env(url, home / "fresh" / "data", bus_redis_url), home)
    try:
        installation = Installation(w, w.serve())
        w.ok(*_workspace("acme"))
        yield installation
        server = installation.server
        assert server.stop(signal.SIGTERM) == 0, (
            f"serve did not end cleanly on SIGTERM:\n{server.output()[-3000:]}"
        )
    finally:
        w.kill_all()


def _workspace(slug: str, email: str | None = None) -> tuple[str, ...]:
    return (
        "workspace", "create", "--slug", slug, "--name", f"{slug.title()} 台北",
        "--admin-email", email or f"ada@{slug}.test", "--admin-password", PASSWORD,
    )  # fmt: skip


# -- administration -----------------------------------------------------------------------------------------


def test_workspace_create_prints_the_id_and_mistakes_are_one_line(inst: Installation) -> None:
    w = inst.wowdesk
    created, taken, bad_email = w.run_all(
        _workspace("acme-two"), _workspace("acme", "other@acme.test"), _workspace("acme-3", "not-an-email")
    )
    assert created.returncode == 0, created
    ws_id = int(created.stdout.strip())
    assert_one_line_error(taken, "A workspace with the slug acme exists already.")
    assert_one_line_error(bad_email, "admin_email")
    listed = w.ok("workspace", "list").splitlines()
    assert f"{ws_id}\tacme-two\tAcme-Two 台北" in listed
    assert any("\tacme\t" in row for row in listed) and not any("\tacme-3\t" in row for row in listed)


def test_workspace_currency_is_chosen_at_creation_and_checked(inst: Installation) -> None:
    """Refunds and authority limits are counted in the workspace's currency (ISO 4217)."""
    w = inst.wowdesk
    taipei, unknown = w.run_all(
        (*_workspace("acme-twd"), "--currency", "twd"), (*_workspace("acme-zzz"), "--currency", "ZZZ")
    )
    assert taipei.returncode == 0, taipei
    assert_one_line_error(unknown, "currency")
    token = login(inst.url, "acme-twd", "ada@acme-twd.test", PASSWORD).json()["access_token"]
    me = httpx.get(f"{inst.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["workspace"]["currency"] == "TWD"
    default = login(inst.url, "acme", "ada@acme.test", PASSWORD).json()["access_token"]
    me = httpx.get(f"{inst.url}/api/v1/me", headers={"Authorization": f"Bearer {default}"})
    assert me.json()["workspace"]["currency"] == "USD"


def test_user_create_generates_a_password_that_signs_in(inst: Installation) -> None:
    generated, given, taken, no_workspace = inst.wowdesk.run_all(
        ("user", "create", "--workspace", "acme", "--email", "bob@acme.test", "--name", "Bob"),
        ("user", "create", "--workspace", "acme", "--email", "sam@acme.test", "--name", "Sam",
         "--role", "supervisor", "--password", PASSWORD),
        ("user", "create", "--workspace", "acme", "--email", "ADA@acme.test", "--name", "Ada"),
        ("user", "create", "--workspace", "nope", "--email", "a@b.test", "--name", "A"),
    )  # fmt: skip
    assert generated.returncode == 0, generated
    agent_id, password_line = generated.stdout.strip().splitlines()
    assert int(agent_id) > 0 and password_line.startswith("password: ")
    password = password_line.removeprefix("password: ")
    assert len(password) >= 10
    r = login(inst.url, "acme", "bob@acme.test", password)
    assert r.status_code == 200, r.text
    assert login(inst.url, "acme", "bob@acme.test", password + "x").status_code == 401
    assert given.returncode == 0 and "password" not in given.stdout, given  # a given password is not echoed
    assert login(inst.url, "acme", "sam@acme.test", PASSWORD).status_code == 200
    assert_one_line_error(taken, "An agent with the e-mail ada@acme.test exists already.")
    assert_one_line_error(no_workspace, "There is no workspace nope.")


def test_api_key_create_authenticates_and_revoke_ends_it(inst: Installation) -> None:
    w = inst.wowdesk
    created, ghost = w.run_all(
        ("apikey", "create", "--workspace", "acme", "--email", "ada@acme.test", "--name", "zapier"),
        ("apikey", "create", "--workspace", "acme", "--email", "ghost@acme.test"),
    )
    assert_one_line_error(ghost, "There is no agent ghost@acme.test in this workspace.")
    key = created.stdout.strip()
    assert created.returncode == 0 and key.startswith("wdk_") and len(key) > 30, created
    with httpx.Client(base_url=inst.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as api:
        me = api.get("/api/v1/me")
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "ada@acme.test"
        [listed] = [k for k in api.get("/api/v1/api-keys").json() if k["name"] == "zapier"]
        assert w.ok("apikey", "revoke", "--workspace", "acme", "--id", str(listed["id"])).strip() == "revoked"
        assert api.get("/api/v1/me").status_code == 401


def test_demo_seeds_once_and_shows_the_same_logins_again(inst: Installation) -> None:
    w = inst.wowdesk
    first = w.ok("demo")
    assert first.startswith('Seeded the demo workspace "demo"'), first
    logins = [line.split() for line in first.splitlines() if "password:" in line]
    assert [(row[0], row[-1]) for row in logins] == [
        ("admin@demo.wowdesk.test", "(admin)"),
        ("meiling@demo.wowdesk.test", "(agent)"),
        ("wei@demo.wowdesk.test", "(supervisor)"),
        ("alex@demo.wowdesk.test", "(agent)"),
    ]
    second = w.ok("demo")
    assert second.startswith('Found the demo workspace "demo"'), second
    assert [line for line in second.splitlines() if "password:" in line] == [
        line for line in first.splitlines() if "password:" in line
    ]
    email, password = logins[1][0], logins[1][2]
    token = login(inst.url, "demo", email, password)
    assert token.status_code == 200, token.text
    tickets = httpx.get(
        f"{inst.url}/api/v1/tickets",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=30,
    )
    assert tickets.status_code == 200 and len(tickets.json()["items"]) == 5, tickets.text
    chats = httpx.get(
        f"{inst.url}/api/v1/conversations",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=30,
    ).json()["items"]
    assert len(chats) == 2 and {c["assignee_id"] is None for c in chats} == {True, False}, chats


def test_migrate_is_idempotent(inst: Installation) -> None:
    for _ in range(2):  # serve migrated this database already: both runs have nothing to do
        out = inst.wowdesk.ok("migrate")
        assert out.startswith("database is up to date (") and "test-secret" not in out


def test_configuration_and_database_mistakes_are_one_line(inst: Installation, tmp_path: Path) -> None:
    base = {k: v for k, v in inst.wowdesk.env.items() if k != "WOWDESK_SECRET_KEY"}
    w = Wowdesk({**base, "WOWDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}, tmp_path)
    no_key, bad_port, no_dir, not_migrated, nobody = w.run_all(
        ("serve", "--port", str(free_port())),
        ("serve",),
        ("workspace", "list"),
        ("workspace", "list"),
        ("migrate",),
        envs=[
            {"WOWDESK_ENV": "production"},
            {"WOWDESK_SECRET_KEY": SECRET, "WOWDESK_PORT": "eighty"},
            {
                "WOWDESK_SECRET_KEY": SECRET,
                "WOWDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/no/such/x.db",
            },
            {"WOWDESK_SECRET_KEY": SECRET},  # an empty SQLite file
            {"WOWDESK_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x"},
        ],
    )
    assert_one_line_error(no_key, "WOWDESK_SECRET_KEY must be set in production mode")
    assert_one_line_error(bad_port, "Configuration error: WOWDESK_PORT:")
    assert_one_line_error(no_dir, f"The directory of the SQLite database does not exist: {tmp_path}/no/such")
    assert_one_line_error(not_migrated, "Database error: no such table: workspaces")
    assert_one_line_error(nobody, "Cannot connect:")


# -- running ------------------------------------------------------------------------------------------------


def test_worker_stops_cleanly_on_sigint(inst: Installation) -> None:
    worker = inst.wowdesk.start("worker")
    try:
        wait_for(lambda: "running; Ctrl-C to stop" in worker.output(), what="the worker to start")
        assert worker.stop(signal.SIGINT) == 0, worker.output()[-3000:]
        assert "stopped" in worker.output() and "Traceback" not in worker.output()
    finally:
        worker.kill()


def test_serve_answers_health_stops_on_sigint_and_comes_back_on_the_same_data(
    inst: Installation, bus_redis_url: str | None
) -> None:
    health = httpx.get(f"{inst.url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = httpx.get(f"{inst.url}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"] == (
        {"database": "ok", "redis": "ok"} if bus_redis_url else {"database": "ok"}
    )
    assert login(inst.url, "acme", "ada@acme.test", PASSWORD).status_code == 200
    first = inst.server
    assert first.stop(signal.SIGINT) == 0, first.output()[-3000:]
    assert "Application shutdown complete" in first.output() and "Traceback" not in first.output()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{inst.url}/healthz", timeout=5)

    port = int(inst.url.rsplit(":", 1)[1])
    inst.server = inst.wowdesk.serve(port)  # the same port, the same data (stopped by SIGTERM at the end)
    assert login(inst.url, "acme", "ada@acme.test", PASSWORD).status_code == 200
