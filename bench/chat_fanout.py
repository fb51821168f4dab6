"""Online chat fan-out benchmark: customer sockets, agent sockets, messages at a fixed rate.

Against a running ``wowdesk serve`` (SQLite in a temporary directory; ``--postgres`` for a
throw-away PostgreSQL database, ``--redis`` for the bus over Redis) it

1. creates a workspace with the CLI (which makes its "Website chat" channel), logs the admin in
   and finds the channel's id with ``GET /api/v1/channels``;
2. opens M agent sockets on ``/ws/agent`` (``hello`` with the admin's token, then ``presence``
   online: with nobody taking chats a message would be left for an answer by e-mail);
3. opens N customer sockets on ``/ws/widget`` (``--connect-concurrency`` at a time): ``hello``
   with a profile, then ``welcome`` and ``synced``; each customer sends one message so that its
   conversation exists (``ack``) and keeps the conversation's id;
4. load: customer messages at a fixed total rate for a fixed time, round-robin over the customers
   (each one sends every N / rate seconds, under the server's limit of one message per second per
   socket), paced on an absolute schedule by a few sender tasks; meanwhile, agents reply over REST
   to random conversations at a tenth of that rate. Measured from the moment a message is sent: its
   ``ack`` at the sender, the ``message.created`` event at every agent socket (fan-out), and for
   the replies the REST answer and the ``message`` frame at the customer's socket;
5. runs the identical load against a bare broadcast server written below (``websockets``, no
   storage: ack to the sender, the message back to it, an event to every agent socket; replies
   over a bare HTTP/1.1 endpoint), in its own process as the real server is, as the ceiling.

It prints per target: connect time, messages sent / acknowledged / delivered, delivered msgs/s,
p50/p95/p99/max of every latency, errors (error frames, closed sockets, failed requests), the CPU
of the server and of this process (one process plays every client: if it nears 100 % of a core
the client is the bottleneck), then the comparison, the targets, the command to reproduce it and
the machine. The exit status is 1 if a message was lost or any error occurred.

    .venv/bin/python bench/chat_fanout.py --quick        # 200 customers, 5 agents, 100 msgs/s, 5 s
    .venv/bin/python bench/chat_fanout.py                # 2,000 customers, 10 agents, 500 msgs/s, 20 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import itertools
import json
import math
import os
import random
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from _common import (
    REPO,
    Http,
    Server,
    Stats,
    free_port,
    machine_busy,
    machine_lines,
    ms,
    own_cpu,
    pg_create_database,
    pg_drop_database,
    pg_version,
    process_cpu,
    profile_summary,
    py_spy_record,
    safe_url,
    table,
)

SECRET_KEY = "bench-secret-key-" + "0123456789abcdef" * 3
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.test", "Bench-password-2024!"
SLUG = "bench"

# Targets of the issue, on 2 cores.
TARGET_CUSTOMERS, TARGET_RATE, TARGET_P99, TARGET_RATIO = 2_000, 500.0, 0.100, 3.0

# The server lets each customer socket send one message per second on average (burst 10,
# docs/chat.md: a flood gets rate_limited errors); the round-robin stays this far under it.
SERVER_MESSAGE_RATE = 1.0
RATE_MARGIN = 0.9

MAX_PRINTED_ERRORS = 15
OTHERS_WARNING = 0.15  # cores used by other processes during a load before the result is flagged
FDS_SPARE = 200  # beyond the sockets: HTTP connections, log files, the interpreter's own
_printed = itertools.count()
T = TypeVar("T")


# -- results ---------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    target: str
    customers: int = 0  # sockets open when the load started
    agents: int = 0
    connect_seconds: float = 0.0
    connect: Stats | None = None  # one customer: handshake + hello → synced
    setup_seconds: float = 0.0  # every customer's first message acknowledged
    agents_seconds: float = 0.0
    rss_connected_kib: int = 0  # the server's resident memory with every socket open
    seconds: float = 0.0  # the sending schedule
    send_span: float = 0.0  # from the schedule's start to the last send
    tail: float = 0.0  # after the last send until everything arrived (or the drain gave up)
    sent: int = 0
    acked: int = 0
    fanned_out: int = 0  # messages that reached every agent socket
    deliveries: int = 0  # message.created frames at agent sockets
    replies_sent: int = 0
    replies_ok: int = 0
    replies_delivered: int = 0
    latencies: dict[str, Stats] = field(default_factory=dict)
    lateness: Stats | None = None  # how far behind its schedule a send went out
    errors: Counter[str] = field(default_factory=Counter)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    cpu_seconds: float = 0.0  # the window the CPU figures cover: the load and its tail
    busy: float = 0.0
    still_open: int = 0  # customer sockets open at the end
    timeline: list[list[str]] = field(default_factory=list)  # per second of the schedule
    profile: list[str] = field(default_factory=list)  # py-spy summary of the server, if asked

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def others(self) -> float:
        """Cores used by other processes of the machine during the load (neither server nor client)."""
        if not self.cpu_seconds:
            return 0.0
        return max(
            0.0, self.busy * (os.cpu_count() or 1) - (self.server_cpu + self.client_cpu) / self.cpu_seconds
        )

    @property
    def lost(self) -> int:
        return self.sent - self.acked

    @property
    def rate(self) -> float:
        """Messages delivered to every agent per second of the sending (the schedule, or longer if
        the sending fell behind it)."""
        return self.fanned_out / max(self.seconds, self.send_span, 1e-9)

    def p99(self, label: str) -> float:
        s = self.latencies.get(label)
        return s.p99 if s else math.nan


ACK, FANOUT, FANOUT_LAST, REPLY_REST, REPLY_DELIVERY = (
    "ack (sender)",
    "fan-out: each agent",
    "fan-out: last agent",
    "reply: REST answer",
    "reply: at customer",
)


def record_error(errors: Counter[str], message: str) -> None:
    errors[message] += 1
    if next(_printed) < MAX_PRINTED_ERRORS:
        print(f"  ERROR {message}", flush=True)


# -- a cheap keep-alive HTTP/1.1 client on the event loop (agent replies) --------------------------


class AsyncHttp:
    def __init__(self, port: int, token: str | None) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{self.auth}"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        try:
            self.writer.write(head.encode() + data)
            status = int((await self.reader.readline()).split()[1])
            length, chunked, close = 0, False, False
            while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" and "chunked" in value:
                    chunked = True
                elif name == "connection" and value == "close":
                    close = True
            if chunked:
                parts = []
                while size := int((await self.reader.readline()).split(b";")[0], 16):
                    parts.append(await self.reader.readexactly(size))
                    await self.reader.readline()
                await self.reader.readline()
                answer = b"".join(parts)
            else:
                answer = await self.reader.readexactly(length)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
            self.close()
            raise
        if close:
            self.close()
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# -- the load (the same against both servers) ------------------------------------------------------


@dataclass
class Target:
    name: str
    ws_base: str  # ws://127.0.0.1:port
    http_port: int  # where the agents' REST replies go
    query: str  # ?workspace=…&channel=…
    token: str
    pid: int


class Customer:
    __slots__ = ("conversation_id", "i", "ready", "setup_acked", "setup_id", "task", "ws")

    def __init__(self, i: int, ws: Any) -> None:
        self.i = i
        self.ws = ws
        self.conversation_id: int | None = None
        self.setup_id = ""
        self.setup_acked = False
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None


class Load:
    """What every socket saw, with one shared clock (``time.perf_counter``)."""

    def __init__(self, args: argparse.Namespace, target: Target) -> None:
        self.args = args
        self.target = target
        self.run = f"{os.getpid():x}{random.randrange(1 << 16):04x}"
        self.errors: Counter[str] = Counter()
        self.stopping = False
        self.customers: list[Customer] = []
        self.agent_sockets: list[Any] = []
        self.agent_tasks: list[asyncio.Task[None]] = []
        # client_id -> [sent at, acked at (0 until then), agent sockets reached, all reached at]
        self.msgs: dict[str, list[float]] = {}
        self.replies: dict[str, tuple[float, int]] = {}  # tag -> (sent at, customer no)
        self.ack_lat: list[float] = []
        self.fan_lat: list[float] = []
        self.fan_last_lat: list[float] = []
        self.rest_lat: list[float] = []
        self.reply_lat: list[float] = []
        self.lateness: list[float] = []
        self.acked = self.fanned_out = self.deliveries = 0
        self.replies_sent = self.replies_ok = self.replies_delivered = 0
        compression = None if args.compression == "none" else "deflate"
        self.ws_options: dict[str, Any] = {
            "compression": compression,
            "ping_interval": None,  # the servers ping every 20 s; the client adds none
            "open_timeout": 30,
            "close_timeout": 5,
            "max_size": 1 << 20,
            "proxy": None,
        }

    def error(self, message: str) -> None:
        record_error(self.errors, message)

    # -- customers ---------------------------------------------------------------------------------
    async def open_customer(self, i: int, sem: asyncio.Semaphore, times: list[float]) -> Customer | None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        async with sem:
            t0 = time.perf_counter()
            url = f"{self.target.ws_base}/ws/widget{self.target.query}"
            try:
                ws = await connect(url, **self.ws_options)
            except (OSError, TimeoutError, WebSocketException) as exc:
                self.error(f"customer connect failed: {exc!r}"[:300])
                return None
            try:
                hello: dict[str, Any] = {"type": "hello", "visitor": None, "language": "en"}
                hello["profile"] = {"name": f"Bench customer {i}"}
                await ws.send(json.dumps(hello))
                async with asyncio.timeout(30):
                    first = json.loads(await ws.recv())
                    while first.get("type") != "welcome":
                        if first.get("type") == "error":
                            raise ValueError(f"error frame {first.get('code')}: {first.get('detail')}")
                        first = json.loads(await ws.recv())
                    while json.loads(await ws.recv()).get("type") != "synced":
                        pass
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                self.error(f"customer hello failed: {exc!r}"[:300])
                await ws.close()
                return None
            times.append(time.perf_counter() - t0)
            c = Customer(i, ws)
            c.task = asyncio.create_task(self.customer_reader(c))
            return c

    async def customer_reader(self, c: Customer) -> None:
        from websockets.exceptions import ConnectionClosed

        loads, now = json.loads, time.perf_counter
        try:
            async for raw in c.ws:
                d = loads(raw)
                kind = d.get("type")
                if kind == "ack":
                    cid = d.get("client_id")
                    m = self.msgs.get(cid)
                    if m is not None:
                        if m[1]:
                            self.error("a second ack for one message")
                            continue
                        t = now()
                        m[1] = t
                        self.ack_lat.append(t - m[0])
                        self.acked += 1
                    elif cid == c.setup_id:
                        c.setup_acked = True
                        if c.conversation_id is not None:
                            c.ready.set()
                elif kind == "message":
                    if c.conversation_id is None:
                        c.conversation_id = d.get("conversation_id")
                        if c.setup_acked:
                            c.ready.set()
                    if d.get("direction") == "outgoing":
                        self._reply_arrived(c, str(d.get("body", "")))
                elif kind == "conversation":
                    if c.conversation_id is None:
                        c.conversation_id = (d.get("conversation") or {}).get("id")
                        if c.setup_acked and c.conversation_id is not None:
                            c.ready.set()
                elif kind == "error":
                    self.error(f"customer error frame {d.get('code')}: {d.get('detail')}")
        except ConnectionClosed as exc:
            if not self.stopping:
                self.error(f"customer socket closed by the server: {exc.rcvd.code if exc.rcvd else exc!r}")
        except ValueError as exc:
            self.error(f"customer got a frame that is not JSON: {exc!r}")

    def _reply_arrived(self, c: Customer, body: str) -> None:
        tag = body.rpartition(" ")[2]
        sent = self.replies.pop(tag, None)
        if sent is None:
            return
        if sent[1] != c.i:
            self.error("a reply reached the wrong customer")
            return
        self.reply_lat.append(time.perf_counter() - sent[0])
        self.replies_delivered += 1

    async def first_message(self, c: Customer, sem: asyncio.Semaphore) -> bool:
        from websockets.exceptions import ConnectionClosed

        async with sem:
            c.setup_id = f"s{self.run}-{c.i}"
            body = {"type": "message", "client_id": c.setup_id, "body": f"Hello, customer {c.i} here."}
            try:
                await c.ws.send(json.dumps(body))
                async with asyncio.timeout(30):
                    await c.ready.wait()
            except (ConnectionClosed, TimeoutError) as exc:
                self.error(f"first message of a customer not acknowledged: {exc!r}"[:300])
                return False
            return True

    # -- agents ------------------------------------------------------------------------------------
    async def open_agent(self, k: int) -> bool:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        try:
            ws = await connect(f"{self.target.ws_base}/ws/agent", **self.ws_options)
            await ws.send(json.dumps({"type": "hello", "token": self.target.token}))
            async with asyncio.timeout(30):
                while (d := json.loads(await ws.recv())).get("type") != "welcome":
                    if d.get("type") == "error":
                        raise ValueError(f"error frame {d.get('code')}: {d.get('detail')}")
            await ws.send(json.dumps({"type": "presence", "status": "online"}))  # takes chats
        except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
            self.error(f"agent socket {k} failed: {exc!r}"[:300])
            return False
        self.agent_sockets.append(ws)
        self.agent_tasks.append(asyncio.create_task(self.agent_reader(ws)))
        return True

    async def agent_reader(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        loads, now = json.loads, time.perf_counter
        last_id = 0
        try:
            async for raw in ws:
                d = loads(raw)
                kind = d.get("type")
                if kind == "event":
                    event_id = d.get("id")
                    if event_id is not None:
                        if event_id <= last_id:
                            self.error("an agent socket got an event id out of order (or twice)")
                        last_id = event_id
                    if d.get("name") != "message.created":
                        continue
                    m = self.msgs.get(d["data"]["message"].get("client_id"))
                    if m is None:
                        continue
                    t = now()
                    self.fan_lat.append(t - m[0])
                    self.deliveries += 1
                    m[2] += 1
                    if m[2] == len(self.agent_sockets):
                        m[3] = t
                        self.fan_last_lat.append(t - m[0])
                        self.fanned_out += 1
                elif kind == "error":
                    self.error(f"agent error frame {d.get('code')}: {d.get('detail')}")
                elif kind == "reset":
                    self.error("an agent socket was told to reset")
        except ConnectionClosed as exc:
            if not self.stopping:
                self.error(f"agent socket closed by the server: {exc.rcvd.code if exc.rcvd else exc!r}")

    # -- the load ----------------------------------------------------------------------------------
    async def sender(self, j: int, t0: float, total: int) -> None:
        """Messages j, j + S, j + 2S … of the schedule: message k is due at t0 + k / rate; a send
        that went out late does not move the ones after it (no drift)."""
        from websockets.exceptions import ConnectionClosed

        rate, n, senders = self.args.rate, len(self.customers), self.args.senders
        now, dumps = time.perf_counter, json.dumps
        for k in range(j, total, senders):
            due = t0 + k / rate
            delay = due - now()
            if delay > 0:
                await asyncio.sleep(delay)
            c = self.customers[k % n]
            cid = f"m{self.run}-{k}"
            text = dumps({"type": "message", "client_id": cid, "body": f"Load message {k} from {c.i}."})
            t = now()
            self.lateness.append(t - due)
            self.msgs[cid] = [t, 0.0, 0, 0.0]
            try:
                await c.ws.send(text)
            except ConnectionClosed:
                self.error("a customer socket was closed when its message was due")

    async def replier(self, w: int, workers: int, t0: float, total: int, rate: float) -> None:
        http = AsyncHttp(self.target.http_port, self.target.token)
        rng = random.Random(self.args.seed * 100 + w)
        now = time.perf_counter
        try:
            for k in range(w, total, workers):
                due = t0 + (k + 0.5) / rate  # between two customer messages' slots
                delay = due - now()
                if delay > 0:
                    await asyncio.sleep(delay)
                c = rng.choice(self.customers)
                tag = f"r{self.run}-{k}"
                body = {"body": f"Agent reply {tag}", "private": False, "client_id": tag}
                t = now()
                self.replies[tag] = (t, c.i)
                self.replies_sent += 1
                try:
                    status, answer = await http.request(
                        "POST", f"/api/v1/conversations/{c.conversation_id}/messages", body
                    )
                except (OSError, IndexError, ValueError, asyncio.IncompleteReadError) as exc:
                    self.replies.pop(tag, None)
                    self.error(f"agent reply failed: {exc!r}")
                    continue
                if status != 201:
                    self.replies.pop(tag, None)
                    self.error(f"agent reply -> {status}: {answer[:200].decode(errors='replace')}")
                    continue
                self.rest_lat.append(now() - t)
                self.replies_ok += 1
        finally:
            http.close()

    def done(self) -> bool:
        return (
            self.acked == len(self.msgs)
            and self.fanned_out == self.acked
            and self.replies_delivered == self.replies_ok
            and self.replies_ok + self._replies_failed() == self.replies_sent
        )

    def _replies_failed(self) -> int:
        return sum(n for e, n in self.errors.items() if e.startswith("agent reply"))

    async def close_all(self) -> None:
        self.stopping = True
        sockets = [c.ws for c in self.customers] + self.agent_sockets
        sem = asyncio.Semaphore(200)

        async def close(ws: Any) -> None:
            async with sem:
                with contextlib.suppress(Exception):
                    await ws.close()

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.gather(*(close(ws) for ws in sockets))
        tasks = [c.task for c in self.customers if c.task is not None] + self.agent_tasks
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_load(args: argparse.Namespace, target: Target) -> LoadResult:
    load = Load(args, target)
    result = LoadResult(target=target.name, seconds=args.seconds)
    try:
        await _phases(args, target, load, result)
    finally:
        await load.close_all()
        gc.unfreeze()
    result.errors = load.errors
    return result


async def _phases(args: argparse.Namespace, target: Target, load: Load, result: LoadResult) -> None:
    # Agents first, online: a message written while nobody takes chats is left for an answer by
    # e-mail (docs/chat.md), which is not what this measures.
    t0 = time.perf_counter()
    for k in range(args.agents):
        await load.open_agent(k)
    result.agents_seconds = time.perf_counter() - t0
    result.agents = len(load.agent_sockets)
    print(f"  {result.agents} agent sockets open and online in {result.agents_seconds:.2f} s", flush=True)
    await asyncio.sleep(0.5)  # their presence is recorded before the first customer writes
    # Customers: connect, hello, then a first message each so that every conversation exists.
    sem = asyncio.Semaphore(args.connect_concurrency)
    times: list[float] = []
    t0 = time.perf_counter()
    opened = await asyncio.gather(*(load.open_customer(i, sem, times) for i in range(args.customers)))
    load.customers = [c for c in opened if c is not None]
    result.connect_seconds = time.perf_counter() - t0
    result.connect = Stats.of(times)
    failed = args.customers - len(load.customers)
    print(
        f"  {len(load.customers):,} customer sockets open in {result.connect_seconds:.1f} s "
        f"({len(load.customers) / result.connect_seconds:,.0f}/s, {args.connect_concurrency} at a time; "
        f"each: p50 {ms(result.connect.p50)} ms, p99 {ms(result.connect.p99)} ms); failed: {failed}",
        flush=True,
    )
    t0 = time.perf_counter()
    oks = await asyncio.gather(*(load.first_message(c, sem) for c in load.customers))
    load.customers = [c for c, ok in zip(load.customers, oks, strict=True) if ok]
    result.setup_seconds = time.perf_counter() - t0
    print(
        f"  {len(load.customers):,} conversations started (first message acknowledged) "
        f"in {result.setup_seconds:.1f} s",
        flush=True,
    )
    result.customers = len(load.customers)
    result.rss_connected_kib = rss_kib(target.pid)
    print(f"  server RSS {result.rss_connected_kib / 1024:,.0f} MiB with every socket open", flush=True)
    if not load.customers or not load.agent_sockets:
        load.error("no customer or no agent socket: no load")
        return
    if args.rate / len(load.customers) > SERVER_MESSAGE_RATE * RATE_MARGIN:
        load.error(f"only {len(load.customers)} customers connected: too few for {args.rate:g} msgs/s")
        return
    await asyncio.sleep(0.5)  # the echo of the first messages settles
    # The client's sockets live through the load: out of its garbage collector's way, so that its
    # own pauses do not show as the servers' latency (the servers are left as they are).
    gc.collect()
    gc.freeze()

    # The load: the schedule starts a moment from now, every sender on the same clock.
    total = round(args.rate * args.seconds)
    replies = round(args.reply_rate * args.seconds) if args.agent_replies else 0
    print(
        f"-- load: {total:,} customer messages at {args.rate:g}/s for {args.seconds:g} s "
        f"({args.senders} sender tasks, each customer every {len(load.customers) / args.rate:.1f} s)"
        + (f", {replies:,} agent replies over REST at {args.reply_rate:g}/s" if replies else ""),
        flush=True,
    )
    start = time.perf_counter() + 0.2
    spy, spy_out = None, Path(args.profile_dir) / f"chat-{target.name}-{os.getpid()}.txt"
    if args.py_spy:
        spy_out.parent.mkdir(parents=True, exist_ok=True)
        spy = py_spy_record(args.py_spy, target.pid, args.seconds, spy_out)
    cpu0, srv0, busy0 = own_cpu(), process_cpu(target.pid), machine_busy()
    tasks = [asyncio.create_task(load.sender(j, start, total)) for j in range(args.senders)]
    if replies:
        tasks += [
            asyncio.create_task(load.replier(w, args.reply_workers, start, replies, args.reply_rate))
            for w in range(args.reply_workers)
        ]
    await asyncio.gather(*tasks)
    last_send = max((m[0] for m in load.msgs.values()), default=start)
    result.send_span = last_send - start + 1 / args.rate
    deadline = time.perf_counter() + args.drain
    while not load.done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    finished = [m[3] for m in load.msgs.values() if m[3]] + [m[1] for m in load.msgs.values() if m[1]]
    result.tail = max(0.0, max(finished, default=last_send) - last_send)
    t_end = time.perf_counter()
    cpu1, srv1, busy1 = own_cpu(), process_cpu(target.pid), machine_busy()
    result.cpu_seconds = t_end - start
    result.client_cpu, result.server_cpu = cpu1 - cpu0, srv1 - srv0
    result.busy = (busy1[0] - busy0[0]) / max(1.0, busy1[1] - busy0[1])

    result.sent, result.acked = len(load.msgs), load.acked
    result.fanned_out, result.deliveries = load.fanned_out, load.deliveries
    result.replies_sent, result.replies_ok = load.replies_sent, load.replies_ok
    result.replies_delivered = load.replies_delivered
    result.latencies = {
        ACK: Stats.of(load.ack_lat),
        FANOUT: Stats.of(load.fan_lat),
        FANOUT_LAST: Stats.of(load.fan_last_lat),
    }
    if replies:
        result.latencies[REPLY_REST] = Stats.of(load.rest_lat)
        result.latencies[REPLY_DELIVERY] = Stats.of(load.reply_lat)
    result.lateness = Stats.of(load.lateness)
    result.timeline = timeline(load, start, args.seconds)
    if spy is not None:
        await asyncio.to_thread(spy.wait, 60)
        result.profile = [f"  py-spy profile of the server: {spy_out}", *profile_summary(spy_out)]
    if result.lost:
        load.error(f"{result.lost} messages sent but never acknowledged (lost)")
    undelivered = result.acked - result.fanned_out
    if undelivered:
        load.error(f"{undelivered} acknowledged messages did not reach every agent socket")
    if result.replies_ok - result.replies_delivered:
        load.error(f"{result.replies_ok - result.replies_delivered} agent replies never reached the customer")
    result.still_open = sum(1 for c in load.customers if c.task is not None and not c.task.done())
    if result.still_open < result.customers:
        load.error(f"{result.customers - result.still_open} customer sockets were closed during the run")


TIMELINE_HEADERS = ["second", "sent", "ack p50", "ack p99", "fan-out p50", "fan-out p99 (last agent)"]


def timeline(load: Load, start: float, seconds: float) -> list[list[str]]:
    """Latencies by the second their message was sent in: whether the server fell behind and caught
    up (a queue) or was slow all along."""
    buckets: list[tuple[list[float], list[float]]] = [([], []) for _ in range(max(1, math.ceil(seconds)))]
    for m in load.msgs.values():
        k = min(len(buckets) - 1, max(0, int(m[0] - start)))
        if m[1]:
            buckets[k][0].append(m[1] - m[0])
        if m[3]:
            buckets[k][1].append(m[3] - m[0])
    rows = []
    for k, (acks, fans) in enumerate(buckets):
        a, f = Stats.of(acks), Stats.of(fans)
        rows.append([f"{k}-{k + 1} s", f"{a.count:,}", ms(a.p50), ms(a.p99), ms(f.p50), ms(f.p99)])
    return rows


def rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """On uvloop when it is installed: the client side stays cheap, and the server runs on it too."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# -- the bare baseline server (runs in its own process: --baseline-server) -------------------------


class _Conversation:
    __slots__ = ("id", "seq", "ws")

    def __init__(self, cid: int, ws: Any) -> None:
        self.id, self.ws, self.seq = cid, ws, 0


def serve_baseline(port: int, http_port: int, compression: str) -> int:
    """A bare broadcast server with the shape of the chat protocol and nothing else: no storage, no
    permissions, no queues of its own. A customer's ``message`` gets an ``ack`` and the message back
    (as WowDesk sends a customer its own messages), and an ``event`` to every agent socket; a POST
    to ``/api/v1/conversations/{id}/messages`` sends the reply to the customer and to every agent."""

    async def main() -> None:
        from websockets.asyncio.server import broadcast, serve
        from websockets.exceptions import ConnectionClosed

        agents: set[Any] = set()
        conversations: dict[int, _Conversation] = {}
        message_ids, event_ids, conversation_ids = itertools.count(1), itertools.count(1), itertools.count(1)

        def frame(**fields: Any) -> str:
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

        def append(conv: _Conversation, direction: str, body: str, client_id: Any, author: Any) -> Any:
            conv.seq += 1
            return {
                "id": next(message_ids),
                "conversation_id": conv.id,
                "seq": conv.seq,
                "direction": direction,
                "kind": "text",
                "private": False,
                "body": body,
                "author": author,
                "client_id": client_id,
                "status": "sent",
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "attachments": [],
            }

        def event(conv: _Conversation, name: str, **data: Any) -> str:
            fields: dict[str, Any] = {"conversation_id": conv.id, "channel_id": 1, "customer_id": conv.id}
            fields |= {"team_id": None, "assignee_id": None, **data}
            return frame(type="event", id=next(event_ids), name=name, data=fields)

        async def customer(ws: Any) -> None:
            hello = json.loads(await ws.recv())
            if hello.get("type") != "hello":
                await ws.close(4400)
                return
            await ws.send(
                frame(
                    type="welcome",
                    visitor="bare",
                    conversation=None,
                    agents_online=bool(agents),
                    open=True,
                    config={"name": "Bare", "greeting": "Hi!", "pre_chat": [], "sound": True},
                )
            )
            await ws.send(frame(type="synced", last_seq=0))
            conv: _Conversation | None = None
            try:
                async for raw in ws:
                    d = json.loads(raw)
                    if d.get("type") == "ping":
                        await ws.send(frame(type="pong"))
                    if d.get("type") != "message":
                        continue
                    if conv is None:
                        conv = _Conversation(next(conversation_ids), ws)
                        conversations[conv.id] = conv
                        await ws.send(
                            frame(type="conversation", conversation={"id": conv.id, "status": "open"})
                        )
                        broadcast(agents, event(conv, "conversation.created", status="open"))
                    m = append(conv, "incoming", d["body"], d["client_id"], {"kind": "customer"})
                    await ws.send(
                        frame(
                            type="ack",
                            client_id=m["client_id"],
                            id=m["id"],
                            seq=m["seq"],
                            created_at=m["created_at"],
                        )
                    )
                    await ws.send(frame(type="message", **m))
                    broadcast(agents, event(conv, "message.created", message=m, private=False))
            except ConnectionClosed:
                pass
            finally:
                if conv is not None:
                    conversations.pop(conv.id, None)

        async def agent(ws: Any) -> None:
            await ws.recv()  # hello with a token: not checked here
            await ws.send(
                frame(type="welcome", agent={"id": 1, "name": "Bench", "role": "admin"}, last_event_id=0)
            )
            agents.add(ws)
            try:
                async for raw in ws:
                    if json.loads(raw).get("type") == "ping":
                        await ws.send(frame(type="pong"))
            except ConnectionClosed:
                pass
            finally:
                agents.discard(ws)

        async def handler(ws: Any) -> None:
            await (agent if ws.request.path.startswith("/ws/agent") else customer)(ws)

        async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while line := await reader.readline():
                    method, path, _ = line.decode("latin-1").split(" ", 2)
                    length = 0
                    while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                        name, _, value = h.decode("latin-1").partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value)
                    body = json.loads(await reader.readexactly(length)) if length else {}
                    parts = path.split("?")[0].split("/")  # "", api, v1, conversations, id, messages
                    conv = (
                        conversations.get(int(parts[4]))
                        if method == "POST"
                        and len(parts) == 6
                        and parts[5] == "messages"
                        and parts[4].isdigit()
                        else None
                    )
                    if conv is None:
                        status, out = "404 Not Found", {"detail": "no such conversation"}
                    else:
                        author = {"kind": "agent", "id": 1, "name": "Bench"}
                        out = append(conv, "outgoing", body["body"], body.get("client_id"), author)
                        with contextlib.suppress(ConnectionClosed):
                            await conv.ws.send(frame(type="message", **out))
                        broadcast(agents, event(conv, "message.created", message=out, private=False))
                        status = "201 Created"
                    data = json.dumps(out).encode()
                    writer.write(
                        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
                        f"content-length: {len(data)}\r\n\r\n".encode()
                        + data
                    )
                    await writer.drain()
            except (OSError, ValueError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        http_server = await asyncio.start_server(http, "127.0.0.1", http_port, backlog=4096)
        async with serve(
            handler,
            "127.0.0.1",
            port,
            compression=None if compression == "none" else "deflate",
            max_size=64 * 1024,
            backlog=4096,
        ):
            print(f"bare broadcast server on ws://127.0.0.1:{port}, HTTP on {http_port}", flush=True)
            async with http_server:
                await asyncio.Future()  # until killed

    with contextlib.suppress(KeyboardInterrupt):
        run_async(main())
    return 0


class Baseline:
    def __init__(self, workdir: Path, compression: str) -> None:
        self.log = workdir / "baseline.log"
        self.compression = compression
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = self.http_port = 0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> None:
        self.port, self.http_port = free_port(), free_port()
        cmd = [sys.executable, str(Path(__file__).resolve()), "--baseline-server"]
        cmd += [
            "--port",
            str(self.port),
            "--http-port",
            str(self.http_port),
            "--compression",
            self.compression,
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the baseline server exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                for port in (self.port, self.http_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the baseline server did not listen within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# -- the two targets -------------------------------------------------------------------------------

_children: list[Callable[[], subprocess.Popen[bytes] | None]] = []  # for the watchdog


def run_wowdesk(args: argparse.Namespace, workdir: Path, servers: list[Server]) -> LoadResult:
    url = f"sqlite+aiosqlite:///{workdir / 'wowdesk.db'}"
    if args.postgres:
        url = pg_create_database(args.postgres)
        args.pg_database = url
    env = {
        "WOWDESK_DATABASE_URL": url,
        "WOWDESK_DATA_DIR": str(workdir / "data"),
        "WOWDESK_SECRET_KEY": SECRET_KEY,
    }
    if args.redis:
        env |= {"WOWDESK_REDIS_URL": args.redis, "WOWDESK_REDIS_PREFIX": f"bench{os.getpid()}"}
    print(f"\n=== wowdesk: {safe_url(url)}" + (f" + Redis {args.redis}" if args.redis else ""), flush=True)
    server = Server(workdir, env)
    servers.append(server)
    _children.append(lambda: server.proc)
    server.cli("migrate")
    server.cli(
        *("workspace", "create", "--slug", SLUG, "--name", "Bench"),
        *("--admin-email", ADMIN_EMAIL, "--admin-password", ADMIN_PASSWORD),
    )
    server.start()
    status, body = Http(server.port).request(
        "POST", "/api/v1/auth/token", {"workspace": SLUG, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"login failed: {status} {body[:300]!r}")
    token = json.loads(body)["access_token"]
    status, body = Http(server.port, token).request("GET", "/api/v1/channels")
    if status != 200:
        raise RuntimeError(f"GET /api/v1/channels failed: {status} {body[:300]!r}")
    channels = [c for c in json.loads(body) if c["kind"] == "webchat" and c["active"]]
    if not channels:
        raise RuntimeError("the new workspace has no active web-chat channel")
    target = Target(
        name="wowdesk",
        ws_base=f"ws://127.0.0.1:{server.port}",
        http_port=server.port,
        query=f"?workspace={SLUG}&channel={channels[0]['id']}",
        token=token,
        pid=server.pid,
    )
    print(f"  server pid {server.pid} on port {server.port}, channel {channels[0]['id']}", flush=True)
    try:
        result = run_async(asyncio.wait_for(run_load(args, target), args.phase_timeout))
    finally:
        server.stop()
    print_result(result)
    return result


def run_baseline(args: argparse.Namespace, workdir: Path) -> LoadResult:
    print("\n=== baseline: bare websockets broadcast server (no storage), its own process", flush=True)
    base = Baseline(workdir, args.compression)
    _children.append(lambda: base.proc)
    base.start()
    target = Target(
        name="baseline",
        ws_base=f"ws://127.0.0.1:{base.port}",
        http_port=base.http_port,
        query="",
        token="bare",
        pid=base.pid,
    )
    print(f"  server pid {base.pid} on port {base.port} (HTTP {base.http_port})", flush=True)
    try:
        result = run_async(asyncio.wait_for(run_load(args, target), args.phase_timeout))
    finally:
        base.stop()
    print_result(result)
    return result


# -- output ----------------------------------------------------------------------------------------

LATENCY_HEADERS = ["target: latency", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms"]


def latency_rows(r: LoadResult) -> list[list[str]]:
    span = max(r.seconds, r.send_span, 1e-9)
    return [
        [
            f"{r.target}: {label}",
            f"{s.count:,}",
            f"{s.count / span:,.0f}",
            ms(s.p50),
            ms(s.p95),
            ms(s.p99),
            ms(s.max),
        ]
        for label, s in r.latencies.items()
    ]


def print_result(r: LoadResult) -> None:
    if not r.latencies:
        print(f"  no load ran; errors: {r.error_count}")
        return
    print(table(LATENCY_HEADERS, latency_rows(r)))
    print(
        f"  sent {r.sent:,}, acknowledged {r.acked:,}, lost {r.lost:,}; reached all {r.agents} agents: "
        f"{r.fanned_out:,} ({r.deliveries:,} agent frames); delivered {r.rate:,.1f} msgs/s "
        f"= {r.rate * r.agents:,.0f} frames/s to agents"
    )
    if r.replies_sent:
        print(
            f"  agent replies: sent {r.replies_sent:,}, answered 201 {r.replies_ok:,}, "
            f"at the customer {r.replies_delivered:,}"
        )
    lat = r.lateness
    print(
        f"  sending: last send {r.send_span:.2f} s after the start (schedule {r.seconds:g} s); "
        f"behind schedule p99 {ms(lat.p99 if lat else math.nan)} ms, "
        f"max {ms(lat.max if lat else math.nan)} ms; "
        f"everything arrived {r.tail * 1000:.0f} ms after the last send"
    )
    print(cpu_text(r))
    if r.timeline:
        print("  by the second the messages were sent in (ms):")
        print("\n".join(f"  {line}" for line in table(TIMELINE_HEADERS, r.timeline).splitlines()))
    if r.profile:
        print("\n".join(r.profile))
    print(f"  customer sockets open at the end: {r.still_open:,}/{r.customers:,}; errors: {r.error_count}")
    for message, n in r.errors.most_common(8):
        print(f"    {n} × {message}")
    sys.stdout.flush()


def cpu_text(r: LoadResult) -> str:
    work = max(1, r.sent + r.replies_sent)
    return (
        f"  CPU over {r.cpu_seconds:.1f} s: server {r.server_cpu / r.cpu_seconds:.0%} of a core "
        f"({r.server_cpu / work * 1e6:,.0f} µs per message in), bench client "
        f"{r.client_cpu / r.cpu_seconds:.0%} of a core ({r.client_cpu / work * 1e6:,.0f} µs), "
        f"machine {r.busy:.0%} busy of {os.cpu_count()} cores"
    ) + (
        f"\n  WARNING other processes used {r.others:.0%} of a core meanwhile: the figures are pessimistic"
        if r.others > OTHERS_WARNING
        else ""
    )


def ratio(a: float, b: float) -> str:
    return "-" if math.isnan(a) or math.isnan(b) or b <= 0 else f"{a / b:.1f}×"


def summary(args: argparse.Namespace, wow: LoadResult, base: LoadResult | None, server: Server) -> int:
    print("\n=== summary")
    rows = latency_rows(wow) + (latency_rows(base) if base else [])
    print(table(LATENCY_HEADERS, rows))
    print()
    headers = ["", "wowdesk", "baseline", "ratio"]
    results = [wow] + ([base] if base else [])

    def row(name: str, get: Callable[[LoadResult], float], fmt: Callable[[float], str]) -> list[str]:
        values = [get(r) for r in results]
        if base is None:
            return [name, fmt(values[0]), "-", "-"]
        return [name, fmt(values[0]), fmt(values[1]), ratio(values[0], values[1])]

    def lat(label: str, p: str) -> Callable[[LoadResult], float]:
        return lambda r: getattr(r.latencies[label], p) if label in r.latencies else math.nan

    ms_ = ms

    lines = [
        row("customer sockets", lambda r: r.customers, lambda v: f"{v:,.0f}"),
        row("delivered msgs/s", lambda r: r.rate, lambda v: f"{v:,.1f}"),
        row("ack p50 ms", lat(ACK, "p50"), ms_),
        row("ack p99 ms", lat(ACK, "p99"), ms_),
        row("fan-out p50 ms", lat(FANOUT, "p50"), ms_),
        row("fan-out p99 ms", lat(FANOUT, "p99"), ms_),
        row("fan-out (last agent) p99 ms", lat(FANOUT_LAST, "p99"), ms_),
    ]
    if args.agent_replies:
        lines.append(row("reply at customer p99 ms", lat(REPLY_DELIVERY, "p99"), ms_))
    lines += [
        row(
            "server CPU, % of a core",
            lambda r: r.server_cpu / max(r.cpu_seconds, 1e-9) * 100,
            lambda v: f"{v:.0f}",
        ),
        row(
            "server µs per message in",
            lambda r: r.server_cpu / max(1, r.sent + r.replies_sent) * 1e6,
            lambda v: f"{v:,.0f}",
        ),
        row(
            "bench CPU, % of a core",
            lambda r: r.client_cpu / max(r.cpu_seconds, 1e-9) * 100,
            lambda v: f"{v:.0f}",
        ),
        row("errors", lambda r: r.error_count, lambda v: f"{v:,.0f}"),
    ]
    print(table(headers, lines))

    errors = wow.error_count + (base.error_count if base else 0)
    print(f"\nerrors: {errors} (wowdesk {wow.error_count}, baseline {base.error_count if base else '-'})")
    for r in results:
        for message, n in r.errors.most_common(5):
            print(f"  {r.target}: {n} × {message}")
    warnings = server_log_problems(server)
    if warnings:
        print(f"server log: {len(warnings)} warning/error lines; the last ones:")
        for line in warnings[-10:]:
            print(f"  | {line[:300]}")

    print(f"\ntargets (2 cores, one server process): {TARGET_CUSTOMERS:,} customer connections, ", end="")
    print(
        f"≥ {TARGET_RATE:g} msgs/s delivered, p99 < {TARGET_P99 * 1000:.0f} ms, "
        f"≤ {TARGET_RATIO:g}× the baseline"
    )
    held = wow.customers >= TARGET_CUSTOMERS and wow.still_open == wow.customers
    print(
        f"  {verdict(held)} {wow.customers:,} concurrent customer connections held by one process "
        f"({wow.still_open:,} still open at the end)"
    )
    print(
        f"  {verdict(wow.rate >= TARGET_RATE * 0.999)} {wow.rate:,.1f} msgs/s delivered to every agent socket"
    )
    for label in (ACK, FANOUT):
        p99 = wow.p99(label)
        print(f"  {verdict(p99 < TARGET_P99)} {label} p99 {ms(p99)} ms")
    if base:
        for label in (ACK, FANOUT):
            a, b = wow.p99(label), base.p99(label)
            ok = not math.isnan(a) and not math.isnan(b) and a <= TARGET_RATIO * b
            print(f"  {verdict(ok)} {label} p99 {ratio(a, b)} the baseline's ({ms(a)} vs {ms(b)} ms)")
    if args.customers < TARGET_CUSTOMERS or args.rate < TARGET_RATE:
        print("  (a smaller load than the targets' —quick or explicit options— so MISS is expected here)")

    print("\nreproduce:")
    print(f"  cd {REPO} && {reproduce_command(args)}")
    print("machine:")
    pg = {safe_url(args.postgres): pg_version(args.postgres)} if args.postgres else {}
    for line in machine_lines(pg):
        print(f"  {line}")
    from websockets.version import version as websockets_version

    print(f"  websockets {websockets_version} (client and baseline), compression: {args.compression}")
    print(f"date: {dt.datetime.now(dt.UTC).astimezone().isoformat(timespec='seconds')}")
    print("note: the client (this process, one core) and each server run on the same machine, one at a time.")
    for r in results:
        if r.others > OTHERS_WARNING:
            print(f"WARNING {r.target}: other processes used {r.others:.0%} of a core during its load")
    lost = wow.lost + (base.lost if base else 0)
    return 1 if errors or lost else 0


def verdict(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def server_log_problems(server: Server) -> list[str]:
    try:
        text = server.log.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if any(w in line for w in ("WARNING", "ERROR", "Traceback"))]


def reproduce_command(args: argparse.Namespace) -> str:
    argv = [".venv/bin/python", "bench/chat_fanout.py"]
    if args.postgres:
        argv += ["--postgres", safe_url(args.postgres)]
    if args.redis:
        argv += ["--redis", args.redis]
    argv += ["--customers", str(args.customers), "--agents", str(args.agents)]
    argv += ["--rate", f"{args.rate:g}", "--seconds", f"{args.seconds:g}"]
    argv += ["--agent-replies" if args.agent_replies else "--no-agent-replies"]
    if args.agent_replies:
        argv += ["--reply-rate", f"{args.reply_rate:g}"]
    argv += ["--senders", str(args.senders), "--connect-concurrency", str(args.connect_concurrency)]
    argv += ["--compression", args.compression, "--drain", f"{args.drain:g}", "--seed", str(args.seed)]
    if not args.baseline:
        argv += ["--no-baseline"]
    return shlex.join(argv)


# -- main ------------------------------------------------------------------------------------------


def raise_open_files(need: int) -> int:
    """The soft limit on open files up to the hard one (the servers started later inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return need if soft == resource.RLIM_INFINITY else soft


def start_watchdog(seconds: float, cleanup: Callable[[], None]) -> threading.Timer:
    """The hard limit on the whole run: past it the servers are killed and the bench exits (3)."""

    def fire() -> None:
        print(f"\nTIMEOUT: the benchmark ran past {seconds:.0f} s; killing the servers", file=sys.stderr)
        for get in _children:
            proc = get()
            if proc is not None and proc.poll() is None:
                proc.kill()
        cleanup()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, help="customer sockets (default 2000, --quick 200)")
    p.add_argument("--agents", type=int, help="agent sockets, each gets every event (default 10, --quick 5)")
    p.add_argument(
        "--rate", type=float, help="customer messages per second in all (default 500, --quick 100)"
    )
    p.add_argument("--seconds", type=float, help="duration of the load (default 20, --quick 5)")
    p.add_argument(
        "--agent-replies",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="agents reply over REST to random conversations during the load (default on)",
    )
    p.add_argument("--reply-rate", type=float, help="agent replies per second (default: a tenth of --rate)")
    p.add_argument("--quick", action="store_true", help="smoke run: 200 customers, 5 agents, 100 msgs/s, 5 s")
    p.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("WOWDESK_BENCH_DATABASE_URL") or None,
        help="use a throw-away database on this PostgreSQL server instead of SQLite",
    )
    p.add_argument(
        "--redis",
        metavar="URL",
        default=os.environ.get("WOWDESK_BENCH_REDIS_URL") or None,
        help="give the server WOWDESK_REDIS_URL (the bus over Redis)",
    )
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True, help="run the ceiling")
    p.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="deflate",
        help="permessage-deflate on the sockets (default deflate: what browsers and both servers negotiate)",
    )
    p.add_argument("--senders", type=int, default=4, help="asyncio tasks sending the customer messages")
    p.add_argument("--reply-workers", type=int, default=4, help="keep-alive HTTP connections for the replies")
    p.add_argument("--connect-concurrency", type=int, default=50, help="sockets opening at a time")
    p.add_argument("--drain", type=float, default=10.0, help="seconds to wait after the load for what is due")
    p.add_argument("--timeout", type=float, help="hard limit on the whole run in seconds (default 900)")
    p.add_argument("--seed", type=int, default=1, help="random seed (which conversations get replies)")
    p.add_argument("--py-spy", metavar="EXE", help="profile each server with py-spy during the load")
    p.add_argument("--profile-dir", default=str(Path(tempfile.gettempdir()) / "wowdesk-bench-profiles"))
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server logs)")
    # The baseline server's own process.
    p.add_argument("--baseline-server", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--http-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.baseline_server:
        return args
    args.customers = args.customers or (200 if args.quick else 2_000)
    args.agents = args.agents or (5 if args.quick else 10)
    args.rate = args.rate or (100.0 if args.quick else 500.0)
    args.seconds = args.seconds or (5.0 if args.quick else 20.0)
    args.reply_rate = args.reply_rate or args.rate / 10
    args.timeout = args.timeout or 900.0
    args.phase_timeout = 300.0 + 2 * (args.seconds + args.drain)  # one target, connect to close
    args.pg_database = None
    if args.postgres and args.postgres.split("://", 1)[0] in ("postgres", "postgresql"):
        args.postgres = "postgresql+asyncpg://" + args.postgres.split("://", 1)[1]
    if min(args.customers, args.agents, args.senders, args.reply_workers, args.connect_concurrency) < 1:
        p.error("--customers, --agents, --senders, --reply-workers and --connect-concurrency must be ≥ 1")
    if args.rate <= 0 or args.seconds <= 0 or args.reply_rate <= 0:
        p.error("--rate, --seconds and --reply-rate must be positive")
    per_customer = args.rate / args.customers
    if per_customer > SERVER_MESSAGE_RATE * RATE_MARGIN:
        p.error(
            f"{args.customers} customers at {args.rate:g} msgs/s would each send {per_customer:.2f} msgs/s; "
            f"the server lets a customer socket send {SERVER_MESSAGE_RATE:g} message/s on average (burst 10, "
            "then rate_limited errors, docs/chat.md), and the round-robin keeps "
            f"{1 - RATE_MARGIN:.0%} under it: use at least "
            f"{math.ceil(args.rate / (SERVER_MESSAGE_RATE * RATE_MARGIN))} customers or a lower --rate"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_server:
        return serve_baseline(args.port, args.http_port, args.compression)
    # Both ends of every socket: this process holds N + M, the server (which inherits the limit) as
    # many, plus its database files and the replies' connections.
    need = args.customers + args.agents + args.reply_workers + FDS_SPARE
    limit = raise_open_files(need)
    if limit < need:
        print(
            f"error: {args.customers} customers + {args.agents} agents need about {need} open files per "
            f"process, but the limit is {limit} (hard limit included: raise it with `ulimit -Hn` as root, "
            "or in /etc/security/limits.conf)",
            file=sys.stderr,
        )
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="wowdesk-bench-chat-"))

    def cleanup() -> None:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    watchdog = start_watchdog(args.timeout, cleanup)
    print(
        f"chat fan-out: {args.customers:,} customers, {args.agents} agents, {args.rate:g} msgs/s "
        f"for {args.seconds:g} s; open-file limit {limit:,}; client on "
        f"{'uvloop' if _has_uvloop() else 'asyncio'}",
        flush=True,
    )
    servers: list[Server] = []
    try:
        wow = run_wowdesk(args, workdir, servers)
        base = run_baseline(args, workdir) if args.baseline else None
        return summary(args, wow, base, servers[0])
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError) as exc:
        print(f"\nfailed: {exc!r}", file=sys.stderr)
        for server in servers:
            print(server.log_tail(), file=sys.stderr)
        return 2
    finally:
        watchdog.cancel()
        for get in _children:
            proc = get()
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if args.pg_database:
            with contextlib.suppress(Exception):
                pg_drop_database(args.postgres, args.pg_database)
        if args.keep:
            print(f"kept {workdir} (server.log, baseline.log)")
        cleanup()


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
