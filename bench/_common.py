"""Benchmark plumbing: the server under test as a subprocess, throw-away PostgreSQL databases, bulk
seeding (explicit ids, batched inserts), a keep-alive HTTP client, a fixed-duration load runner
with latency percentiles, CPU accounting and a description of the machine.

The load runner uses ``http.client`` connections in threads, one per simulated client. Measured on
the 2-core machine it is made for, against this server (client CPU per request, 8 clients):
``http.client`` in threads ~140 µs on /healthz and ~300 µs on a ticket list, ``httpx.Client`` in
threads ~700 / ~1,200 µs, ``httpx.AsyncClient`` ~1,150 / ~1,700 µs. With two cores every client
CPU cycle is taken from the server, so the cheapest client is the default; ``--client httpx``
switches to ``httpx.AsyncClient`` for comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import itertools
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

REPO = Path(__file__).resolve().parent.parent
WOWDESK = REPO / ".venv" / "bin" / "wowdesk"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_PRINTED_ERRORS = 20
_printed_errors = itertools.count()  # shared by all clients (next() is atomic under the GIL)


# -- the server under test -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) used so far by a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return float(sum(values) - idle), float(sum(values))


class Server:
    """``wowdesk`` in a subprocess with its own environment, working directory and log file."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WOWDESK_")} | env
        self.log = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(WOWDESK), *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"wowdesk {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout.strip()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0, serve_args: tuple[str, ...] = ()) -> None:
        """Start ``wowdesk serve`` on a free loopback port (`serve_args` appended, e.g.
        ``("--no-migrate",)``) and wait until /healthz answers."""
        self.port = free_port()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(WOWDESK), "serve", "--host", "127.0.0.1", "--port", str(self.port), *serve_args],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Http(self.port).request("GET", "/healthz")[0] == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


# -- PostgreSQL ------------------------------------------------------------------------------------


async def _pg(url: str, sql: str) -> Any:
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        database=u.database or "postgres",
    )
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def pg_create_database(admin_url: str) -> str:
    """A new empty database on the server of `admin_url`; returns its URL."""
    from sqlalchemy.engine import make_url

    name = f"wowdesk_bench_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_pg(admin_url, f'CREATE DATABASE "{name}"'))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def pg_recreate_database(admin_url: str, name: str) -> str:
    """The database `name` on the server of `admin_url`, dropped first if it exists, new and empty;
    returns its URL."""
    from sqlalchemy.engine import make_url

    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {name!r}")
    asyncio.run(_pg(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg(admin_url, f'CREATE DATABASE "{name}"'))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def pg_execute(url: str, sql: str) -> Any:
    """One statement outside any transaction (VACUUM, ANALYZE …); returns its first value."""
    return asyncio.run(_pg(url, sql))


def pg_drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    asyncio.run(_pg(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pg_version(url: str) -> str:
    return str(asyncio.run(_pg(url, "SHOW server_version")))


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextlib.contextmanager
def throwaway_database(postgres: str | None, prefix: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A fresh database for one run, gone afterwards: a database created on the PostgreSQL server
    ``postgres`` and dropped, or a SQLite file in a temporary folder that is removed with it.
    Yields (url, label, the PostgreSQL version by label for :func:`machine_lines`)."""
    pg_versions: dict[str, str] = {}
    folder: Path | None = None
    if postgres:
        url = pg_create_database(postgres)
        label = "postgresql"
        pg_versions[label] = pg_version(url)
        print(f"database: {safe_url(url)}")
    else:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        label = "sqlite"
    try:
        yield url, label, pg_versions
    finally:
        if postgres:
            pg_drop_database(postgres, url)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


# -- an in-process runtime --------------------------------------------------------------------------


async def started_runtime(url: str, prefix: str) -> tuple[Any, Path]:
    """The embedded deployment's runtime over ``url`` (database, in-process bus; its job runner not
    started: the bench starts one when it wants), with a throw-away data folder; and that folder."""
    from wowdesk.main import build_runtime
    from wowdesk.settings import Settings

    data = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(
        env="test",
        data_dir=data,
        database_url=url,
        secret_key="bench-secret-" + "0" * 40,
        run_jobs_in_process=False,
    )
    rt = build_runtime(settings)
    await rt.start(run_jobs=False)
    return rt, data


# -- bulk seeding ----------------------------------------------------------------------------------


class BulkRows:
    """Rows for several tables, straight into them: SQLAlchemy Core ``insert()`` executemany in
    batches, in the order the tables were named (parents first), in the caller's transaction.
    Rows carry explicit ids (see :func:`next_ids`) so children name their parent without a round
    trip. ``search`` adds a document of the full-text index (``core.search``) as the database's
    own engine stores it: a ``tsvector`` made by ``array_to_tsvector`` on PostgreSQL, an FTS5 row
    (rowid = the document's id) on SQLite."""

    def __init__(self, dialect: str, tables: list[Any], batch: int = 1_000) -> None:
        from sqlalchemy import insert, text

        self.dialect = dialect
        self.batch = batch
        self.statements: dict[str, Any] = {t.name: insert(t) for t in tables}
        if dialect == "postgresql":
            self.statements["search_documents"] = text(
                "INSERT INTO search_documents (id, workspace_id, kind, ref_id, tsv) "
                "VALUES (:id, :workspace_id, :kind, :ref_id, array_to_tsvector(CAST(:tokens AS text[])))"
            )
        else:
            self.statements["search_documents"] = text(
                "INSERT INTO search_documents (id, workspace_id, kind, ref_id) "
                "VALUES (:id, :workspace_id, :kind, :ref_id)"
            )
            self.statements["search_fts"] = text(
                "INSERT INTO search_fts (rowid, tokens) VALUES (:id, :tokens)"
            )
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.statements}
        self.written: Counter[str] = Counter()

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def search(self, doc_id: int, workspace_id: int, kind: str, ref_id: int, tokens: list[str]) -> None:
        doc = {"id": doc_id, "workspace_id": workspace_id, "kind": kind, "ref_id": ref_id}
        if self.dialect == "postgresql":
            self.add("search_documents", {**doc, "tokens": tokens})
        else:
            self.add("search_documents", doc)
            self.add("search_fts", {"id": doc_id, "tokens": " ".join(tokens)})

    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    async def flush(self, session: Any) -> None:
        for name, rows in self.rows.items():
            for i in range(0, len(rows), self.batch):
                await session.execute(self.statements[name], rows[i : i + self.batch])
            self.written[name] += len(rows)
            rows.clear()


async def next_ids(session: Any, tables: list[str]) -> dict[str, int]:
    """The first free id of each table (max + 1): explicit ids for :class:`BulkRows`."""
    from sqlalchemy import text

    out = {}
    for name in tables:
        value = (await session.execute(text(f"SELECT max(id) FROM {name}"))).scalar()
        out[name] = int(value or 0) + 1
    return out


async def move_sequences(session: Any, tables: list[str]) -> None:
    """After explicit ids on PostgreSQL: each table's id sequence continues after its largest id
    (SQLite needs nothing: its next rowid is max + 1)."""
    from sqlalchemy import text

    if session.bind.dialect.name != "postgresql":
        return
    for name in tables:
        sequence = f"pg_get_serial_sequence('{name}', 'id')"
        await session.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))


# -- HTTP ------------------------------------------------------------------------------------------


class Client(Protocol):
    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]: ...
    def close(self) -> None: ...


class Http:
    """One keep-alive HTTP/1.1 connection (``http.client``); reconnects after a failure."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise

    def close(self) -> None:
        self.conn.close()


class AsyncHttpx:
    """The same interface over ``httpx.AsyncClient``, all clients on one event loop in a thread of
    its own: the ``--client httpx`` comparison."""

    _loop: asyncio.AbstractEventLoop | None = None
    _lock = threading.Lock()

    def __init__(self, port: int, token: str | None = None) -> None:
        import httpx

        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.loop = self._shared_loop()
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120, limits=httpx.Limits()
        )

    @classmethod
    def _shared_loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                cls._loop = asyncio.new_event_loop()
                threading.Thread(target=cls._loop.run_forever, daemon=True).start()
            return cls._loop

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        async def go() -> tuple[int, bytes]:
            r = await self.client.request(method, path, json=body)
            return r.status_code, r.content

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result()

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.client.aclose(), self.loop).result()


CLIENTS: dict[str, Callable[[int, str | None], Client]] = {"http.client": Http, "httpx": AsyncHttpx}


# -- load: fixed duration, N clients, latencies per label ------------------------------------------


@dataclass
class Recorder:
    """What one client saw; merged after the phase (no locks on the hot path)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    notes: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    iterations: int = 0

    def call(self, client: Client, label: str, method: str, path: str, body: Any = None) -> Any:
        """One request: its latency under `label`, the decoded JSON answer, or None after an error
        (any non-2xx answer or a broken connection), which is counted and printed."""
        t0 = time.perf_counter()
        try:
            status, data = client.request(method, path, body)
        except (OSError, http.client.HTTPException) as exc:
            status, data = 0, repr(exc).encode()
        elapsed = time.perf_counter() - t0
        self.requests += 1
        if not 200 <= status < 300:
            self.error(
                f"{method} {path} -> {status or 'connection error'}: {data[:300].decode(errors='replace')}"
            )
            return None
        self.latencies.setdefault(label, []).append(elapsed)
        return json.loads(data) if data else {}

    def add(self, label: str, seconds: float) -> None:
        self.latencies.setdefault(label, []).append(seconds)

    def error(self, message: str) -> None:
        self.errors[message] += 1
        if next(_printed_errors) < MAX_PRINTED_ERRORS:  # the first ones of the run in full
            print(f"  ERROR {message}", flush=True)


@dataclass
class Stats:
    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: list[float]) -> Stats:
        s = sorted(samples)

        def pct(p: float) -> float:
            return s[max(0, math.ceil(p / 100 * len(s)) - 1)] if s else float("nan")

        return cls(len(s), pct(50), pct(95), pct(99), s[-1] if s else float("nan"))


@dataclass
class Phase:
    name: str
    elapsed: float
    iterations: int
    requests: int
    latencies: dict[str, Stats]
    errors: Counter[str]
    notes: dict[str, Any]
    client_cpu: float  # CPU seconds of this process (the clients)
    server_cpu: float  # CPU seconds of the server process
    machine_busy: float  # share of all cores busy, everything included

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def rate(self, label: str) -> float:
        return self.latencies[label].count / self.elapsed if label in self.latencies else 0.0


Iteration = Callable[[Client, Recorder, int, int], None]  # (client, recorder, client no, iteration no)


def run_clients(
    name: str,
    clients: list[Client],
    seconds: float,
    iteration: Iteration,
    server_pid: int,
    warmup_iterations: int = 0,
    max_iterations: int | None = None,
) -> Phase:
    """Run `iteration` in a loop in one thread per client until `seconds` have passed (an iteration
    under way finishes) or, with `max_iterations`, that many have started in all, after
    `warmup_iterations` unrecorded ones each."""
    recorders = [Recorder() for _ in clients]
    started = itertools.count()  # next() is atomic in CPython: a shared iteration budget
    ready, go = threading.Barrier(len(clients) + 1), threading.Event()
    deadline = [math.inf]

    def worker(i: int) -> None:
        def once(rec: Recorder, k: int) -> None:
            try:
                iteration(clients[i], rec, i, k)
            except Exception as exc:  # a bug in the benchmark (or a garbled answer): count it
                rec.error(f"client {i} iteration failed: {exc!r}")

        warm = Recorder()
        for k in range(warmup_iterations):
            once(warm, -1 - k)
        recorders[i].errors.update(warm.errors)
        ready.wait()
        go.wait()
        k, rec = 0, recorders[i]
        while time.perf_counter() < deadline[0]:
            if max_iterations is not None and next(started) >= max_iterations:
                break
            once(rec, k)
            rec.iterations += 1
            k += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(clients))]
    for t in threads:
        t.start()
    ready.wait()  # every client has done its warm-up: release them together, with the clocks
    cpu0, srv0, busy0 = own_cpu(), process_cpu(server_pid), machine_busy()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu1, srv1, busy1 = own_cpu(), process_cpu(server_pid), machine_busy()

    merged: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    notes: dict[str, Any] = {}
    for r in recorders:
        for label, samples in r.latencies.items():
            merged.setdefault(label, []).extend(samples)
        errors.update(r.errors)
        for k, v in r.notes.items():
            notes.setdefault(k, v)
    return Phase(
        name=name,
        elapsed=elapsed,
        iterations=sum(r.iterations for r in recorders),
        requests=sum(r.requests for r in recorders),
        latencies={label: Stats.of(s) for label, s in merged.items()},
        errors=errors,
        notes=notes,
        client_cpu=cpu1 - cpu0,
        server_cpu=srv1 - srv0,
        machine_busy=(busy1[0] - busy0[0]) / max(1.0, busy1[1] - busy0[1]),
    )


# -- output ----------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*headers), "  ".join("-" * w for w in widths)]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


PHASE_HEADERS = ["database phase: kind", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "notes"]
CPU_HEADERS = [
    "database phase",
    "requests/s",
    "server µs/req",
    "server core",
    "client µs/req",
    "machine busy",
]


def phase_rows(database: str, phase: Phase, matches: dict[str, int]) -> list[list[str]]:
    """One row per label: rate, latency percentiles, and for searches the hits on the first page and
    how many tickets match in all."""
    rows = []
    for label, s in phase.latencies.items():
        note = f"{phase.notes[label]} on page" if label in phase.notes else ""
        if label in matches:
            note += f", {matches[label]:,} match"
        rate = f"{s.count / phase.elapsed:,.0f}"
        rows.append(
            [f"{database} {phase.name}: {label}", rate, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), note]
        )
    return rows


def cpu_row(database: str, p: Phase) -> list[str]:
    per = 1e6 / max(1, p.requests)
    return [
        f"{database} {p.name}",
        f"{p.requests / p.elapsed:,.0f}",
        f"{p.server_cpu * per:,.0f}",
        f"{p.server_cpu / p.elapsed:.0%}",
        f"{p.client_cpu * per:,.0f}",
        f"{p.machine_busy:.0%}",
    ]


def print_phase(phase: Phase, matches: dict[str, int] | None = None) -> None:
    print(table(PHASE_HEADERS, phase_rows("", phase, matches or {})))
    print(
        f"  {phase.iterations:,} iterations, {phase.requests:,} requests in {phase.elapsed:.1f} s "
        f"= {phase.requests / phase.elapsed:,.0f} requests/s; errors: {phase.error_count}"
    )
    print(cpu_line(phase), flush=True)


def cpu_line(p: Phase) -> str:
    per = 1e6 / max(1, p.requests)
    return (
        f"  CPU: server {p.server_cpu / p.elapsed:.0%} of a core ({p.server_cpu * per:.0f} µs/request), "
        f"clients {p.client_cpu / p.elapsed:.0%} ({p.client_cpu * per:.0f} µs/request), "
        f"machine {p.machine_busy:.0%} busy of {os.cpu_count()} cores (other processes included)"
    )


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _mem_total() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "?"


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine_lines(pg_versions: dict[str, str]) -> Iterator[str]:
    yield f"nproc: {len(os.sched_getaffinity(0))}  CPU: {_cpu_model()}  RAM: {_mem_total()}"
    yield f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}"
    yield f"Python {platform.python_version()}  SQLite {sqlite3.sqlite_version}  kernel {platform.release()}"
    for url, version in pg_versions.items():
        yield f"PostgreSQL server {version} ({url})"
    yield f"WowDesk commit: {_git_commit()}"


# -- profiles (optional: --py-spy) -----------------------------------------------------------------


def py_spy_record(exe: str, pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Sample the server with py-spy for `seconds`: only while a thread holds the GIL (``--gil``,
    so waiting is left out) and with C frames (``--native``: SQLite, libc, uvloop). Collapsed stacks
    (``--format raw``: "frame;frame;… count" lines) open in speedscope or flamegraph.pl."""
    cmd = [exe, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", "200"]
    cmd += ["--gil", "--native", "--format", "raw", "--output", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def profile_summary(path: Path, top: int = 12) -> list[str]:
    """Where the samples are: by package and by function on top of the stack (self time), and the
    project's own functions including what they call."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    project: Counter[str] = Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")]
        samples += n
        name, package = frames[-1]
        by_package[package] += n
        by_function[f"{name} [{package}]"] += n
        for name, package in set(frames):
            if package == "wowdesk" and name not in ("<module>", "serve (cli.py)"):
                project[name] += n
    if not samples:
        return ["  (no samples)"]

    def block(title: str, counts: Counter[str]) -> list[str]:
        return [f"  {title}:", *(f"    {c / samples:6.1%}  {k}" for k, c in counts.most_common(top))]

    return [
        f"  {samples} samples with the GIL held (200/s)",
        *block("self time by package", by_package),
        *block("self time by function", by_function),
        *block("WowDesk functions, including callees", project),
    ]


def _frame(frame: str) -> tuple[str, str]:
    """(function, package) of a py-spy frame: "Session.execute (sqlalchemy/orm/session.py:2280)" →
    ("Session.execute", "sqlalchemy"); C frames keep their file: ("sem_post", "libc.so.6")."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    package = where.split("/", 1)[0].removesuffix(".py") if where.endswith(".py") else where
    if package == "wowdesk" and "/" in where:
        name = f"{name} ({where.split('/', 1)[1]})"
    return name, package or "?"
