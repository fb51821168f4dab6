"""Ticket API benchmark: writes, then list and search on a large workspace.

For each database (SQLite, then PostgreSQL when one is configured) it

1. migrates a fresh database, creates a workspace and starts ``wowdesk serve`` on a free port;
2. create phase: N clients create tickets over HTTP, each with its description (stored as the
   ticket's first comment), for a fixed time; then the write phase: each ticket followed by a
   public reply in a second request (tickets/s counts ticket + reply pairs);
3. stops the server and seeds the workspace in-process with the project's own action
   (``do_create_ticket``, 500 per unit of work) up to ``--tickets`` tickets of mixed English and
   Chinese text, then restarts the server;
4. read phases: ``GET /api/v1/tickets?q=…`` cycling over search terms of very different
   selectivity, then ``?status=open`` and its second page through ``next_cursor``.

It prints per phase: requests/s, p50/p95/p99 latency, errors, and where the CPU went (server,
clients, whole machine); then a summary with the targets, the command to reproduce it and the
machine. Any non-2xx answer is an error: the exit status is 1 if there was one.

    .venv/bin/python bench/api_tickets.py --quick                       # smoke run, SQLite
    .venv/bin/python bench/api_tickets.py --postgres postgresql+asyncpg://postgres@127.0.0.1/postgres
    WOWDESK_BENCH_DATABASE_URL=… .venv/bin/python bench/api_tickets.py  # SQLite and PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select, text

import _corpus as corpus
from _common import (
    CLIENTS,
    CPU_HEADERS,
    PHASE_HEADERS,
    REPO,
    Client,
    Http,
    Iteration,
    Phase,
    Recorder,
    Server,
    cpu_row,
    machine_lines,
    ms,
    pg_create_database,
    pg_drop_database,
    pg_version,
    phase_rows,
    print_phase,
    profile_summary,
    py_spy_record,
    run_clients,
    safe_url,
    table,
)
from wowdesk.accounts.queries import actor_for, find_agent_by_email, find_workspace
from wowdesk.core.search import matching_refs
from wowdesk.main import build_runtime
from wowdesk.settings import Settings
from wowdesk.tickets.actions import SEARCH_KIND, do_create_ticket
from wowdesk.tickets.models import Ticket
from wowdesk.tickets.schemas import TicketCreate

SECRET_KEY = "bench-secret-key-" + "0123456789abcdef" * 3
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.test", "Bench-password-2024!"
TARGET_TICKETS_PER_S, TARGET_READ_P99 = 800, 0.050
LIST_P1, LIST_P2 = "status=open p1", "status=open p2"
CREATE = "ticket with description"


@dataclass
class Seeding:
    before: int
    created: int
    seconds: float
    matches: dict[str, tuple[int, float]] = field(default_factory=dict)  # label -> (count, seconds)


@dataclass
class Result:
    database: str
    url: str
    create: Phase | None = None
    write: Phase | None = None
    seeding: Seeding | None = None
    search: Phase | None = None
    listing: Phase | None = None
    profiles: list[Path] = field(default_factory=list)

    def phases(self) -> list[Phase]:
        return [p for p in (self.create, self.write, self.search, self.listing) if p is not None]

    def matches(self) -> dict[str, int]:
        return {k: n for k, (n, _) in self.seeding.matches.items()} if self.seeding else {}


# -- phases ----------------------------------------------------------------------------------------


def create_phase(args: argparse.Namespace, server: Server, token: str) -> Phase:
    """Tickets created with their first comment in the same request (the description, stored as
    the requester's first public comment), as an integration or a web form sends them."""
    n = args.clients
    pool = max(2_000, args.tickets // 4) // n * n
    rngs = [random.Random(args.seed * 1000 + 500 + i) for i in range(n)]

    def iteration(client: Client, rec: Recorder, i: int, k: int) -> None:
        customer = rngs[i].randrange(pool // n) * n + i
        rec.call(client, CREATE, "POST", "/api/v1/tickets", corpus.ticket_payload(rngs[i], customer))

    return _load(args, server, token, "create", args.seconds, iteration, warmup=2)


def write_phase(args: argparse.Namespace, server: Server, token: str) -> Phase:
    n = args.clients
    pool = max(2_000, args.tickets // 4) // n * n  # customers; client i uses those ≡ i (mod n)
    rngs = [random.Random(args.seed * 1000 + i) for i in range(n)]

    def iteration(client: Client, rec: Recorder, i: int, k: int) -> None:
        rng = rngs[i]
        customer = rng.randrange(pool // n) * n + i  # no two clients race to create one customer
        t0 = time.perf_counter()
        ticket = rec.call(
            client, "create ticket", "POST", "/api/v1/tickets", corpus.ticket_payload(rng, customer)
        )
        if ticket is None:
            return
        body = {"body": corpus.reply_body(rng, customer), "public": True}
        if (
            rec.call(client, "add comment", "POST", f"/api/v1/tickets/{ticket['id']}/comments", body)
            is not None
        ):
            rec.add("ticket+comment", time.perf_counter() - t0)

    return _load(args, server, token, "write", args.seconds, iteration, warmup=2)


def search_phase(args: argparse.Namespace, server: Server, token: str) -> Phase:
    terms = corpus.SEARCH_TERMS

    def iteration(client: Client, rec: Recorder, i: int, k: int) -> None:
        label, q = terms[(i + k) % len(terms)]
        page = rec.call(client, label, "GET", f"/api/v1/tickets?q={quote(q)}")
        if page is not None:
            rec.notes.setdefault(label, len(page["items"]))

    # Every client asks every term once before the clocks start.
    return _load(args, server, token, "search", args.read_seconds, iteration, warmup=len(terms))


def list_phase(args: argparse.Namespace, server: Server, token: str) -> Phase:
    def iteration(client: Client, rec: Recorder, i: int, k: int) -> None:
        first = rec.call(client, LIST_P1, "GET", "/api/v1/tickets?status=open")
        if first is None:
            return
        rec.notes.setdefault(LIST_P1, len(first["items"]))
        if not first["next_cursor"]:
            rec.error("GET /api/v1/tickets?status=open: no next_cursor on a full first page")
            return
        path = f"/api/v1/tickets?status=open&cursor={quote(first['next_cursor'])}"
        second = rec.call(client, LIST_P2, "GET", path)
        if second is None:
            return
        rec.notes.setdefault(LIST_P2, len(second["items"]))
        ids = [t["id"] for t in first["items"]] + [t["id"] for t in second["items"]]
        if ids != sorted(ids, reverse=True) or len(set(ids)) != len(ids):
            rec.error("GET /api/v1/tickets?status=open: the second page does not follow the first")

    return _load(args, server, token, "list", args.read_seconds, iteration, warmup=2)


def _load(
    args: argparse.Namespace,
    server: Server,
    token: str,
    name: str,
    seconds: float,
    iteration: Iteration,
    *,
    warmup: int,
) -> Phase:
    clients = [CLIENTS[args.client](server.port, token) for _ in range(args.clients)]
    try:
        return run_clients(name, clients, seconds, iteration, server.pid, warmup)
    finally:
        for c in clients:
            c.close()


async def seed(args: argparse.Namespace, settings: Settings, target: int) -> Seeding:
    """Top the workspace up to `target` tickets with the project's own action, in batches."""
    rt = build_runtime(settings)
    try:
        async with rt.uow(write=False) as s:
            ws = await find_workspace(s, "bench")
            assert ws is not None
            agent = await find_agent_by_email(s, ws.id, ADMIN_EMAIL)
            assert agent is not None
            before = int(
                (await s.execute(select(func.count()).where(Ticket.workspace_id == ws.id))).scalar_one()
            )
        actor = actor_for(agent, "bench")
        rng = random.Random(args.seed)
        pool = max(2_000, target // 4)
        todo, done = max(0, target - before), 0
        t0 = last = time.perf_counter()
        while done < todo:
            batch = min(args.batch, todo - done)
            async with rt.uow() as s:
                for _ in range(batch):
                    payload = corpus.ticket_payload(
                        rng, rng.randrange(pool), status=corpus.seeded_status(rng)
                    )
                    await do_create_ticket(s, actor, TicketCreate.model_validate(payload))
            done += batch
            if time.perf_counter() - last > 15 or done == todo:
                last = time.perf_counter()
                rate = done / (last - t0)
                eta = f", {(todo - done) / rate:.0f} s to go" if done < todo else ""
                print(f"  seeded {done:,}/{todo:,} ({rate:,.0f} tickets/s{eta})", flush=True)
        seconds = time.perf_counter() - t0
        if rt.db.dialect == "postgresql":  # what autovacuum would have done by now in production
            async with rt.db.engine.begin() as conn:  # committed: rolled back, the statistics vanish
                await conn.execute(text("ANALYZE"))
            print("  ran ANALYZE (steady-state planner statistics, as autovacuum would)")
        result = Seeding(before=before, created=todo, seconds=seconds)
        async with rt.uow(write=False) as s:  # how many tickets each search term matches
            for label, q in corpus.SEARCH_TERMS:
                refs = matching_refs(s, workspace_id=ws.id, kind=SEARCH_KIND, query=q)
                t1 = time.perf_counter()
                n = (
                    0
                    if refs is None
                    else (await s.execute(select(func.count()).select_from(refs.subquery()))).scalar_one()
                )
                result.matches[label] = (int(n), time.perf_counter() - t1)
        return result
    finally:
        await rt.stop()


# -- one database ----------------------------------------------------------------------------------


def run_database(args: argparse.Namespace, database: str, pg_admin: str | None) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix=f"wowdesk-bench-{database}-"))
    data_dir = workdir / "data"
    url = f"sqlite+aiosqlite:///{workdir / 'wowdesk.db'}" if database == "sqlite" else ""
    result = Result(database=database, url="")
    server: Server | None = None
    try:
        if database == "postgres":
            assert pg_admin is not None
            url = pg_create_database(pg_admin)
        result.url = safe_url(url)
        env = {
            "WOWDESK_DATABASE_URL": url,
            "WOWDESK_DATA_DIR": str(data_dir),
            "WOWDESK_SECRET_KEY": SECRET_KEY,
        }
        if args.redis:
            env |= {"WOWDESK_REDIS_URL": args.redis, "WOWDESK_REDIS_PREFIX": f"bench{os.getpid()}"}
        print(
            f"\n=== {database}: {result.url}" + (f" + Redis {args.redis}" if args.redis else ""), flush=True
        )
        server = Server(workdir, env)
        server.cli("migrate")
        server.cli(
            *("workspace", "create", "--slug", "bench", "--name", "Bench"),
            *("--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD),
        )
        server.start()
        status, body = Http(server.port).request(
            "POST",
            "/api/v1/auth/token",
            {"workspace": "bench", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body[:300]!r}")
        token = json.loads(body)["access_token"]

        print(
            f"-- create: {args.clients} clients × {args.seconds:g} s: POST ticket with its description",
            flush=True,
        )
        result.create = _profiled(args, result, server, "create", lambda: create_phase(args, server, token))
        print_phase(result.create)
        print(
            f"-- write: {args.clients} clients × {args.seconds:g} s: POST ticket, then POST comment",
            flush=True,
        )
        result.write = _profiled(args, result, server, "write", lambda: write_phase(args, server, token))
        print_phase(result.write)

        server.stop()  # seed alone: no SQLite lock contention, no job runner in between
        print(
            f"-- seeding in-process to {args.tickets:,} tickets (do_create_ticket, {args.batch}/unit of work)"
        )
        settings = Settings(
            _env_file=None, database_url=url, data_dir=data_dir, secret_key=SECRET_KEY, redis_url=None
        )  # type: ignore[call-arg]
        result.seeding = _run_async(seed(args, settings, args.tickets))
        _print_seeding(result.seeding)
        server.start()

        print(
            f"-- search: {args.clients} clients × {args.read_seconds:g} s, cycling over the terms", flush=True
        )
        result.search = _profiled(args, result, server, "search", lambda: search_phase(args, server, token))
        print_phase(result.search, result.matches())
        print(
            f"-- list: {args.clients} clients × {args.read_seconds:g} s: ?status=open, then page 2",
            flush=True,
        )
        result.listing = list_phase(args, server, token)
        print_phase(result.listing)
        return result
    finally:
        if server is not None:
            server.stop()
        if database == "postgres" and url and pg_admin:
            pg_drop_database(pg_admin, url)
        if args.keep:
            print(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _run_async(coro: Any) -> Any:
    """Run on uvloop when it is installed, as the server does (uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _profiled(args: argparse.Namespace, result: Result, server: Server, name: str, run: Any) -> Phase:
    if not args.py_spy:
        phase: Phase = run()
        return phase
    out = Path(args.profile_dir) / f"{result.database}-{name}-{os.getpid()}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = args.seconds if name in ("create", "write") else args.read_seconds
    spy = py_spy_record(args.py_spy, server.pid, seconds, out)
    phase = run()
    _, err = spy.communicate(timeout=60)
    if out.exists():
        result.profiles.append(out)
        print(f"  py-spy profile of the server: {out}")
        print("\n".join(profile_summary(out)))
    else:
        print(f"  py-spy failed: {err.decode(errors='replace')[-500:]}")
    return phase


# -- output ----------------------------------------------------------------------------------------


def _print_seeding(s: Seeding) -> None:
    rate = s.created / s.seconds if s.seconds else 0
    print(f"  seeded {s.created:,} tickets in {s.seconds:.1f} s = {rate:,.0f} tickets/s", end="")
    print(f" ({s.before:,} were there)")
    for label, (n, secs) in s.matches.items():
        print(f"  {label:<16} matches {n:>7,} tickets (count query {secs * 1000:.0f} ms in-process)")


def summary(args: argparse.Namespace, results: list[Result], pg_versions: dict[str, str]) -> int:
    print("\n=== summary")
    rows = [row for r in results for p in r.phases() for row in phase_rows(r.database, p, r.matches())]
    print(table(PHASE_HEADERS, rows))
    print()
    print(table(CPU_HEADERS, [cpu_row(r.database, p) for r in results for p in r.phases()]))
    errors = 0
    for r in results:
        for p in r.phases():
            errors += p.error_count
            for message, n in p.errors.most_common(5):
                print(f"  {r.database} {p.name}: {n} × {message}")
        if r.seeding:
            rate = r.seeding.created / r.seeding.seconds if r.seeding.seconds else 0
            print(f"  {r.database} seeding: {rate:,.0f} tickets/s in-process")
    print(f"errors: {errors}")
    print(f"\ntargets (set for SQLite on 2 cores): ≥ {TARGET_TICKETS_PER_S} tickets/s, read p99 < 50 ms")
    for r in results:
        if r.create:
            rate = r.create.rate(CREATE)
            ok = "ok  " if rate >= TARGET_TICKETS_PER_S else "MISS"
            print(f"  {ok} {r.database}: {rate:,.0f} tickets/s (each created with its description comment)")
        if r.write:
            rate = r.write.rate("ticket+comment")
            ok = "ok  " if rate >= TARGET_TICKETS_PER_S else "MISS"
            print(f"  {ok} {r.database}: {rate:,.0f} tickets/s (ticket, then a reply: two requests each)")
        for p in (r.search, r.listing):
            for label, s in (p.latencies if p else {}).items():
                ok = "ok  " if s.p99 < TARGET_READ_P99 else "MISS"
                print(f"  {ok} {r.database}: {label} p99 {ms(s.p99)} ms")
    print("\nreproduce:")
    print(f"  cd {REPO} && {reproduce_command(args)}")
    print("machine:")
    for line in machine_lines(pg_versions):
        print(f"  {line}")
    now = dt.datetime.now(dt.UTC).astimezone()
    print(f"date: {now.isoformat(timespec='seconds')}")
    print("note: one server process; load from other processes shows in the 'machine busy' column.")
    if args.py_spy:
        print("note: the server was profiled (py-spy pauses it for every sample): figures are pessimistic.")
    return 1 if errors else 0


def reproduce_command(args: argparse.Namespace) -> str:
    argv = [".venv/bin/python", "bench/api_tickets.py", "--database", args.database]
    if args.postgres:
        argv += ["--postgres", safe_url(args.postgres)]
    if args.redis:
        argv += ["--redis", args.redis]
    argv += ["--clients", str(args.clients), "--seconds", f"{args.seconds:g}"]
    argv += ["--read-seconds", f"{args.read_seconds:g}", "--tickets", str(args.tickets)]
    argv += ["--client", args.client, "--seed", str(args.seed), "--batch", str(args.batch)]
    return shlex.join(argv)


# -- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--database",
        choices=["sqlite", "postgres", "both"],
        help="default: sqlite, and postgres if configured",
    )
    p.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("WOWDESK_BENCH_DATABASE_URL") or None,
        help="a PostgreSQL server to create a throw-away database on (env WOWDESK_BENCH_DATABASE_URL)",
    )
    p.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("WOWDESK_BENCH_REDIS_URL") or None,
        help="give the server WOWDESK_REDIS_URL (env WOWDESK_BENCH_REDIS_URL)",
    )
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--seconds", type=float, help="write phase duration (default 20, --quick 5)")
    p.add_argument("--read-seconds", type=float, help="each read phase's duration (default 15, --quick 5)")
    p.add_argument(
        "--tickets", type=int, help="tickets in the workspace for the reads (default 100000, --quick 20000)"
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 5 s phases, 20k tickets")
    p.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="http.client",
        help="HTTP client: http.client in threads (default, cheapest) or httpx.AsyncClient",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed of the generated text")
    p.add_argument("--batch", type=int, default=500, help="tickets per unit of work when seeding")
    p.add_argument("--py-spy", metavar="EXE", help="profile the server during the write and search phases")
    p.add_argument("--profile-dir", default=str(Path(tempfile.gettempdir()) / "wowdesk-bench-profiles"))
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    args = p.parse_args(argv)
    args.seconds = args.seconds or (5.0 if args.quick else 20.0)
    args.read_seconds = args.read_seconds or (5.0 if args.quick else 15.0)
    args.tickets = args.tickets or (20_000 if args.quick else 100_000)
    if args.postgres and args.postgres.split("://", 1)[0] in ("postgres", "postgresql"):
        args.postgres = "postgresql+asyncpg://" + args.postgres.split("://", 1)[1]
    args.database = args.database or ("both" if args.postgres else "sqlite")
    if args.database != "sqlite" and not args.postgres:
        p.error("--database postgres needs --postgres URL or WOWDESK_BENCH_DATABASE_URL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    pg_versions = {safe_url(args.postgres): pg_version(args.postgres)} if "postgres" in databases else {}
    results = []
    for database in databases:
        try:
            results.append(run_database(args, database, args.postgres))
        except RuntimeError as exc:
            print(f"\n{database}: {exc}", file=sys.stderr)
            return 2
    return summary(args, results, pg_versions)


if __name__ == "__main__":
    sys.exit(main())
