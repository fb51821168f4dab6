r"""Console page benchmark: the inbox, ticket and conversation pages' server time on a large workspace.

For each database (SQLite, then PostgreSQL when one is configured) it

1. seeds one workspace: ~20 agents in 3 teams and the web-chat channel through the project's own
   actions (real passwords, real sessions), then in bulk (SQLAlchemy Core ``insert()`` executemany
   in batches, big transactions, straight into the tables) 30k customers, 100k tickets of mixed
   English and Chinese text with ~5 comments each (1 % with 40, 1 in 1,000 with 300) and their
   timeline, tags and search index (the project's own tokenizer), and 50k chat conversations of
   ~10 messages (1 in 1,000 with 400): ~1M messages in all (comments + chat messages). Then the
   per-workspace ticket counter, the id sequences and the planner statistics. About 4 minutes on
   SQLite, 6 on PostgreSQL (2 cores);
2. reuses seeded data when asked to keep it, never silently otherwise:

   * SQLite: the seeded file is cached as ``<tmp>/wowdesk-bench-cache/console-<key>.db`` (key: the
     sizes, the seed, the seed format and ``_corpus.py``; a ``.json`` beside it records when and
     the migrations it was built with) and *copied* for each run, so runs start from the same
     data. A cached file is reused while none of its migrations has changed; migrations added
     since are applied to the copy. ``--fresh`` seeds again; ``rm -r <tmp>/wowdesk-bench-cache``
     empties the cache;
   * PostgreSQL: the database ``wowdesk_bench_console`` on the given server, created, seeded and
     dropped by the run. With ``--keep`` it stays (and records what it holds in its COMMENT); the
     next run reuses it on the same conditions as the SQLite cache (each run adds a ticket and a
     few sessions to it). ``--fresh`` seeds again;
3. starts ``wowdesk serve --no-migrate`` on a free loopback port (127.0.0.1 only), signs one agent
   in per client (``POST /api/v1/auth/session``, the ``wowdesk_session`` cookie) and checks that a
   new ticket is numbered after the seeded ones and that search finds them;
4. per page, for ``--seconds`` and at most ``--max-requests`` requests, N keep-alive clients
   request it and record the latency they see and the server's own figures from the page's
   ``Server-Timing: app;dur=<ms>, sql;desc="<statements>"`` header: the inbox's views (open, its
   second page through ``<a rel="next">``, mine, unassigned, solved), a search in the open view,
   ticket and conversation pages at random, the longest ones (timelines of several pages), and
   the views' counts the inbox asks for.

It prints per page requests/s, p50/p95/p99/max of both times, the SQL statements per page (they
must not grow with the data), how busy the machine was, and the errors (any answer but 200: the
first ones with a snippet of the body); then a summary with the target (p99 server time
< 150 ms), the command to reproduce it and the machine. Exit status 1 if any request failed, 2 if
the run could not be set up, 3 if it ran past ``--timeout``.

    .venv/bin/python bench/console_pages.py --quick        # smoke run: 20k tickets, 3 s per page
    .venv/bin/python bench/console_pages.py                # 100k tickets, 1M messages, 20 s per page
    .venv/bin/python bench/console_pages.py --database postgres --keep \
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/console_pages.py --api          # the JSON API's equivalents instead
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import html
import http.client
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urljoin, urlsplit

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import _corpus as corpus
from _common import (
    REPO,
    Client,
    Phase,
    Recorder,
    Server,
    Stats,
    cpu_line,
    machine_lines,
    ms,
    pg_drop_database,
    pg_execute,
    pg_recreate_database,
    pg_version,
    run_clients,
    safe_url,
    table,
)
from wowdesk.accounts.actions import do_create_agent, do_create_team, do_create_workspace
from wowdesk.accounts.models import Agent, TeamMember
from wowdesk.accounts.schemas import AgentCreate, TeamCreate, WorkspaceCreate
from wowdesk.conversations.actions import do_create_default_channel
from wowdesk.conversations.models import Conversation, Message
from wowdesk.core.actor import Actor
from wowdesk.core.counters import advance, current_value
from wowdesk.core.db import refresh_statistics
from wowdesk.core.migrate import alembic_config, upgrade
from wowdesk.core.search import SearchDocument
from wowdesk.core.text import index_tokens
from wowdesk.customers.models import Customer, CustomerIdentity
from wowdesk.main import build_runtime
from wowdesk.settings import Settings
from wowdesk.tickets.models import Ticket, TicketComment, TicketEvent, TicketTag
from wowdesk.tickets.repository import SEARCH_KIND

SECRET_KEY = "bench-secret-key-" + "0123456789abcdef" * 3
PASSWORD = "Bench-password-2024!"
SLUG = "bench"
ADMIN_EMAIL = "admin@bench.test"
PG_DATABASE = "wowdesk_bench_console"
SESSION_COOKIE = "wowdesk_session"
TARGET_P99 = 0.150  # server time, every page, SQLite and PostgreSQL
# Bump when the seeded data changes shape (the cache key includes it, the corpus and the schema).
SEED_FORMAT = 2
CACHE_DIR = Path(tempfile.gettempdir()) / "wowdesk-bench-cache"
REQUEST_TIMEOUT = 30.0

# -- the workspace's shape -------------------------------------------------------------------------

SUPERVISORS, AGENTS, TEAMS = 2, 17, ("Support", "Billing", "Logistics")  # + the admin: 20 agents
TICKET_STATUS_MIX = [
    ("new", 8),
    ("open", 17),
    ("pending", 11),
    ("on_hold", 4),
    ("solved", 20),
    ("closed", 40),
]
TYPE_MIX = [("question", 50), ("incident", 25), ("problem", 10), ("task", 15)]
CHANNEL_MIX = [("email", 45), ("web", 25), ("chat", 15), ("api", 10), ("phone", 5)]
CHAT_STATUS_MIX = [("open", 12), ("pending", 5), ("snoozed", 3), ("resolved", 80)]
CHAT_PRIORITY_MIX = [("low", 5), ("normal", 80), ("high", 10), ("urgent", 5)]
SPAN = dt.timedelta(days=90)  # activity spread over the last 90 days
AUTOCLOSE = dt.timedelta(days=4)
LONG_THREAD_SHARE, LONG_THREAD = 0.01, 40  # 1 % of the tickets have 40 comments, the rest 1-8
# One ticket and one conversation in 1,000 has a timeline of several pages (the pages show the
# last 50 entries / messages): what the "long" ticket and conversation pages measure.
HUGE_EVERY, HUGE_THREAD, HUGE_CHAT = 1_000, 300, 400
LONG_TIMELINE = 100  # a ticket with more timeline entries / a conversation with more messages is "long"
NOTE_SHARE = 0.12  # agent comments that are internal notes
CHUNK = 2_000  # tickets (or conversations) generated and written together
CHUNKS_PER_TRANSACTION = 10


class Mix:
    """Weighted choice with precomputed cumulative weights."""

    def __init__(self, mix: list[tuple[str, int]]) -> None:
        self.values = [v for v, _ in mix]
        self.cum: list[float] = []
        total = 0.0
        for _, w in mix:
            total += w
            self.cum.append(total)

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


@dataclass(frozen=True)
class SeedSpec:
    tickets: int
    conversations: int
    customers: int
    seed: int

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:10]

    def describe(self) -> str:
        return (
            f"{self.tickets:,} tickets (~5 comments each, 1 in {HUGE_EVERY:,} with {HUGE_THREAD}), "
            f"{self.conversations:,} conversations (~10 messages each, 1 in {HUGE_EVERY:,} with "
            f"{HUGE_CHAT}), {self.customers:,} customers, seed {self.seed}"
        )


@dataclass
class AgentInfo:
    id: int
    email: str
    role: str
    team_ids: list[int]


@dataclass
class People:
    workspace_id: int
    channel_id: int
    agents: list[AgentInfo]
    team_ids: list[int]
    workers: list[AgentInfo] = field(default_factory=list)  # who tickets and chats are assigned to

    def __post_init__(self) -> None:
        self.workers = [a for a in self.agents if a.role != "admin"]


@dataclass
class Seeding:
    reused: bool
    seconds: float  # seeding (when reused: what it took back then)
    counts: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0
    checks: list[str] = field(default_factory=list)  # problems found in the seeded data
    seeded_at: str = ""

    @property
    def messages(self) -> int:
        return self.counts.get("ticket_comments", 0) + self.counts.get("messages", 0)


# -- seeding: people through the actions, everything else in bulk ----------------------------------


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None, database_url=url, data_dir=data_dir, secret_key=SECRET_KEY, redis_url=None
    )


def _agent_name(k: int) -> str:
    first, last = corpus.EN_FIRST.split(), corpus.EN_LAST.split()
    if k % 3 == 2:
        return corpus.HANT_SURNAMES[k % len(corpus.HANT_SURNAMES)] + corpus.HANT_GIVEN[k % 16]
    return f"{first[k % len(first)]} {last[(k * 7) % len(last)]}"


async def create_people(session: AsyncSession) -> People:
    """The workspace, its admin and web-chat channel (as ``wowdesk workspace create`` makes them),
    2 supervisors and 17 agents with passwords, and 3 teams: through the project's actions."""
    ws, admin = await do_create_workspace(
        session,
        WorkspaceCreate(
            slug=SLUG,
            name="Bench console",
            admin_email=ADMIN_EMAIL,
            admin_password=PASSWORD,
            admin_name="Admin",
        ),
    )
    system = Actor.system(ws.id)
    made: list[tuple[Agent, int]] = []  # (agent, its number among its role)
    for role, n in (("supervisor", SUPERVISORS), ("agent", AGENTS)):
        for k in range(1, n + 1):
            a = await do_create_agent(
                session,
                system,
                AgentCreate(
                    email=f"{role}{k:02d}@bench.test",
                    name=_agent_name(len(made) + 1),
                    role=role,
                    password=PASSWORD,
                    language="zh-Hant" if k % 4 == 0 else "en",
                ),
            )
            made.append((a, k))
    members: list[list[int]] = [[] for _ in TEAMS]
    for a, k in made:
        if a.role == "agent":
            members[(k - 1) % len(TEAMS)].append(a.id)
        else:  # supervisor 1 leads the first two teams, supervisor 2 the third
            for t in (0, 1) if k == 1 else (2,):
                members[t].append(a.id)
    team_ids = []
    for name, ids in zip(TEAMS, members, strict=True):
        team = await do_create_team(session, system, TeamCreate(name=name, member_ids=ids))
        team_ids.append(team.id)
    channel = await do_create_default_channel(session, ws.id)
    agents = [AgentInfo(admin.id, admin.email, "admin", [])]
    for a, _ in made:
        agents.append(
            AgentInfo(a.id, a.email, a.role, [team_ids[t] for t in range(len(TEAMS)) if a.id in members[t]])
        )
    return People(workspace_id=ws.id, channel_id=channel.id, agents=agents, team_ids=team_ids)


class Writer:
    """Rows collected per table and written in dependency order, `batch` rows per executemany."""

    ORDER = (
        "customers",
        "customer_identities",
        "tickets",
        "ticket_tags",
        "ticket_comments",
        "ticket_events",
        "search_documents",
        "search_fts",
        "conversations",
        "messages",
    )

    def __init__(self, dialect: str, batch: int) -> None:
        self.dialect = dialect
        self.batch = batch
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        self.written: dict[str, int] = dict.fromkeys(self.ORDER, 0)
        tables: dict[str, Table] = {
            "customers": cast(Table, Customer.__table__),
            "customer_identities": cast(Table, CustomerIdentity.__table__),
            "tickets": cast(Table, Ticket.__table__),
            "ticket_tags": cast(Table, TicketTag.__table__),
            "ticket_comments": cast(Table, TicketComment.__table__),
            "ticket_events": cast(Table, TicketEvent.__table__),
            "conversations": cast(Table, Conversation.__table__),
            "messages": cast(Table, Message.__table__),
        }
        self.statements: dict[str, Any] = {name: insert(t) for name, t in tables.items()}
        if dialect == "postgresql":  # the tsvector column is the database's own (core.search)
            self.statements["search_documents"] = text(
                "INSERT INTO search_documents (id, workspace_id, kind, ref_id, tsv) "
                "VALUES (:id, :workspace_id, :kind, :ref_id, array_to_tsvector(CAST(:tokens AS text[])))"
            )
        else:
            self.statements["search_documents"] = insert(cast(Table, SearchDocument.__table__))
            self.statements["search_fts"] = text(
                "INSERT INTO search_fts (rowid, tokens) VALUES (:id, :tokens)"
            )

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.rows[name].append(row)

    async def flush(self, session: AsyncSession) -> None:
        for name in self.ORDER:
            rows = self.rows[name]
            for i in range(0, len(rows), self.batch):
                await session.execute(self.statements[name], rows[i : i + self.batch])
            self.written[name] += len(rows)
            rows.clear()


@dataclass
class _Ids:
    """The next id of each table: explicit ids let comments name their ticket without a round trip."""

    next: dict[str, int]

    def take(self, name: str) -> int:
        value = self.next[name]
        self.next[name] = value + 1
        return value


def _actor_of(kind: str, ident: int) -> str:
    return f"{kind}:{ident}"


def ticket_rows(
    w: Writer,
    ids: _Ids,
    rng: random.Random,
    i: int,
    spec: SeedSpec,
    people: People,
    t0: dt.datetime,
    now: dt.datetime,
    customer_base: int,
    mixes: dict[str, Mix],
) -> None:
    """One ticket with its thread (the requester's description, then replies, follow-ups and
    internal notes), its timeline as the actions would write it, tags and search document."""
    ws = people.workspace_id
    tid = ids.take("tickets")
    created = t0 + SPAN * ((i + rng.random()) / spec.tickets)
    customer = rng.randrange(spec.customers)
    requester = customer_base + customer
    payload = corpus.ticket_payload(rng, customer)
    status = mixes["status"].pick(rng)
    workers = people.workers
    assignee: AgentInfo | None = None
    if not ((status == "new" and rng.random() < 0.6) or rng.random() < 0.05):
        assignee = rng.choice(workers)
    if assignee is not None:
        team = rng.choice(assignee.team_ids) if assignee.team_ids else None
    else:
        team = rng.choice(people.team_ids) if rng.random() < 0.7 else None
    channel = mixes["channel"].pick(rng)
    n_comments = LONG_THREAD if rng.random() < LONG_THREAD_SHARE else rng.randint(1, 8)
    if i % HUGE_EVERY == HUGE_EVERY // 2:
        n_comments = HUGE_THREAD
    if status in ("solved", "closed"):
        life = dt.timedelta(seconds=min(rng.expovariate(1 / (2 * 86400)), (now - created).total_seconds()))
    else:  # waiting: touched any time since it came in
        life = (now - created) * rng.random()
    times = sorted([created] + [created + life * rng.random() for _ in range(n_comments - 1)])
    if n_comments > 1:
        times[-1] = created + life

    lines: list[dict[str, Any]] = []

    def line(actor: str, via: str | None, kind: str, at: dt.datetime, **kw: Any) -> None:
        lines.append(
            {
                "id": ids.take("ticket_events"),
                "workspace_id": ws,
                "ticket_id": tid,
                "actor": actor,
                "via": via,
                "kind": kind,
                "field": kw.get("field"),
                "old": kw.get("old"),
                "new": kw.get("new"),
                "comment_id": kw.get("comment_id"),
                "created_at": at,
            }
        )

    if channel in ("email", "web", "chat"):  # the customer wrote in
        opener: tuple[str, str | None] = (_actor_of("customer", requester), None)
    else:  # an agent took it down (phone) or an integration sent it (api)
        opener = (_actor_of("agent", (assignee or rng.choice(workers)).id), "session")
    tags = payload.get("tags", [])
    kind_of_ticket = mixes["type"].pick(rng)
    line(
        opener[0],
        opener[1],
        "created",
        created,
        new={
            "subject": payload["subject"],
            "status": "new",
            "priority": payload["priority"],
            "type": kind_of_ticket,
            "requester_id": requester,
            "assignee_id": None,
            "team_id": team,
            "tags": tags,
            "custom_fields": {},
            "channel": channel,
        },
    )
    bodies = [payload["subject"]]
    for k, at in enumerate(times):
        agent_turn = k % 2 == 1
        if agent_turn:
            author = assignee or rng.choice(workers)
            public = rng.random() >= NOTE_SHARE
            body = corpus.reply_body(rng, customer)
            kind, author_id, via = "agent", author.id, "api"
        else:
            public = True
            body = payload["description"] if k == 0 else corpus.customer_followup(rng, customer)
            kind, author_id, via = "customer", requester, channel
        cid = ids.take("ticket_comments")
        w.add(
            "ticket_comments",
            {
                "id": cid,
                "workspace_id": ws,
                "ticket_id": tid,
                "author_kind": kind,
                "author_id": author_id,
                "body": body,
                "public": public,
                "via": via,
                "created_at": at,
            },
        )
        bodies.append(body)
        line(
            _actor_of(kind, author_id),
            "session" if agent_turn else None,
            "comment",
            at,
            comment_id=cid,
            new={"public": public, "attachments": []},
        )
    # The changes: picked up (assigned, opened) at the first reply, then the status it is in now.
    first_touch = times[1] if n_comments > 1 else created + (life / 2)
    last = times[-1] if n_comments > 1 else created + life
    toucher = _actor_of("agent", (assignee or rng.choice(workers)).id)
    if assignee is not None:
        line(toucher, "session", "changed", first_touch, field="assignee_id", old=None, new=assignee.id)
    solved_at = closed_at = None
    if status != "new":
        line(toucher, "session", "changed", first_touch, field="status", old="new", new="open")
    if status in ("pending", "on_hold"):
        line(toucher, "session", "changed", last, field="status", old="open", new=status)
    if status in ("solved", "closed"):
        solved_at = last
        line(toucher, "session", "changed", last, field="status", old="open", new="solved")
    if status == "closed":
        closed_at = min(now, last + AUTOCLOSE)
        line("system", "tickets.autoclose", "changed", closed_at, field="status", old="solved", new="closed")
    updated = max(ln["created_at"] for ln in lines)
    w.add(
        "tickets",
        {
            "id": tid,
            "workspace_id": ws,
            "number": i + 1,
            "subject": payload["subject"],
            "status": status,
            "priority": payload["priority"],
            "type": kind_of_ticket,
            "requester_id": requester,
            "assignee_id": assignee.id if assignee else None,
            "team_id": team,
            "channel": channel,
            "custom_fields": {},
            "version": len(lines),
            "created_at": created,
            "updated_at": updated,
            "solved_at": solved_at,
            "closed_at": closed_at,
        },
    )
    for tag in tags:
        w.add("ticket_tags", {"workspace_id": ws, "ticket_id": tid, "tag": tag})
    for ln in lines:
        w.add("ticket_events", ln)
    # What the actions index: the subject and every comment (core.text's own tokenizer).
    tokens = index_tokens("\n".join(bodies))
    doc = ids.take("search_documents")
    if w.dialect == "postgresql":
        w.add(
            "search_documents",
            {"id": doc, "workspace_id": ws, "kind": SEARCH_KIND, "ref_id": tid, "tokens": tokens},
        )
    else:
        w.add("search_documents", {"id": doc, "workspace_id": ws, "kind": SEARCH_KIND, "ref_id": tid})
        w.add("search_fts", {"id": doc, "tokens": " ".join(tokens)})


def conversation_rows(
    w: Writer,
    ids: _Ids,
    rng: random.Random,
    j: int,
    spec: SeedSpec,
    people: People,
    t0: dt.datetime,
    now: dt.datetime,
    customer_base: int,
    mixes: dict[str, Mix],
) -> None:
    """One web-chat conversation: 4-16 messages back and forth, a few internal notes; last_seq and
    the read marks follow its messages."""
    ws = people.workspace_id
    cid = ids.take("conversations")
    created = t0 + SPAN * ((j + rng.random()) / spec.conversations)
    customer = rng.randrange(spec.customers)
    customer_id = customer_base + customer
    status = mixes["chat_status"].pick(rng)
    workers = people.workers
    assignee: AgentInfo | None = None
    if status != "open" or rng.random() < 0.65:
        assignee = rng.choice(workers)
    if assignee is not None:
        team = rng.choice(assignee.team_ids) if assignee.team_ids else None
    else:
        team = rng.choice(people.team_ids) if rng.random() < 0.5 else None
    n = rng.randint(4, 16)
    if j % HUGE_EVERY == HUGE_EVERY // 2:  # in the shared queue: every agent may open it
        n, assignee, team = HUGE_CHAT, None, None
    at = created
    incoming = True
    last_public = created
    last_outgoing = 0
    for seq in range(1, n + 1):
        if seq > 1:
            at = min(now, at + dt.timedelta(seconds=rng.expovariate(1 / 90)))
            incoming = (not incoming) if rng.random() < 0.7 else incoming
        private = False
        if incoming:
            body = corpus.chat_line(rng, customer)
            author_kind, author_id, client_id = "customer", customer_id, f"w{seq}-{rng.getrandbits(32):08x}"
        else:
            author = assignee or rng.choice(workers)
            private = rng.random() < 0.05
            body = corpus.reply_body(rng, customer)
            author_kind, author_id, client_id = "agent", author.id, None
            last_outgoing = seq
        if not private:
            last_public = at
        w.add(
            "messages",
            {
                "id": ids.take("messages"),
                "workspace_id": ws,
                "conversation_id": cid,
                "seq": seq,
                "direction": "incoming" if incoming else "outgoing",
                "kind": "text",
                "private": private,
                "author_kind": author_kind,
                "author_id": author_id,
                "body": body,
                "client_id": client_id,
                "status": "sent",
                "error": None,
                "created_at": at,
            },
        )
    resolved_at = min(now, at + dt.timedelta(seconds=rng.uniform(60, 3600))) if status == "resolved" else None
    unread = status == "open" and rng.random() < 0.5
    w.add(
        "conversations",
        {
            "id": cid,
            "workspace_id": ws,
            "channel_id": people.channel_id,
            "customer_id": customer_id,
            "status": status,
            "priority": mixes["chat_priority"].pick(rng),
            "assignee_id": assignee.id if assignee else None,
            "team_id": team,
            "language": corpus.customer_language(customer),
            "last_seq": n,
            "customer_received_seq": n if status == "resolved" else last_outgoing,
            "customer_read_seq": last_outgoing,
            "agent_read_seq": last_outgoing if unread else n,
            "ticket_id": None,
            "last_message_at": last_public,
            "resolved_at": resolved_at,
            "created_at": created,
            "updated_at": resolved_at or at,
        },
    )


async def _max_ids(session: AsyncSession, names: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for name in names:
        value = (await session.execute(text(f"SELECT max(id) FROM {name}"))).scalar()
        out[name] = int(value or 0) + 1
    return out


async def seed(url: str, data_dir: Path, spec: SeedSpec, batch: int) -> tuple[People, float]:
    """Everything in the workspace; returns who is in it and the seconds it took."""
    rt = build_runtime(_settings(url, data_dir))
    t_start = time.perf_counter()
    try:
        async with rt.uow() as s:
            people = await create_people(s)
        print(
            f"  workspace, {len(people.agents)} agents in {len(people.team_ids)} teams and the web-chat "
            f"channel through the actions: {time.perf_counter() - t_start:.1f} s",
            flush=True,
        )
        rng = random.Random(spec.seed)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        t0 = now - SPAN
        mixes = {
            "status": Mix(TICKET_STATUS_MIX),
            "type": Mix(TYPE_MIX),
            "channel": Mix(CHANNEL_MIX),
            "chat_status": Mix(CHAT_STATUS_MIX),
            "chat_priority": Mix(CHAT_PRIORITY_MIX),
        }
        async with rt.uow(write=False) as s:
            ids = _Ids(
                await _max_ids(
                    s,
                    (
                        "customers",
                        "customer_identities",
                        "tickets",
                        "ticket_comments",
                        "ticket_events",
                        "search_documents",
                        "conversations",
                        "messages",
                    ),
                )
            )
        w = Writer(rt.db.dialect, batch)
        customer_base = ids.next["customers"]
        ws = people.workspace_id

        # customers: one e-mail identity each
        t1 = time.perf_counter()
        async with rt.uow() as s:
            for c in range(spec.customers):
                joined = t0 - dt.timedelta(days=rng.uniform(0, 365))
                cu = ids.take("customers")
                w.add(
                    "customers",
                    {
                        "id": cu,
                        "workspace_id": ws,
                        "name": corpus.customer_name(c),
                        "language": corpus.customer_language(c),
                        "time_zone": None,
                        "tags": [],
                        "custom_attributes": {},
                        "merged_into_id": None,
                        "created_at": joined,
                        "updated_at": joined,
                    },
                )
                w.add(
                    "customer_identities",
                    {
                        "id": ids.take("customer_identities"),
                        "workspace_id": ws,
                        "customer_id": cu,
                        "channel": "email",
                        "value": corpus.customer_email(c),
                        "verified": False,
                        "created_at": joined,
                    },
                )
                if len(w.rows["customers"]) >= CHUNK * 5:
                    await w.flush(s)
            await w.flush(s)
        print(f"  {spec.customers:,} customers: {time.perf_counter() - t1:.1f} s", flush=True)

        for what, total, make in (
            ("tickets", spec.tickets, ticket_rows),
            ("conversations", spec.conversations, conversation_rows),
        ):
            t1 = last = time.perf_counter()
            done = 0
            while done < total:
                async with rt.uow() as s:
                    for _ in range(CHUNKS_PER_TRANSACTION):
                        if done >= total:
                            break
                        for k in range(done, min(total, done + CHUNK)):
                            make(w, ids, rng, k, spec, people, t0, now, customer_base, mixes)
                        done = min(total, done + CHUNK)
                        await w.flush(s)
                if time.perf_counter() - last > 15 or done == total:
                    last = time.perf_counter()
                    rate = done / (last - t1)
                    eta = f", {(total - done) / rate:.0f} s to go" if done < total else ""
                    print(f"  {what}: {done:,}/{total:,} ({rate:,.0f}/s{eta})", flush=True)

        async with rt.uow() as s:
            # The next ticket created through the app is numbered after the seeded ones.
            await advance(s, ws, "ticket", spec.tickets)
            if rt.db.dialect == "postgresql":  # explicit ids: move the sequences past them
                for name in ids.next:
                    sequence = f"pg_get_serial_sequence('{name}', 'id')"
                    await s.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))
        t1 = time.perf_counter()
        async with rt.uow() as s:
            await refresh_statistics(s)  # SQLite's ANALYZE (the server runs it again when it starts)
        seconds = time.perf_counter() - t_start
        print(f"  ANALYZE: {time.perf_counter() - t1:.1f} s", flush=True)
        return people, seconds
    finally:
        await rt.stop()


# -- what is in the database -----------------------------------------------------------------------

COUNTED = (
    "agents",
    "teams",
    "customers",
    "customer_identities",
    "tickets",
    "ticket_tags",
    "ticket_comments",
    "ticket_events",
    "search_documents",
    "conversations",
    "messages",
)


@dataclass
class Facts:
    """What the measuring needs to know about the seeded workspace."""

    workspace_id: int
    counts: dict[str, int]
    ticket_ids: tuple[int, int]  # first and last
    agents: list[AgentInfo]
    visible: dict[int, list[int]]  # agent id -> conversation ids that agent may open
    ticket_counter: int
    problems: list[str]
    long_tickets: list[int] = field(default_factory=list)  # > LONG_TIMELINE timeline entries
    long_conversations: set[int] = field(default_factory=set)  # > LONG_TIMELINE messages


async def read_facts(url: str, data_dir: Path, role: str, clients: int) -> Facts:
    rt = build_runtime(_settings(url, data_dir))
    try:
        async with rt.uow(write=False) as s:
            ws = (
                await s.execute(text("SELECT id FROM workspaces WHERE slug = :s"), {"s": SLUG})
            ).scalar_one()
            counts = {}
            for name in COUNTED:
                n = (await s.execute(text(f"SELECT count(*) FROM {name}"))).scalar_one()
                counts[name] = int(n)
            lo, hi = (await s.execute(select(func.min(Ticket.id), func.max(Ticket.id)))).one()
            rows = (await s.execute(select(Agent.id, Agent.email, Agent.role).order_by(Agent.id))).all()
            teams: dict[int, list[int]] = {}
            for team_id, agent_id in (await s.execute(select(TeamMember.team_id, TeamMember.agent_id))).all():
                teams.setdefault(agent_id, []).append(team_id)
            agents = [AgentInfo(a, e, r, sorted(teams.get(a, []))) for a, e, r in rows]
            chosen = [a for a in agents if a.role == role][:clients]
            visible: dict[int, list[int]] = {}
            for a in chosen:
                q = select(Conversation.id).where(Conversation.workspace_id == ws)
                if role == "agent":
                    q = q.where(
                        (Conversation.assignee_id == a.id)
                        | (
                            Conversation.assignee_id.is_(None)
                            & (Conversation.team_id.is_(None) | Conversation.team_id.in_(a.team_ids or [0]))
                        )
                    )
                visible[a.id] = [int(i) for i in (await s.execute(q.order_by(Conversation.id))).scalars()]
            counter = await current_value(s, ws, "ticket")
            long_tickets = [
                int(i)
                for i in (
                    await s.execute(
                        select(Ticket.id).where(Ticket.version > LONG_TIMELINE).order_by(Ticket.id)
                    )
                ).scalars()
            ]
            long_conversations = {
                int(i)
                for i in (
                    await s.execute(select(Conversation.id).where(Conversation.last_seq > LONG_TIMELINE))
                ).scalars()
            }
            problems = []
            max_number = (await s.execute(select(func.max(Ticket.number)))).scalar() or 0
            if counter != max_number:
                problems.append(f"the ticket counter is {counter}, the highest ticket number {max_number}")
            bad_seq = (
                await s.execute(
                    text(
                        "SELECT count(*) FROM conversations c WHERE c.last_seq <> "
                        "(SELECT coalesce(max(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)"
                    )
                )
            ).scalar_one()
            if bad_seq:
                problems.append(f"{bad_seq} conversations whose last_seq is not their last message's seq")
            unindexed = counts["tickets"] - counts["search_documents"]
            if unindexed:
                problems.append(f"{unindexed} tickets without a search document")
        return Facts(
            workspace_id=int(ws),
            counts=counts,
            ticket_ids=(int(lo or 0), int(hi or 0)),
            agents=agents,
            visible=visible,
            ticket_counter=counter,
            problems=problems,
            long_tickets=long_tickets,
            long_conversations=long_conversations,
        )
    finally:
        await rt.stop()


# -- the SQLite cache ------------------------------------------------------------------------------


def migration_digests() -> dict[str, str]:
    """Each migration file's name and a digest of its text."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(Path(script.versions).glob("*.py"))
    }


def data_key(spec: SeedSpec) -> str:
    """What the seeded rows depend on besides the schema: the sizes and seed, the seed format and
    the corpus the texts come from."""
    digest = hashlib.sha256(f"{spec.key()}-{SEED_FORMAT}".encode())
    digest.update((Path(__file__).parent / "_corpus.py").read_bytes())
    return digest.hexdigest()[:10]


def stale_migrations(seeded_with: dict[str, str]) -> list[str]:
    """The migrations a cached database was built with that have changed or gone since: such a
    file is not reused. (Migrations added since are fine: they are applied to the copy.)"""
    now = migration_digests()
    return sorted(name for name, digest in seeded_with.items() if now.get(name) != digest)


def cached_sqlite(args: argparse.Namespace, spec: SeedSpec) -> tuple[Path, Seeding]:
    """The seeded SQLite file: from the cache, or seeded into it (under a temporary name, renamed
    when complete, so an interrupted run never leaves a half-seeded file to be reused).

    The cache is ``<tmp>/wowdesk-bench-cache/console-<data key>.db`` with a ``.json`` beside it
    (when, how long, the migrations it was built with). It is reused when the data key matches and
    none of those migrations has changed; migrations added since are applied to the run's copy, as
    an upgrade would. ``--fresh`` seeds again; deleting the directory empties the cache."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"console-{data_key(spec)}"
    path = CACHE_DIR / f"{stem}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists() and not args.fresh:
        info = json.loads(meta.read_text())
        changed = stale_migrations(info.get("migrations", {"?": "?"}))
        if not changed:
            print(
                f"  reusing the cached database {path} (seeded {info['seeded_at']} in "
                f"{info['seconds']:.0f} s; --fresh to seed again)"
            )
            return path, Seeding(reused=True, seconds=float(info["seconds"]), seeded_at=info["seeded_at"])
        print(f"  the cached database {path} is outdated (changed migrations: {', '.join(changed)})")
    for suffix in (".db", ".json"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    for stale in CACHE_DIR.glob("console-*.tmp-*"):  # left by a run that was killed
        if time.time() - stale.stat().st_mtime > 3600:
            stale.unlink(missing_ok=True)
    tmp = CACHE_DIR / f"{stem}.tmp-{os.getpid()}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{tmp}"
    migrations = migration_digests()
    seed_dir = Path(tempfile.mkdtemp(prefix="wowdesk-bench-seed-"))
    try:
        print(f"  seeding {tmp} (cache miss)", flush=True)
        t0 = time.perf_counter()
        upgrade(url)
        print(f"  migrated: {time.perf_counter() - t0:.1f} s", flush=True)
        run_async(seed(url, seed_dir, spec, args.batch))
        seconds = time.perf_counter() - t0  # migration included
        with contextlib.closing(sqlite3.connect(tmp)) as conn:  # fold the WAL into the file
            conn.execute("PRAGMA journal_mode=DELETE")
        os.replace(tmp, path)
    finally:
        shutil.rmtree(seed_dir, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    seeded_at = dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
    meta.write_text(
        json.dumps(
            {"seconds": seconds, "seeded_at": seeded_at, "spec": asdict(spec), "migrations": migrations}
        )
    )
    return path, Seeding(reused=False, seconds=seconds, seeded_at=seeded_at)


def _pg_seed_record(args: argparse.Namespace) -> dict[str, Any] | None:
    """What a kept PostgreSQL bench database says it holds (its COMMENT), or None."""
    found = pg_execute(
        args.postgres,
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{PG_DATABASE}'",
    )
    with contextlib.suppress(ValueError, TypeError):
        record = json.loads(found)
        return record if isinstance(record, dict) else None
    return None


def seeded_postgres(args: argparse.Namespace, spec: SeedSpec, data_dir: Path) -> tuple[str, Seeding]:
    """The PostgreSQL database ``wowdesk_bench_console``, seeded. Created and seeded in each run
    and dropped at its end, unless ``--keep``: then it stays, and a later run reuses it if its
    record (the database's COMMENT: data key, migrations, when) matches, as for the SQLite cache
    (``--fresh`` seeds again)."""
    from sqlalchemy.engine import make_url

    url = make_url(args.postgres).set(database=PG_DATABASE).render_as_string(hide_password=False)
    record = None if args.fresh else _pg_seed_record(args)
    if record and record.get("key") == data_key(spec) and not stale_migrations(record["migrations"]):
        print(
            f"  reusing the kept database {safe_url(url)} (seeded {record['seeded_at']} in "
            f"{record['seconds']:.0f} s; --fresh to seed again)",
            flush=True,
        )
        t0 = time.perf_counter()
        upgrade(url)  # migrations added since it was seeded
        print(f"  migrated to the head revision: {time.perf_counter() - t0:.1f} s", flush=True)
        pg_execute(url, "ANALYZE")
        seeding = Seeding(reused=True, seconds=float(record["seconds"]), seeded_at=record["seeded_at"])
    else:
        url = pg_recreate_database(args.postgres, PG_DATABASE)
        print(f"  created {safe_url(url)}", flush=True)
        t0 = time.perf_counter()
        migrations = migration_digests()
        upgrade(url)
        print(f"  migrated: {time.perf_counter() - t0:.1f} s", flush=True)
        run_async(seed(url, data_dir, spec, args.batch))
        t1 = time.perf_counter()
        pg_execute(url, "VACUUM ANALYZE")  # what autovacuum would have done by now in production
        print(f"  VACUUM ANALYZE: {time.perf_counter() - t1:.1f} s", flush=True)
        seeding = Seeding(
            reused=False,
            seconds=time.perf_counter() - t0,
            seeded_at=dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        )
        record = {
            "key": data_key(spec),
            "migrations": migrations,
            "seconds": seeding.seconds,
            "seeded_at": seeding.seeded_at,
        }
        comment = json.dumps(record).replace("'", "''")
        pg_execute(url, f"COMMENT ON DATABASE \"{PG_DATABASE}\" IS '{comment}'")
    seeding.size_bytes = int(pg_execute(url, f"SELECT pg_database_size('{PG_DATABASE}')"))
    return url, seeding


# -- HTTP: pages with their Server-Timing ----------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    server: float | None  # seconds, from Server-Timing: app;dur=<ms>
    location: str | None
    statements: int | None = None  # SQL statements, from Server-Timing: sql;desc="<n>"
    cpu: float | None = None  # seconds of the event loop thread's CPU, from Server-Timing: cpu;dur=<ms>

    @classmethod
    def of(cls, status: int, body: bytes, timing: str | None, location: str | None) -> Answer:
        return cls(
            status,
            body,
            _metric(timing, "app", "dur", 1000),
            location,
            _statements(timing),
            _metric(timing, "cpu", "dur", 1000),
        )


def _metric(header: str | None, metric: str, param: str, per: float = 1) -> float | None:
    """A parameter of one metric of a Server-Timing header (``app;dur=12.5, sql;desc="9"``)."""
    for entry in (header or "").split(","):
        name, *params = (p.strip() for p in entry.split(";"))
        if name != metric:
            continue
        for p in params:
            key, _, value = p.partition("=")
            if key.strip() == param:
                with contextlib.suppress(ValueError):
                    return float(value.strip().strip('"')) / per
    return None


def server_time(header: str | None) -> float | None:
    """The ``app`` metric's ``dur`` (milliseconds) of a Server-Timing header, in seconds."""
    return _metric(header, "app", "dur", 1000)


def _statements(header: str | None) -> int | None:
    n = _metric(header, "sql", "desc")
    return None if n is None else int(n)


class PageHttp:
    """One keep-alive HTTP/1.1 connection (``http.client``) signed in with a session cookie."""

    def __init__(self, port: int, cookie: str, accept: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.headers = {"Accept": accept, "Cookie": f"{SESSION_COOKIE}={cookie}"}

    def get(self, path: str) -> Answer:
        try:
            self.conn.request("GET", path, headers=self.headers)
            r = self.conn.getresponse()
            body = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        return Answer.of(r.status, body, r.getheader("server-timing"), r.getheader("location"))

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        a = self.get(path)
        return a.status, a.body

    def close(self) -> None:
        self.conn.close()


class PageHttpx:
    """The same over ``httpx.Client`` (keep-alive), one per client thread."""

    def __init__(self, port: int, cookie: str, accept: str) -> None:
        import httpx

        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Accept": accept},
            cookies={SESSION_COOKIE: cookie},
            timeout=REQUEST_TIMEOUT,
            follow_redirects=False,
        )

    def get(self, path: str) -> Answer:
        import httpx

        try:
            r = self.client.get(path)
        except httpx.HTTPError as exc:
            raise OSError(repr(exc)) from exc
        return Answer.of(r.status_code, r.content, r.headers.get("server-timing"), r.headers.get("location"))

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        a = self.get(path)
        return a.status, a.body

    def close(self) -> None:
        self.client.close()


PAGE_CLIENTS: dict[str, Callable[[int, str, str], PageHttp | PageHttpx]] = {
    "http.client": PageHttp,
    "httpx": PageHttpx,
}


def _post_json(
    port: int, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
        )
        r = conn.getresponse()
        data = r.read()
        return r.status, data, r.headers
    finally:
        conn.close()


def sign_in(port: int, email: str) -> tuple[str, str]:
    """(session cookie, CSRF token) of a console session for `email`."""
    status, data, headers = _post_json(
        port, "/api/v1/auth/session", {"workspace": SLUG, "email": email, "password": PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"sign-in of {email} failed: {status} {data[:300]!r}")
    for value in headers.get_all("set-cookie") or []:
        m = re.match(rf"\s*{SESSION_COOKIE}=([^;]*)", value)
        if m:
            return m.group(1), json.loads(data)["csrf_token"]
    raise RuntimeError(f"sign-in of {email}: no {SESSION_COOKIE} cookie in the answer")


_NEXT_RE = re.compile(r"<a\b[^>]*\brel=[\"']?next[\"']?[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(r"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)


def next_link(body: bytes) -> str | None:
    """The href of the page's ``<a rel="next" href="…">``."""
    m = _NEXT_RE.search(body.decode(errors="replace"))
    if not m:
        return None
    h = _HREF_RE.search(m.group(0))
    return html.unescape(h.group(1)) if h else None


# -- the pages -------------------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    what: str
    # (client number, its random generator, iteration) -> (label, path)
    path: Callable[[int, random.Random, int], tuple[str, str]]
    warmup: int = 2


@dataclass
class PageResult:
    page: Page
    clients: int
    phase: Phase | None = None
    skipped: str = ""  # why the page was not measured (its first request failed)

    def labels(self) -> list[str]:
        if self.phase is None:
            return []
        return [k for k in self.phase.latencies if not k.startswith((SERVER, SQL, CPU))]


SERVER = "server "  # prefix of the server-time samples' label
SQL = "sql "  # prefix of the SQL statement counts' label (the Server-Timing header's sql;desc)
CPU = "cpu "  # prefix of the server CPU times' label (the Server-Timing header's cpu;dur)


def _inbox(view: str, api: bool) -> str:
    if not api:
        return f"/inbox?view={view}"
    statuses = {
        "open": "status=new,open",
        "mine": "status=new,open,pending,on_hold&assignee=me",
        "unassigned": "status=new,open,pending,on_hold&assignee=none",
        "solved": "status=solved",
    }[view]
    return f"/api/v1/tickets?{statuses}&sort=-updated_at"


def build_pages(api: bool, facts: Facts, clients: list[AgentInfo], page2: str) -> list[Page]:
    lo, hi = facts.ticket_ids
    terms = corpus.SEARCH_TERMS

    def fixed(label: str, path: str) -> Callable[[int, random.Random, int], tuple[str, str]]:
        return lambda i, rng, k: (label, path)

    def search(i: int, rng: random.Random, k: int) -> tuple[str, str]:
        _, q = terms[(i + k) % len(terms)]
        base = _inbox("open", api)
        return f"search: {q}", f"{base}&q={quote(q)}"

    def ticket(i: int, rng: random.Random, k: int) -> tuple[str, str]:
        tid = rng.randint(lo, hi)
        return "ticket", f"/api/v1/tickets/{tid}/comments" if api else f"/tickets/{tid}"

    def long_ticket(i: int, rng: random.Random, k: int) -> tuple[str, str]:
        tid = rng.choice(facts.long_tickets)
        return "ticket long", f"/api/v1/tickets/{tid}/comments" if api else f"/tickets/{tid}"

    counts = fixed("inbox counts", "/inbox/counts")

    def conversation(i: int, rng: random.Random, k: int) -> tuple[str, str]:
        cid = rng.choice(facts.visible[clients[i].id])
        return "conversation", f"/api/v1/conversations/{cid}/messages" if api else f"/conversations/{cid}"

    long_chats = {a.id: [c for c in facts.visible[a.id] if c in facts.long_conversations] for a in clients}

    def long_conversation(i: int, rng: random.Random, k: int) -> tuple[str, str]:
        cid = rng.choice(long_chats[clients[i].id])
        label = "conversation long"
        return label, f"/api/v1/conversations/{cid}/messages" if api else f"/conversations/{cid}"

    longs: list[Page] = []
    if facts.long_tickets:
        what = f"ticket pages at random among the {len(facts.long_tickets):,} with > {LONG_TIMELINE} entries"
        longs.append(Page("ticket-long", what, long_ticket))
    if all(long_chats.values()):
        n = min(len(v) for v in long_chats.values())
        what = f"conversation pages with > {LONG_TIMELINE} messages (≥ {n} the agent may open)"
        longs.append(Page("conversation-long", what, long_conversation))

    return [
        Page("open", "inbox: all open, first page", fixed("inbox open", _inbox("open", api))),
        Page("open-p2", "inbox: all open, the next page", fixed("inbox open p2", page2)),
        Page("mine", "inbox: mine", fixed("inbox mine", _inbox("mine", api))),
        Page("unassigned", "inbox: unassigned", fixed("inbox unassigned", _inbox("unassigned", api))),
        Page("solved", "inbox: solved", fixed("inbox solved", _inbox("solved", api))),
        Page("search", "inbox: all open, searched (cycling over the terms)", search, warmup=len(terms)),
        Page("ticket", "ticket pages at random", ticket),
        Page("conversation", "conversation pages at random (those the agent may open)", conversation),
        *longs,
    ] + ([] if api else [Page("counts", "inbox: every view's count (the inbox page asks for them)", counts)])


def fetch(client: PageHttp | PageHttpx, rec: Recorder, label: str, path: str) -> Answer | None:
    """One page: its client latency under `label`, its server time under SERVER + `label`; None
    after an error (anything but 200, or a broken connection), which is counted and printed."""
    t0 = time.perf_counter()
    try:
        a = client.get(path)
    except (OSError, http.client.HTTPException) as exc:
        a = Answer(0, repr(exc).encode(), None, None)
    elapsed = time.perf_counter() - t0
    rec.requests += 1
    if a.status != 200:
        where = f" (Location: {a.location})" if a.location else ""
        rec.error(
            f"GET {path} -> {a.status or 'connection error'}{where}: {a.body[:300].decode(errors='replace')}"
        )
        return None
    rec.add(label, elapsed)
    if a.server is not None:
        rec.add(SERVER + label, a.server)
    if a.cpu is not None:
        rec.add(CPU + label, a.cpu)
    if a.statements is not None:
        rec.add(SQL + label, float(a.statements))
    else:
        rec.notes.setdefault(f"{label}: no Server-Timing", True)
    rec.notes.setdefault(f"{label}: bytes", len(a.body))
    return a


def first_page2(port: int, cookie: str, api: bool, client_kind: str) -> str:
    """The address of the open view's second page, as page one links to it."""
    c = PAGE_CLIENTS[client_kind](port, cookie, _accept(api))
    try:
        a = c.get(_inbox("open", api))
    finally:
        c.close()
    if a.status != 200:
        raise LookupError(f"GET {_inbox('open', api)} -> {a.status}: {a.body[:300].decode(errors='replace')}")
    if api:
        cursor = json.loads(a.body).get("next_cursor")
        if not cursor:
            raise LookupError("the open view's first page has no next_cursor")
        return f"{_inbox('open', api)}&cursor={quote(cursor)}"
    href = next_link(a.body)
    if not href:
        raise LookupError('the open view\'s first page has no <a rel="next" href="…">')
    u = urlsplit(urljoin(_inbox("open", api), href))  # relative or absolute: the path and query
    return f"{u.path}?{u.query}" if u.query else u.path


def _accept(api: bool) -> str:
    return "application/json" if api else "text/html,application/xhtml+xml"


def measure_page(
    args: argparse.Namespace, server: Server, cookies: list[str], page: Page, pid: int
) -> PageResult:
    clients = [PAGE_CLIENTS[args.client](server.port, c, _accept(args.api)) for c in cookies]
    rngs = [random.Random(args.seed * 1000 + 17 * i) for i in range(len(clients))]
    try:
        probe = Recorder()
        label, path = page.path(0, random.Random(args.seed), 0)
        if fetch(clients[0], probe, label, path) is None:
            message = next(iter(probe.errors))
            return PageResult(page, len(clients), skipped=message)

        def iteration(client: Client, rec: Recorder, i: int, k: int) -> None:
            label, path = page.path(i, rngs[i], k)
            fetch(cast(PageHttp, client), rec, label, path)

        phase = run_clients(
            page.key,
            cast(list[Client], clients),
            args.seconds,
            iteration,
            pid,
            page.warmup,
            max_iterations=args.max_requests,
        )
        return PageResult(page, len(clients), phase)
    finally:
        for c in clients:
            c.close()


# -- one database ----------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    url: str
    seeding: Seeding
    facts: Facts | None = None
    pages: list[PageResult] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)

    def error_count(self) -> int:
        n = len(self.setup_errors) + sum(1 for p in self.pages if p.skipped)
        return n + sum(p.phase.error_count for p in self.pages if p.phase)


def run_database(args: argparse.Namespace, database: str, spec: SeedSpec) -> Result:
    workdir = Path(tempfile.mkdtemp(prefix=f"wowdesk-bench-console-{database}-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    server: Server | None = None
    url = ""
    print(f"\n=== {database}: {spec.describe()}", flush=True)
    try:
        if database == "sqlite":
            cached, seeding = cached_sqlite(args, spec)
            db_file = workdir / "wowdesk.db"
            t0 = time.perf_counter()
            shutil.copyfile(cached, db_file)  # the cache stays as seeded: sessions, jobs … go to the copy
            print(f"  copied to {db_file} in {time.perf_counter() - t0:.1f} s")
            url = f"sqlite+aiosqlite:///{db_file}"
            if seeding.reused:  # migrations added since the file was seeded
                t0 = time.perf_counter()
                upgrade(url)
                print(f"  migrated the copy to the head revision: {time.perf_counter() - t0:.1f} s")
            seeding.size_bytes = db_file.stat().st_size
        else:
            url, seeding = seeded_postgres(args, spec, data_dir)
        result = Result(database=database, url=safe_url(url), seeding=seeding)
        facts = run_async(read_facts(url, data_dir, args.role, args.clients))
        result.facts = facts
        seeding.counts = facts.counts
        seeding.checks = facts.problems
        result.setup_errors += [f"seeded data: {p}" for p in facts.problems]
        print_seeding(database, seeding)

        env = {
            "WOWDESK_DATABASE_URL": url,
            "WOWDESK_DATA_DIR": str(data_dir),
            "WOWDESK_SECRET_KEY": SECRET_KEY,
        }
        server = Server(workdir, env)
        server.start(serve_args=("--no-migrate",))
        _watched.append(server)
        chosen = [a for a in facts.agents if a.role == args.role]
        if not chosen:
            raise RuntimeError(f"no agent with the role {args.role}")
        clients = [chosen[i % len(chosen)] for i in range(args.clients)]
        sessions = [sign_in(server.port, a.email) for a in clients]
        cookies = [c for c, _ in sessions]
        print(
            f"  server pid {server.pid} on port {server.port}; {args.clients} clients signed in as "
            f"{', '.join(sorted({a.email for a in clients}))}",
            flush=True,
        )
        result.setup_errors += sanity_checks(server.port, sessions[0], facts)
        try:
            page2 = first_page2(server.port, cookies[0], args.api, args.client)
        except (LookupError, OSError, http.client.HTTPException) as exc:
            page2 = ""
            print(f"  ERROR page 2: {exc}")
        visible = [len(facts.visible[a.id]) for a in clients]
        print(f"  conversations the clients' agents may open: {', '.join(f'{n:,}' for n in visible)}")
        for page in build_pages(args.api, facts, clients, page2):
            if args.pages and page.key not in args.pages:
                continue
            for n in args.levels:  # one client: the page's own time; more: under load
                print(
                    f"-- {database} {page.key}: {page.what}; {n} client{'s' if n > 1 else ''} × "
                    f"{args.seconds:g} s",
                    flush=True,
                )
                if page.key == "open-p2" and not page2:
                    pr = PageResult(page, n, skipped="no link to the second page")
                else:
                    pr = measure_page(args, server, cookies[:n], page, server.pid)
                result.pages.append(pr)
                print_page(database, pr)
        return result
    finally:
        if server is not None:
            warnings = server_log_problems(server)
            if warnings:
                print(f"  server log: {len(warnings)} warning/error lines; the last ones:")
                for line in warnings[-8:]:
                    print(f"  | {line[:300]}")
            server.stop()
        if database == "postgres" and url and not args.keep:
            with contextlib.suppress(Exception):
                pg_drop_database(args.postgres, url)
        if args.keep:
            print(
                f"  kept {workdir}" + (f" and the database {PG_DATABASE}" if database == "postgres" else "")
            )
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def sanity_checks(port: int, session: tuple[str, str], facts: Facts) -> list[str]:
    """The seeded workspace works as the app's own: a new ticket is numbered after the seeded ones
    (the counter), search finds seeded tickets (the index). Returns the problems."""
    cookie, csrf = session
    problems = []
    auth = {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": csrf}
    payload = corpus.ticket_payload(random.Random(7), 1)
    status, data, _ = _post_json(port, "/api/v1/tickets", payload, auth)
    if status != 201:
        problems.append(f"POST /api/v1/tickets -> {status}: {data[:300]!r}")
    elif (number := json.loads(data)["number"]) != facts.ticket_counter + 1:
        problems.append(f"a new ticket got number {number}, not {facts.ticket_counter + 1}")
    c = PageHttp(port, cookie, "application/json")
    try:
        a = c.get(f"/api/v1/tickets?q={quote('order')}")
        if a.status != 200 or not json.loads(a.body)["items"]:
            problems.append(f"searching the API for 'order' found nothing: {a.status} {a.body[:200]!r}")
    finally:
        c.close()
    for p in problems:
        print(f"  ERROR {p}")
    if not problems:
        print("  checks: a new ticket is numbered after the seeded ones; search finds seeded tickets")
    return problems


def server_log_problems(server: Server) -> list[str]:
    try:
        lines = server.log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [ln for ln in lines if any(w in ln for w in ("WARNING", "ERROR", "Traceback"))]


def run_async(coro: Any) -> Any:
    """Run on uvloop when it is installed, as the server does (uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# -- output ----------------------------------------------------------------------------------------

PAGE_HEADERS = [
    "database: page",
    "clients",
    "req/s",
    "errors",
    "client p50",
    "p95",
    "p99",
    "max",
    "server p50",
    "p95",
    "p99",
    "max",
    "cpu p50",
    "p99",
    "SQL",
    "busy",
    "p99 < 150",
]


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def verdict(server: Stats | None) -> str:
    if server is None or not server.count:
        return "✗ (no Server-Timing)"
    return "✓" if server.p99 < TARGET_P99 else "✗"


def page_rows(database: str, pr: PageResult) -> list[list[str]]:
    if pr.phase is None:
        return [[f"{database}: {pr.page.key}", str(pr.clients), "-", "skipped", *["-"] * 12, "✗"]]
    p = pr.phase
    rows = []
    for label in pr.labels():
        c = p.latencies[label]
        s = p.latencies.get(SERVER + label)
        server = [ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)] if s else ["-"] * 4
        errors = str(p.error_count) if label == pr.labels()[0] else ""
        q = p.latencies.get(SQL + label)
        # Statements per page (the Server-Timing header's sql;desc): "15", or "13 ≤15" (median, max).
        statements = "-" if q is None else f"{q.p50:.0f}" + ("" if q.p50 == q.max else f" ≤{q.max:.0f}")
        first = label == pr.labels()[0]
        rows.append(
            [
                f"{database}: {label}",
                str(pr.clients),
                f"{c.count / p.elapsed:,.1f}",
                errors,
                ms(c.p50),
                ms(c.p95),
                ms(c.p99),
                ms(c.max),
                *server,
                *((ms(u.p50), ms(u.p99)) if (u := p.latencies.get(CPU + label)) else ("-", "-")),
                statements,
                f"{p.machine_busy:.0%}" if first else "",
                verdict(s),
            ]
        )
    return rows


def print_page(database: str, pr: PageResult) -> None:
    if pr.phase is None:
        print(f"  skipped: {pr.skipped[:400]}", flush=True)
        return
    print(table(PAGE_HEADERS, page_rows(database, pr)))
    p = pr.phase
    sizes = [f"{k.removesuffix(': bytes')} {_size(v)}" for k, v in p.notes.items() if k.endswith(": bytes")]
    print(
        f"  {p.requests:,} requests in {p.elapsed:.1f} s = {p.requests / p.elapsed:,.1f}/s; "
        f"errors: {p.error_count}; page size: {', '.join(sizes[:6])}"
    )
    missing = [k.removesuffix(": no Server-Timing") for k in p.notes if k.endswith(": no Server-Timing")]
    if missing:
        print(f"  no Server-Timing header on: {', '.join(missing)}")
    statements = [
        f"{label} {s.p50:.0f} (max {s.max:.0f})"
        for label in pr.labels()
        if (s := p.latencies.get(SQL + label)) is not None
    ]
    if statements:
        print(f"  SQL statements per page, median: {', '.join(statements)}")
    print(cpu_line(p), flush=True)


def print_seeding(database: str, s: Seeding) -> None:
    how = ("reused from the cache" if database == "sqlite" else "reused (kept)") if s.reused else "seeded now"
    print(f"  {database} data {how}: seeding took {s.seconds:.1f} s; {_size(s.size_bytes)} on disk")
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in s.counts.items()))
    print(
        f"  messages: {s.messages:,} (ticket comments {s.counts.get('ticket_comments', 0):,} + chat messages "
        f"{s.counts.get('messages', 0):,})",
        flush=True,
    )
    for problem in s.checks:
        print(f"  ERROR seeded data: {problem}")


def summary(args: argparse.Namespace, spec: SeedSpec, results: list[Result], pg: dict[str, str]) -> int:
    print("\n=== summary")
    print(f"data: {spec.describe()}")
    for r in results:
        s = r.seeding
        how = "seeded in this run"
        if s.reused:
            how = "reused from the cache" if r.database == "sqlite" else "reused from a kept database"
        print(
            f"  {r.database}: {how}, seeding {s.seconds:.0f} s, {s.counts.get('tickets', 0):,} tickets, "
            f"{s.messages:,} messages ({s.counts.get('ticket_comments', 0):,} comments + "
            f"{s.counts.get('messages', 0):,} chat), {s.counts.get('conversations', 0):,} conversations, "
            f"{s.counts.get('customers', 0):,} customers, {_size(s.size_bytes)}"
        )
    print()
    rows = [row for r in results for pr in r.pages for row in page_rows(r.database, pr)]
    print(table(PAGE_HEADERS, rows))
    errors = 0
    for r in results:
        errors += r.error_count()
        for e in r.setup_errors:
            print(f"  {r.database}: {e}")
        for pr in r.pages:
            if pr.skipped:
                print(f"  {r.database} {pr.page.key}: skipped after: {pr.skipped[:300]}")
            for message, n in pr.phase.errors.most_common(3) if pr.phase else []:
                print(f"  {r.database} {pr.page.key}: {n} × {message[:300]}")
    print(f"errors: {errors}")
    print(f"\ntarget: p99 server time < {TARGET_P99 * 1000:.0f} ms on every page, SQLite and PostgreSQL")
    for r in results:
        for pr in r.pages:
            for row in page_rows(r.database, pr):
                print(
                    f"  {row[-1]} {row[0]}, {row[1]} client(s): p99 server {row[10]} ms (client {row[6]} ms)"
                )
    if spec.tickets < 100_000:
        print("  (less data than the target's 100k tickets and 1M messages: --quick or explicit sizes)")
    if args.api:
        print("  (--api: the JSON API's equivalents were measured, not the console pages)")
    print("\nreproduce:")
    print(f"  cd {REPO} && {reproduce_command(args)}")
    print("machine:")
    for line in machine_lines(pg):
        print(f"  {line}")
    print(f"  client: {args.client}, {'/'.join(map(str, args.levels))} clients in threads of one process")
    print(f"date: {dt.datetime.now(dt.UTC).astimezone().isoformat(timespec='seconds')}")
    print("note: one server process; the clients and the server share the machine's cores.")
    return 1 if errors else 0


def reproduce_command(args: argparse.Namespace) -> str:
    argv = [".venv/bin/python", "bench/console_pages.py", "--database", args.database]
    if args.postgres:
        argv += ["--postgres", safe_url(args.postgres)]
    argv += ["--tickets", str(args.tickets), "--conversations", str(args.conversations)]
    argv += ["--customers", str(args.customers), "--seconds", f"{args.seconds:g}"]
    argv += ["--clients", ",".join(map(str, args.levels)), "--client", args.client, "--role", args.role]
    argv += ["--seed", str(args.seed), "--max-requests", str(args.max_requests)]
    if args.api:
        argv += ["--api"]
    if args.pages:
        argv += ["--pages", ",".join(args.pages)]
    argv += [flag for flag, on in (("--keep", args.keep), ("--fresh", args.fresh)) if on]
    return shlex.join(argv)


# -- main ------------------------------------------------------------------------------------------

_watched: list[Server] = []


def start_watchdog(seconds: float) -> threading.Timer:
    """The hard limit on the whole run: past it the server is killed and the bench exits (3)."""

    def fire() -> None:
        print(f"\nTIMEOUT: the benchmark ran past {seconds:.0f} s; killing the server", file=sys.stderr)
        for s in _watched:
            if s.proc is not None and s.proc.poll() is None:
                s.proc.kill()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


PAGE_KEYS = (
    "open",
    "open-p2",
    "mine",
    "unassigned",
    "solved",
    "search",
    "ticket",
    "conversation",
    "ticket-long",
    "conversation-long",
    "counts",
)


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
        help=f"a PostgreSQL server to create the database {PG_DATABASE} on (env WOWDESK_BENCH_DATABASE_URL)",
    )
    p.add_argument("--seconds", type=float, help="measuring time per page (default 20, --quick 3)")
    p.add_argument(
        "--clients",
        default="1,4",
        help="concurrent clients; a list measures each page at each level in turn (default 1,4: the "
        "page's own time, then under load; one server process and its event loop serve them all)",
    )
    p.add_argument(
        "--client",
        choices=sorted(PAGE_CLIENTS),
        default="http.client",
        help="HTTP client in each thread: http.client (default, the cheapest on the CPU) or httpx.Client",
    )
    p.add_argument(
        "--role",
        choices=["agent", "supervisor", "admin"],
        default="agent",
        help="who the clients sign in as (default agent: sees its own and its teams' conversations)",
    )
    p.add_argument(
        "--max-requests",
        type=int,
        default=20_000,
        help="at most this many requests per page, whatever --seconds says (default 20000)",
    )
    p.add_argument("--tickets", type=int, help="tickets (default 100000, --quick 20000)")
    p.add_argument("--conversations", type=int, help="chat conversations (default: half the tickets)")
    p.add_argument("--customers", type=int, help="customers (default: 30 %% of the tickets)")
    p.add_argument("--quick", action="store_true", help="smoke run: 20k tickets, 3 s per page")
    p.add_argument("--api", action="store_true", help="measure the JSON API's equivalents, not the console")
    p.add_argument("--pages", help=f"only these pages, comma-separated: {','.join(PAGE_KEYS)}")
    p.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    p.add_argument("--batch", type=int, default=5000, help="rows per executemany when seeding")
    p.add_argument("--fresh", action="store_true", help="seed SQLite again even if a cached file fits")
    p.add_argument("--timeout", type=float, default=2400.0, help="hard limit on the whole run in seconds")
    p.add_argument(
        "--keep", action="store_true", help="keep the work directory (and the PostgreSQL database)"
    )
    args = p.parse_args(argv)
    args.seconds = args.seconds or (3.0 if args.quick else 20.0)
    args.tickets = args.tickets or (20_000 if args.quick else 100_000)
    args.conversations = args.conversations or args.tickets // 2
    args.customers = args.customers or max(100, args.tickets * 3 // 10)
    args.pages = [k.strip() for k in args.pages.split(",")] if args.pages else []
    if unknown := set(args.pages) - set(PAGE_KEYS):
        p.error(f"unknown pages: {', '.join(sorted(unknown))} (known: {', '.join(PAGE_KEYS)})")
    try:
        args.levels = sorted({int(n) for n in str(args.clients).split(",")})
    except ValueError:
        p.error("--clients: a number or a comma-separated list of numbers")
    args.clients = max(args.levels)
    if min(args.tickets, args.conversations, args.customers, *args.levels, args.batch, args.max_requests) < 1:
        p.error("--tickets, --conversations, --customers, --clients and --batch must be ≥ 1")
    if args.postgres and args.postgres.split("://", 1)[0] in ("postgres", "postgresql"):
        args.postgres = "postgresql+asyncpg://" + args.postgres.split("://", 1)[1]
    args.database = args.database or ("both" if args.postgres else "sqlite")
    if args.database != "sqlite" and not args.postgres:
        p.error("--database postgres needs --postgres URL or WOWDESK_BENCH_DATABASE_URL")
    return args


def _interrupted(signum: int, frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C: the server is stopped and the work directory removed."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = SeedSpec(
        tickets=args.tickets, conversations=args.conversations, customers=args.customers, seed=args.seed
    )
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    pg = {safe_url(args.postgres): pg_version(args.postgres)} if "postgres" in databases else {}
    watchdog = start_watchdog(args.timeout)
    signal.signal(signal.SIGTERM, _interrupted)
    results = []
    try:
        for database in databases:
            try:
                results.append(run_database(args, database, spec))
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                print(f"\n{database}: {exc}", file=sys.stderr)
                for s in _watched:
                    print(s.log_tail(), file=sys.stderr)
                return 2
        return summary(args, spec, results, pg)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        watchdog.cancel()


if __name__ == "__main__":
    sys.exit(main())
