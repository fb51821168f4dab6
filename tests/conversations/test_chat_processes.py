"""Online chat with real `wowdesk serve` processes (docs/chat.md).

* Scale-out (PostgreSQL + Redis): a customer's widget on one process and agents on another see
  every message once, in order, and the typing indicator crosses processes too; an event that
  reaches the other process late is not lost; an agent online on one process counts on all.
* A server killed with SIGKILL in the middle of a conversation and started again: nothing that was
  acknowledged is lost, nothing resent is stored twice, and both sides resume without gaps or repeats.
* Resuming the widget: from scratch, from the future, and on a conversation longer than one replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import connect

from tests.conftest import PASSWORD, TARGET, Cast, Databases
from tests.conversations.support import Socket, agent, cid, make_channel, reply, visitor
from tests.test_cli import Proc, Wowdesk, free_port, wowdesk_env
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import AgentMessageIn

# -- helpers ---------------------------------------------------------------------------------------------


def _ws(base: str) -> str:
    return base.replace("http://", "ws://", 1)


async def open_widget(
    base: str, slug: str, channel: int, *, token: str | None = None, resume_after: int = 0
) -> tuple[Socket, dict[str, Any]]:
    """A customer's widget socket on the server at `base`, after its `welcome`."""
    conn = await connect(
        f"{_ws(base)}/ws/widget?workspace={slug}&channel={channel}", open_timeout=10, close_timeout=2
    )
    sock = Socket(conn)
    await sock.send(type="hello", visitor=token, resume_after=resume_after, language="en")
    return sock, await sock.expect("welcome")


async def open_agent(
    base: str, token: str, last_event_id: int | None = None
) -> tuple[Socket, dict[str, Any]]:
    """An agent's event stream on the server at `base`, after its `welcome`."""
    sock = Socket(await connect(f"{_ws(base)}/ws/agent", open_timeout=10, close_timeout=2))
    await sock.send(type="hello", token=token, last_event_id=last_event_id)
    return sock, await sock.expect("welcome")


async def until(check: Callable[[], Any], what: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


def of_type(sock: Socket, kind: str) -> list[dict[str, Any]]:
    return [f for f in sock.seen if f.get("type") == kind]


def logged_events(sock: Socket) -> list[dict[str, Any]]:
    return [f for f in sock.seen if f.get("type") == "event"]


def message_events(sock: Socket) -> list[dict[str, Any]]:
    return [f for f in logged_events(sock) if f["name"] == "message.created"]


def created_ids(sock: Socket) -> list[int]:
    return [f["data"]["message"]["id"] for f in message_events(sock)]


async def close_all(*socks: Socket | None) -> None:
    for s in socks:
        if s is not None:
            try:
                await asyncio.wait_for(s.close(), 5)
            except Exception:  # already gone with its server
                s._reader.cancel()


async def start_servers(w: Wowdesk, n: int) -> list[Proc]:
    """`n` `wowdesk serve` processes of this installation, each on a free port of 127.0.0.1, ready."""
    procs = [w.start("serve", port=free_port()) for _ in range(n)]
    for p in procs:
        await asyncio.to_thread(p.ready)
    return procs


@dataclass
class Site:
    """A workspace made with `wowdesk workspace create`, its admin's bearer token and the web-chat
    channel every new workspace starts with."""

    slug: str
    token: str
    channel: int

    def api(self, base: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {self.token}"}, timeout=httpx.Timeout(10)
        )


async def make_site(w: Wowdesk, base: str) -> Site:
    slug = f"chat{os.getpid() % 10000}x{secrets.token_hex(3)}"
    await asyncio.to_thread(
        w.ok,
        "workspace", "create", "--slug", slug, "--name", f"Acme {slug} 台北",
        "--admin-email", f"ada@{slug}.test", "--admin-password", PASSWORD, "--admin-name", "Ada",
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        r = await http.post(
            "/api/v1/auth/token",
            json={"workspace": slug, "email": f"ada@{slug}.test", "password": PASSWORD},
        )
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        r = await http.get("/api/v1/channels", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        [channel] = [c for c in r.json() if c["kind"] == "webchat"]
        # Its chats stay chats with nobody online (messages left for e-mail: tests/tickets/email).
        r = await http.patch(
            f"/api/v1/channels/{channel['id']}",
            json={"settings": {**channel["settings"], "offline_messages": False}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
    return Site(slug, token, channel["id"])


async def stored_messages(api: httpx.AsyncClient, conversation_id: int) -> tuple[list[dict[str, Any]], int]:
    """The conversation as an agent sees it through REST (notes included), and its last seq."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        r = await api.get(
            f"/api/v1/conversations/{conversation_id}/messages", params={"after_seq": after, "limit": 500}
        )
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        if not page["items"] or items[-1]["seq"] >= page["last_seq"]:
            return items, page["last_seq"]
        after = items[-1]["seq"]


async def post_reply(api: httpx.AsyncClient, conversation_id: int, body: str, **extra: Any) -> dict[str, Any]:
    r = await api.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"body": body, "private": False, **extra}
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


@pytest.fixture
def installation(databases: Databases, bus_redis_url: str | None, tmp_path: Path) -> Iterator[Wowdesk]:
    """An installation of its own: a fresh database (on SQLite a file in a temporary directory), on
    PostgreSQL with Redis under a prefix of its own. Every process it starts is killed at the end."""
    w = Wowdesk(wowdesk_env(databases.new(), tmp_path / "data", bus_redis_url), tmp_path)
    try:
        yield w
    finally:
        w.kill_all()


# -- scale-out: two processes, one database, one Redis -----------------------------------------------------


@dataclass
class Cluster:
    wowdesk: Wowdesk
    a: Proc
    b: Proc
    redis_url: str

    @property
    def urls(self) -> tuple[str, str]:
        assert self.a.url and self.b.url
        return self.a.url, self.b.url


@pytest.fixture(scope="module")
def cluster(
    databases: Databases, bus_redis_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two `wowdesk serve` processes, A and B, on one fresh PostgreSQL database and one Redis prefix."""
    assert bus_redis_url, "the scale-out tests run with PostgreSQL + Redis"
    home = tmp_path_factory.mktemp("chat-cluster")
    w = Wowdesk(wowdesk_env(databases.new(), home / "data", bus_redis_url), home)
    try:
        a = w.start("serve", port=free_port())
        b = w.start("serve", port=free_port())
        yield Cluster(w, a.ready(), b.ready(), bus_redis_url)
    finally:
        w.kill_all()


@pytest.mark.postgres_only
async def test_a_customer_on_one_server_and_agents_on_another_see_every_message_once(
    cluster: Cluster,
) -> None:
    """The customer's widget is connected to process A, the agent's console to process B.

    Tried: customer messages on A (the agent on B gets `message.created` for each, in order);
    replies over REST on B and once on A (the widget on A gets each as a `message`, in seq order);
    agent typing on B shows in the widget on A and the customer's typing on B's stream; then a
    second agent socket on A, from the start of the event log (`last_event_id` 0: the replay, then
    live), and more messages both ways. Nobody gets a message twice or misses one."""
    url_a, url_b = cluster.urls
    site = await make_site(cluster.wowdesk, url_a)
    agent_b = agent_a = customer = None
    async with asyncio.timeout(90), site.api(url_a) as api_a, site.api(url_b) as api_b:
        try:
            agent_b, _ = await open_agent(url_b, site.token)
            customer, _ = await open_widget(url_a, site.slug, site.channel)
            await customer.expect("synced", last_seq=0)

            # the customer writes on A; the agent on B gets each message, in order
            sent = []
            for n in range(4):
                key = cid()
                await customer.send(type="message", client_id=key, body=f"Customer {n}: 我的包裹還沒到")
                ack = await customer.expect("ack", client_id=key)
                sent.append(ack)
            assert [a["seq"] for a in sent] == [1, 2, 3, 4]
            await until(lambda: len(message_events(agent_b)) >= 4, "4 message.created events on B")
            conversation_id = message_events(agent_b)[0]["data"]["conversation_id"]
            assert [e["data"]["message"]["id"] for e in message_events(agent_b)] == [a["id"] for a in sent]
            assert [e["data"]["message"]["client_id"] for e in message_events(agent_b)] == [
                a["client_id"] for a in sent
            ]
            ids = [e["id"] for e in logged_events(agent_b)]
            assert ids == sorted(set(ids)), ids

            # replies over REST on B, on B, on A, on B: the widget on A gets them in seq order
            replies = []
            for n, api in enumerate((api_b, api_b, api_a, api_b)):
                replies.append(await post_reply(api, conversation_id, f"Agent reply {n}"))
            assert [r["seq"] for r in replies] == [5, 6, 7, 8]
            await until(lambda: len(of_type(customer, "message")) >= 8, "8 message frames on A")
            got = of_type(customer, "message")
            assert [m["seq"] for m in got] == list(range(1, 9))
            assert [m["id"] for m in got[4:]] == [r["id"] for r in replies]
            assert [(m["author"]["kind"], m["author"]["name"]) for m in got[4:]] == [("agent", "Ada")] * 4
            await until(lambda: len(message_events(agent_b)) >= 8, "8 message.created events on B")

            # typing crosses processes both ways
            await agent_b.send(type="typing", conversation_id=conversation_id, on=True)
            typing = await customer.expect("typing")
            assert typing["on"] is True and typing["who"] == {"kind": "agent", "name": "Ada"}
            await customer.send(type="typing", on=True)
            theirs = await agent_b.expect("typing", conversation_id=conversation_id)
            assert theirs["who"]["kind"] == "customer" and theirs["on"] is True

            # a second agent socket, on A, from the start of the event log: the replay, then live
            agent_a, welcome_a = await open_agent(url_a, site.token, last_event_id=0)
            assert welcome_a["last_event_id"] == 0 and of_type(agent_a, "reset") == []
            for n in range(2):
                key = cid()
                await customer.send(type="message", client_id=key, body=f"Customer again {n}")
                await customer.expect("ack", client_id=key)
            replies.append(await post_reply(api_b, conversation_id, "Agent reply from B"))
            replies.append(await post_reply(api_a, conversation_id, "Agent reply from A"))

            stored, last_seq = await stored_messages(api_b, conversation_id)
            assert last_seq == len(stored) == 4 + 4 + 2 + 2
            assert [m["seq"] for m in stored] == list(range(1, last_seq + 1))
            everything = [m["id"] for m in stored]

            await until(
                lambda: len(of_type(customer, "message")) >= last_seq, f"{last_seq} messages on A", 10
            )
            await until(lambda: len(message_events(agent_b)) >= last_seq, "every message on B", 10)
            await until(lambda: len(message_events(agent_a)) >= last_seq, "every message on A's agent", 10)
            await asyncio.sleep(0.5)  # anything duplicated would arrive by now

            seqs = [m["seq"] for m in of_type(customer, "message")]
            assert sorted(seqs) == list(range(1, last_seq + 1)), f"widget on A got seqs {seqs}"
            assert created_ids(agent_b) == everything, "agent on B: each message.created once, in order"
            assert created_ids(agent_a) == everything, "agent on A: each message.created once, in order"
            for stream in (agent_b, agent_a):
                ids = [e["id"] for e in logged_events(stream)]
                assert ids == sorted(set(ids)), ids
            assert [e["id"] for e in logged_events(agent_a)] == [e["id"] for e in logged_events(agent_b)]
            assert seqs == sorted(seqs), f"the widget on A got messages out of order: {seqs}"
            for s in (customer, agent_a, agent_b):
                assert of_type(s, "error") == [], of_type(s, "error")
        finally:
            await close_all(customer, agent_a, agent_b)


async def redis_command(redis: Redis, *args: str) -> Any:
    return await redis.execute_command(*args)  # type: ignore[no-untyped-call]


@pytest.mark.postgres_only
async def test_an_agent_misses_no_message_whose_event_reaches_their_server_late(cluster: Cluster) -> None:
    """The customer writes through process A and, a moment later, an agent replies through process
    B, while Redis is slow to carry A's event to B (held back with `CLIENT PAUSE ... WRITE`, which
    delays PUBLISH: a loaded Redis or network does the same).

    Tried: the agent connected to B gets `message.created` for the customer's message too, once it
    arrives after the reply's (the reply committed later, so its event id is higher), and an agent
    reconnecting with the last event id it saw is not left without it either."""
    url_a, url_b = cluster.urls
    site = await make_site(cluster.wowdesk, url_a)
    redis = Redis.from_url(cluster.redis_url)
    agent_b = customer = again = full = None
    async with asyncio.timeout(60), site.api(url_b) as api_b:
        try:
            agent_b, _ = await open_agent(url_b, site.token)
            customer, _ = await open_widget(url_a, site.slug, site.channel)
            key = cid()
            await customer.send(type="message", client_id=key, body="Hello?")
            await customer.expect("ack", client_id=key)
            conversation_id = (await agent_b.expect("event", name="message.created"))["data"][
                "conversation_id"
            ]

            await redis_command(redis, "CLIENT", "PAUSE", "5000", "WRITE")  # lifted below, at most 5 s
            try:
                late = cid()
                await customer.send(type="message", client_id=late, body="Are you there?")
                mine = await customer.expect("message", seq=2)  # committed on A (its own frame is local)
                answering = asyncio.create_task(post_reply(api_b, conversation_id, "Yes, here!"))
                reply_event = await agent_b.expect(
                    "event", name="message.created", where=lambda f: f["data"]["message"]["seq"] == 3
                )  # B's own event, delivered on B at once
            finally:
                await redis_command(redis, "CLIENT", "UNPAUSE")
            answer = await asyncio.wait_for(answering, 10)
            await customer.expect("ack", client_id=late)
            assert answer["seq"] == 3 and reply_event["data"]["message"]["id"] == answer["id"]

            await asyncio.sleep(1.0)  # A's event has crossed Redis by now
            live = created_ids(agent_b)
            last = max(e["id"] for e in logged_events(agent_b))
            again, _ = await open_agent(url_b, site.token, last_event_id=last)
            full, _ = await open_agent(url_b, site.token, last_event_id=0)
            await asyncio.sleep(0.3)
            [logged] = [e for e in message_events(full) if e["data"]["message"]["id"] == mine["id"]]
            assert logged["id"] < reply_event["id"]  # the event log has it, before the reply
            assert mine["id"] in live, (
                f"the agent on B never got message {mine['id']} (seq 2, from A, event {logged['id']}) "
                f"live: it got events {[e['id'] for e in logged_events(agent_b)]}; reconnecting with "
                f"last_event_id={last} brings {created_ids(again)} (nothing), so it stays missing"
            )
        finally:
            with contextlib.suppress(Exception):
                await redis_command(redis, "CLIENT", "UNPAUSE")
            await redis.aclose()
            await close_all(agent_b, customer, again, full)


@pytest.mark.postgres_only
async def test_a_customer_on_one_server_is_told_agents_are_online_when_they_are_on_another(
    cluster: Cluster,
) -> None:
    """An agent connected to process B only says they take chats (`presence` online); customers
    open the widget through B and through A.

    Tried: both `welcome`s say `agents_online` true, and after the agent goes `away` both say false;
    otherwise a widget on A would show "We are away right now" while an agent waits on B."""
    url_a, url_b = cluster.urls
    site = await make_site(cluster.wowdesk, url_a)
    socks: list[Socket] = []
    async with asyncio.timeout(30):
        try:
            agent_b, _ = await open_agent(url_b, site.token)
            socks.append(agent_b)
            await agent_b.send(type="presence", status="online")
            await agent_b.expect("event", name="agent.presence_changed")
            for url in (url_b, url_a):
                widget, hello = await open_widget(url, site.slug, site.channel)
                socks.append(widget)
                assert hello["agents_online"] is True, f"the agent on B is invisible to a widget on {url}"
            await agent_b.send(type="presence", status="away")
            await agent_b.expect("event", name="agent.presence_changed")
            for url in (url_b, url_a):
                widget, hello = await open_widget(url, site.slug, site.channel)
                socks.append(widget)
                assert hello["agents_online"] is False, f"an away agent counts as online on {url}"
        finally:
            await close_all(*socks)


# -- a server killed in the middle of a conversation -------------------------------------------------------

BURST = 20  # customer messages after the first one, like the widget's outbox in localStorage
QUICK = 5  # sent at once at the start (the widget socket allows a burst of 10, then 1 per second)
PACE = 1.1  # seconds between the next ones
AT_THE_KILL = 4  # sent at once, without waiting for acks, just as the server is killed
REPLY_PACE = 0.4


@dataclass
class Server:
    """The one `wowdesk serve` of the installation, which the test kills and starts again."""

    wowdesk: Wowdesk
    proc: Proc
    up: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self.proc.url
        return self.proc.url

    async def kill(self) -> None:
        self.up.clear()
        os.kill(self.proc.popen.pid, signal.SIGKILL)  # the server process itself, no wrapper
        code = await asyncio.to_thread(self.proc.popen.wait, 10)
        assert code == -signal.SIGKILL, code

    async def restart(self) -> None:
        [self.proc] = await start_servers(self.wowdesk, 1)  # same data, another port
        self.up.set()


@dataclass
class Replier:
    """The agent replying over REST, each reply with a client_id of its own; a reply whose answer
    was lost with the server is sent again, with the same client_id, once the server is back."""

    server: Server
    token: str
    conversation_id: int
    keys: list[str] = field(default_factory=list)  # every reply, in the order they were written
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_id -> the 201 answer
    again: dict[str, dict[str, Any]] = field(default_factory=dict)  # answered 200 when sent again
    lost: list[str] = field(default_factory=list)  # no answer on the first try
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self) -> None:
        key, first = f"reply-{len(self.keys)}-{secrets.token_hex(4)}", True
        body = f"Agent reply {len(self.keys)}"
        self.keys.append(key)
        while True:
            await asyncio.wait_for(self.server.up.wait(), 60)
            try:
                async with httpx.AsyncClient(
                    base_url=self.server.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
                ) as api:
                    r = await api.post(
                        f"/api/v1/conversations/{self.conversation_id}/messages",
                        json={"body": body, "private": False, "client_id": key},
                    )
            except httpx.TransportError:
                if first:
                    self.lost.append(key)
                first = False
                await asyncio.sleep(0.2)
                continue
            assert r.status_code in (200, 201), r.text
            (self.created if r.status_code == 201 else self.again)[key] = r.json()
            return

    async def run(self) -> None:
        while not self.stop.is_set():
            await self.post()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), REPLY_PACE)


async def test_a_server_killed_mid_conversation_loses_nothing_acknowledged_and_resumes_exactly(
    installation: Wowdesk,
) -> None:
    """One `wowdesk serve` (SQLite file, or PostgreSQL + Redis) is killed with SIGKILL while a
    customer sends a burst of messages and an agent replies over REST, then started again.

    The customer sends 5 messages at once, then one every 1.1 s (under the socket's rate limit) while
    the agent replies every 0.4 s; at a random message, 4 more go out at once together with a
    reply, and the server is killed a random few milliseconds later, with work in flight.

    Tried: the widget reconnects with its visitor token and `resume_after` = the highest seq it got,
    and sends again, with the same client_id, every message that had no `ack`; the agent reconnects
    with the last event id it got, and sends again the replies that got no answer. Every
    acknowledged message and every 201 reply is stored exactly once, so are the ones sent again;
    the widget's messages (before and after) have each seq once and no gap; the agent's events have
    no repeated id and include a `message.created` for every stored message."""
    seed = secrets.randbits(32)
    rnd = random.Random(seed)
    kill_at = rnd.randint(QUICK + 1, BURST - AT_THE_KILL - 4)  # the burst at the kill starts here
    kill_delay = rnd.uniform(0.0, 0.03)
    why = f"(seed {seed}: killed {kill_delay * 1000:.0f} ms into the burst at message {kill_at} on {TARGET})"

    [proc] = await start_servers(installation, 1)
    server = Server(installation, proc)
    server.up.set()
    site = await make_site(installation, server.url)
    customer = agent_1 = customer_2 = agent_2 = None
    replier_task = in_flight = None
    async with asyncio.timeout(120):
        try:
            agent_1, _ = await open_agent(server.url, site.token)
            customer, welcome = await open_widget(server.url, site.slug, site.channel)
            token = welcome["visitor"]
            first = cid()
            await customer.send(type="message", client_id=first, body="Hello, where is my parcel?")
            await customer.expect("ack", client_id=first)
            conversation_id = (await customer.expect("message", seq=1))["conversation_id"]

            outbox = [(cid(), f"Burst {n}") for n in range(BURST)]
            replier = Replier(server, site.token, conversation_id)
            replier_task = asyncio.create_task(replier.run())

            for n, (key, body) in enumerate(outbox[:kill_at]):
                if n >= QUICK:
                    await asyncio.sleep(PACE)
                await customer.send(type="message", client_id=key, body=body)
            for key, body in outbox[kill_at : kill_at + AT_THE_KILL]:
                await customer.send(type="message", client_id=key, body=body)
            in_flight = asyncio.create_task(replier.post())
            await asyncio.sleep(kill_delay)
            await server.kill()
            await customer.closed_with(10)
            await agent_1.closed_with(10)

            acked_before = {f["client_id"]: f for f in of_type(customer, "ack")}
            received_before = [m["seq"] for m in of_type(customer, "message")]
            events_before = logged_events(agent_1)
            assert len(acked_before) >= 1 + QUICK and received_before, why
            assert of_type(customer, "error") == [], (of_type(customer, "error"), why)

            await server.restart()

            # the agent comes back first, with the last event id it got
            last_event = max(e["id"] for e in events_before)
            agent_2, again = await open_agent(server.url, site.token, last_event_id=last_event)
            assert again["last_event_id"] == last_event and of_type(agent_2, "reset") == [], why

            # the widget comes back with the highest seq it got, then sends what had no ack
            resume = max(received_before)
            customer_2, hello = await open_widget(
                server.url, site.slug, site.channel, token=token, resume_after=resume
            )
            assert hello["conversation"]["id"] == conversation_id, why
            synced = await customer_2.expect("synced")
            assert synced["last_seq"] >= resume, why
            resent = [(k, b) for k, b in outbox if k not in acked_before]
            for n, (key, body) in enumerate(resent):
                if n >= 9:
                    await asyncio.sleep(PACE)
                await customer_2.send(type="message", client_id=key, body=body)
            await until(
                lambda: {f["client_id"] for f in of_type(customer_2, "ack")} >= {k for k, _ in resent},
                f"acks for the {len(resent)} messages sent again {why}",
            )
            replier.stop.set()
            await asyncio.wait_for(asyncio.gather(replier_task, in_flight), 60)

            async with site.api(server.url) as api:
                stored, last_seq = await stored_messages(api, conversation_id)
            by_id = {m["id"]: m for m in stored}
            seq_of = {m["client_id"]: m["seq"] for m in stored}
            print(  # shown with a failure: what the kill hit
                f"{why}: {len(acked_before)} acked before the kill, {len(resent)} sent again, of which "
                f"{len([k for k, _ in resent if seq_of[k] <= synced['last_seq']])} were stored already; "
                f"{len(replier.keys)} replies, {len(replier.lost)} without an answer "
                f"({len(replier.again)} of them stored already); resumed after seq {resume} of "
                f"{synced['last_seq']}; {len(events_before)} events before the kill"
            )
            await until(
                lambda: (
                    any(m["seq"] == last_seq for m in of_type(customer_2, "message"))
                    or last_seq <= synced["last_seq"]
                ),
                f"the widget to get seq {last_seq} {why}",
                10,
            )
            await until(
                lambda: set(created_ids(agent_1) + created_ids(agent_2)) >= set(by_id),
                f"the agent to see every stored message {why}",
                10,
            )
            await asyncio.sleep(0.3)  # a duplicate would come by now

            # the database: seq 1..last, every acknowledged / 201 / resent message exactly once
            assert [m["seq"] for m in stored] == list(range(1, last_seq + 1)), why
            keys = Counter(m["client_id"] for m in stored)
            customer_keys = [first] + [k for k, _ in outbox]
            assert {k: keys[k] for k in customer_keys + replier.keys if keys[k] != 1} == {}, why
            assert len(stored) == len(customer_keys) + len(replier.keys), why
            for ack in [*of_type(customer, "ack"), *of_type(customer_2, "ack")]:
                [m] = [m for m in stored if m["client_id"] == ack["client_id"]]
                assert (m["id"], m["seq"]) == (ack["id"], ack["seq"]), (ack, m, why)
            assert set(replier.created) | set(replier.again) == set(replier.keys), why
            for key, answer in {**replier.created, **replier.again}.items():
                [m] = [m for m in stored if m["client_id"] == key]
                assert (m["id"], m["seq"], m["body"]) == (answer["id"], answer["seq"], answer["body"]), why
            assert set(replier.again) <= set(replier.lost), why  # 200 only for a reply sent again

            # the widget: every seq once, no gap, before and after the reconnect
            seen = received_before + [m["seq"] for m in of_type(customer_2, "message")]
            dupes = sorted(s for s, n in Counter(seen).items() if n > 1)
            assert dupes == [], f"the widget got seqs {dupes} twice {why}"
            missing = sorted(set(range(1, last_seq + 1)) - set(seen))
            assert missing == [], f"the widget never got seqs {missing} (resumed after {resume}) {why}"

            # the agent: no event twice, and a message.created for every stored message
            ids = [e["id"] for e in events_before + logged_events(agent_2)]
            assert ids == sorted(set(ids)), f"event ids repeated or out of order {why}"
            seen_ids = Counter(created_ids(agent_1) + created_ids(agent_2))
            assert {i: n for i, n in seen_ids.items() if n != 1} == {}, why
            assert sorted(seen_ids) == sorted(by_id), (
                f"message.created never seen for {sorted(set(by_id) - set(seen_ids))} {why}"
            )
            for s in (customer_2, agent_2):
                assert of_type(s, "error") == [], (of_type(s, "error"), why)
        finally:
            for task in (replier_task, in_flight):
                if task is not None and not task.done():
                    task.cancel()
            await close_all(customer, agent_1, customer_2, agent_2)


# -- resuming the widget ----------------------------------------------------------------------------------


async def test_a_stale_widget_resumes_from_scratch_or_from_the_future_and_stays_live(
    live_cast: Cast,
) -> None:
    """A conversation of customer messages, replies and an internal note.

    Tried: a widget that lost its storage says `resume_after` 0 and gets the whole public history in
    order, then `synced` with the last seq (the note's seq is skipped, not a gap it waits for); one
    that says a seq from the future gets no message but the true `synced.last_seq`, and after that
    still gets the next reply live, once, and its own next message is acknowledged with the next seq."""
    channel = await make_channel(live_cast)
    alice, _ = await agent(live_cast, "alice")
    customer, welcome = await visitor(live_cast, channel)
    scratch = future = None
    try:
        await customer.send(type="message", client_id=cid(), body="hi")
        conversation_id = (await customer.expect("message", seq=1))["conversation_id"]
        reply(live_cast, conversation_id, "Hello! How can I help?")
        reply(live_cast, conversation_id, "Internal: VIP", private=True)
        await customer.send(type="message", client_id=cid(), body="My parcel is late")
        await customer.expect("ack")
        reply(live_cast, conversation_id, "Let me check.")
        await customer.close()

        scratch, hello = await visitor(live_cast, channel, token=welcome["visitor"], resume_after=0)
        assert hello["conversation"]["last_seq"] == 5
        synced = await scratch.expect("synced")
        replay = of_type(scratch, "message")
        assert [(m["seq"], m["body"]) for m in replay] == [
            (1, "hi"),
            (2, "Hello! How can I help?"),
            (4, "My parcel is late"),
            (5, "Let me check."),
        ]
        assert synced["last_seq"] == 5
        await scratch.close()

        future, hello = await visitor(live_cast, channel, token=welcome["visitor"], resume_after=1000)
        assert hello["conversation"]["last_seq"] == 5
        await future.expect("synced", last_seq=5)
        assert of_type(future, "message") == []
        sent = reply(live_cast, conversation_id, "Found it: it arrives tomorrow.")
        live = await future.expect("message", seq=6)
        assert live["id"] == sent["id"]
        key = cid()
        await future.send(type="message", client_id=key, body="Thanks!")
        assert (await future.expect("ack", client_id=key))["seq"] == 7
        await future.expect("message", seq=7)
        assert [m["seq"] for m in await future.quiet("message", 0.3)] == [6, 7]
    finally:
        await close_all(customer, scratch, future, alice)


LONG = 520  # more messages than one replay carries (500)


async def test_a_widget_on_a_new_device_gets_the_latest_messages_of_a_long_conversation(
    live_cast: Cast,
) -> None:
    """A customer whose conversation has 520 messages opens the chat on a new device
    (`resume_after` 0: nothing stored).

    Tried: what comes before `synced` — at most 500 messages, in order, without a gap, and ending
    with the newest one, so that `synced.last_seq` ("everything up to here was sent") is true and
    the customer sees the latest answer; `synced.from_seq` says where the replay started (older
    ones are for REST)."""
    channel = await make_channel(live_cast)
    customer, welcome = await visitor(live_cast, channel)
    fresh = None
    try:
        await customer.send(type="message", client_id=cid(), body="hi")
        conversation_id = (await customer.expect("message", seq=1))["conversation_id"]
        await customer.close()
        actor = live_cast.actor("alice")
        async with live_cast.rt.uow() as s:
            conversation = await chat_queries.get_conversation(s, actor, conversation_id, for_update=True)
            for n in range(2, LONG + 1):
                await chat.do_send_message(s, actor, conversation, AgentMessageIn(body=f"Reply {n}"))

        fresh, hello = await visitor(live_cast, channel, token=welcome["visitor"], resume_after=0)
        assert hello["conversation"]["last_seq"] == LONG
        synced = await fresh.expect("synced", timeout=20)
        seqs = [m["seq"] for m in of_type(fresh, "message")]
        assert synced["last_seq"] == LONG and synced["from_seq"] == seqs[0] - 1
        assert 0 < len(seqs) <= 500 and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert seqs[-1] == LONG, (
            f"the replay stopped at seq {seqs[-1]} but synced says {synced['last_seq']}: "
            f"the newest {LONG - seqs[-1]} messages never reach the widget"
        )
    finally:
        await close_all(customer, fresh)
