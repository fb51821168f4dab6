"""The connection hub of one process.

Every event published after a commit reaches the hub through the bus — this process's own at once,
the other processes' through Redis — and becomes frames for the sockets connected here that may see
it: a customer's widget gets its conversation's public messages, read marks and typing; an agent
gets every logged event of the conversations and tickets they may see, numbered by the workspace's
event log so a reconnect resumes without gaps or repeats.

Each socket has a bounded queue drained by its own task: one slow client never holds up the
others; a client that falls too far behind is disconnected and catches up when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.conversations import events as cev
from wowdesk.conversations.queries import may_see
from wowdesk.core import eventlog
from wowdesk.core.actor import Actor
from wowdesk.core.bus import Bus
from wowdesk.core.events import Event
from wowdesk.core.uow import UnitOfWorkFactory
from wowdesk.realtime.events import Viewing

log = logging.getLogger("wowdesk.realtime")

QUEUE_LIMIT = 2_000  # frames waiting for one socket before it is disconnected as too slow

Send = Callable[[str], Coroutine[Any, Any, None]]


def frame(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)


class Connection:
    """One socket's outgoing side: frames go out in the order they were pushed.

    A frame is written at once, inside ``push``, while the socket keeps up: the send coroutine is
    stepped by hand and nearly always finishes without waiting (the frame goes into the
    transport's buffer). Only when the transport pushes back (its buffer is full: a slow client)
    does the rest of that send move to a task, and frames pushed meanwhile queue behind it. A
    client that falls QUEUE_LIMIT frames behind is disconnected (it catches up when it reconnects).
    Writing at once, instead of waking a writer task per frame, saves a queue round trip and a task
    switch per frame: a chat message makes a dozen of them.
    """

    def __init__(
        self, send: Send, on_overflow: Callable[[], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        self._send = send
        self._queue: deque[str] = deque()
        self._on_overflow = on_overflow
        self._started = False
        self._task: asyncio.Task[None] | None = None  # writing what the transport pushed back
        self._closer: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        """The socket is accepted: frames may go out (those pushed before wait until now)."""
        self._started = True
        if self._queue and self._task is None:
            self._write_behind()

    def push(self, text: str) -> None:
        if self.closed:
            return
        if self._task is not None or not self._started:
            if len(self._queue) >= QUEUE_LIMIT:
                self._overflow()
                return
            self._queue.append(text)
            return
        coro = self._send(text)
        try:
            waiting_on = coro.send(None)
        except StopIteration:
            return  # written
        except Exception:
            self.closed = True  # the client is gone
            return
        self._write_behind(_Resumed(coro, waiting_on))

    def _write_behind(self, unfinished: _Resumed | None = None) -> asyncio.Task[None]:
        """Hand the writing to a task: the send the transport held back, then what queues."""
        self._task = asyncio.create_task(self._drain(unfinished), name="wowdesk-socket-writer")
        return self._task

    def _overflow(self) -> None:
        log.warning("socket too slow: %d frames waiting, disconnecting it", QUEUE_LIMIT)
        self.closed = True
        self._queue.clear()
        if self._on_overflow is not None:
            self._closer = asyncio.create_task(self._on_overflow())

    async def _drain(self, unfinished: _Resumed | None = None) -> None:
        """Finish the send that waited, then write what queued behind it; back to writing at once
        when nothing is left."""
        try:
            if unfinished is not None:
                await unfinished
            while self._queue:
                await self._send(self._queue.popleft())
        except Exception:
            self.closed = True
            self._queue.clear()
        finally:
            self._task = None

    async def flush_and_stop(self) -> None:
        """No more frames; those waiting are written (for at most 5 s) before this returns."""
        self.closed = True
        task = self._task
        if task is None and self._queue and self._started:
            task = self._write_behind()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), timeout=5)
            if not task.done():
                task.cancel()


class _Resumed:
    """Awaiting this finishes a coroutine that was started by hand (``coro.send(None)``) and then
    suspended on `waiting_on`: what it waits for is handed to the awaiting task, and what the task
    sends back or throws in is passed on, as ``await`` itself would."""

    __slots__ = ("_coro", "_waiting_on")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waiting_on = self._coro, self._waiting_on
        while True:
            try:
                received = yield waiting_on
            except BaseException as exc:  # cancelled, or the future failed: into the coroutine
                try:
                    waiting_on = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = coro.send(received)
                except StopIteration:
                    return


@dataclass(eq=False)
class Visitor:
    workspace_id: int
    channel_id: int
    customer_id: int
    out: Connection
    # While the backlog is sent, live frames wait here (with the seq of a message frame).
    held: list[tuple[int | None, str]] | None = field(default_factory=list)

    def deliver(self, text: str, seq: int | None = None) -> None:
        if self.held is not None:
            self.held.append((seq, text))
        else:
            self.out.push(text)

    def go_live(self, sent_up_to: int) -> None:
        """Send what waited, but the messages the backlog already carried."""
        held, self.held = self.held or [], None
        for seq, text in held:
            if seq is None or seq > sent_up_to:
                self.out.push(text)


@dataclass(eq=False)
class AgentSocket:
    """An agent's stream. Logged events carry the workspace's dense numbers but may arrive out of
    order (each process publishes its own at once, the others' come through Redis later) or not
    at all (Redis pub/sub is at-most-once): every number is processed once — sent if the agent
    may see it, skipped if not — and ``upto`` says that everything up to it was. Each event frame
    carries ``upto``: a client reconnects with it as ``last_event_id`` and misses nothing. A gap
    that stays open is filled from the event log (``Hub.fill_gaps``)."""

    actor: Actor
    team_ids: frozenset[int]
    out: Connection
    upto: int = 0
    ahead: set[int] = field(default_factory=set)  # processed numbers above `upto`
    replaying: bool = True  # live events wait in `held` while the backlog is sent
    held: list[tuple[int, str | None]] = field(default_factory=list)
    gap_since: float | None = None  # when a number below `ahead` was first found missing

    def saw(self, event_id: int, text: str | None) -> None:
        """A logged event of the workspace; `text` None when the agent may not see it."""
        if self.replaying:
            self.held.append((event_id, text))
        else:
            self.process(event_id, text)

    def process(self, event_id: int, text: str | None) -> None:
        if event_id <= self.upto or event_id in self.ahead:
            return  # already sent (or skipped): never twice
        self.ahead.add(event_id)
        while self.upto + 1 in self.ahead:
            self.upto += 1
            self.ahead.discard(self.upto)
        self.gap_since = (self.gap_since or time.monotonic()) if self.ahead else None
        if text is not None:
            self.out.push(text[:-1] + f',"upto":{self.upto}}}')

    def go_live(self) -> None:
        self.replaying = False
        held, self.held = self.held, []
        for event_id, text in sorted(held, key=lambda h: h[0]):
            self.process(event_id, text)


CONVERSATION_EVENTS = frozenset(
    {"conversation.created", "conversation.updated", "message.created", "message.status"}
)


def visible(actor: Actor, team_ids: frozenset[int], name: str, data: dict[str, Any]) -> bool:
    """Whether an agent may see a logged event (replay, gap filling and live use this rule)."""
    if name in CONVERSATION_EVENTS:
        return may_see(actor, team_ids, data.get("team_id"), data.get("assignee_id"))
    return actor.can(TICKETS_READ)


def event_frame(event: Event) -> str:
    return frame(type="event", id=event.log_id, name=event.name, data=event.model_dump(mode="json"))


GAP_PATIENCE = 2.0  # seconds a missing number may take to arrive before it is read from the log


class Hub:
    def __init__(self, bus: Bus, uow: UnitOfWorkFactory | None = None) -> None:
        self.bus = bus
        self.uow = uow
        self.visitors: dict[tuple[int, int, int], set[Visitor]] = {}
        self.agents: dict[int, set[AgentSocket]] = {}
        self._filler: asyncio.Task[None] | None = None
        bus.subscribe(self.on_event)

    # -- registry ------------------------------------------------------------------------------------------
    def add_visitor(self, v: Visitor) -> None:
        self.visitors.setdefault((v.workspace_id, v.channel_id, v.customer_id), set()).add(v)

    def remove_visitor(self, v: Visitor) -> None:
        key = (v.workspace_id, v.channel_id, v.customer_id)
        group = self.visitors.get(key)
        if group is not None:
            group.discard(v)
            if not group:
                del self.visitors[key]

    def add_agent(self, a: AgentSocket) -> None:
        self.agents.setdefault(a.actor.workspace_id, set()).add(a)
        if self.uow is not None and (self._filler is None or self._filler.done()):
            self._filler = asyncio.create_task(self._fill_forever(), name="wowdesk-agent-gaps")

    def remove_agent(self, a: AgentSocket) -> None:
        group = self.agents.get(a.actor.workspace_id)
        if group is not None:
            group.discard(a)
            if not group:
                del self.agents[a.actor.workspace_id]

    def agents_connected(self, workspace_id: int) -> int:
        return len(self.agents.get(workspace_id, ()))

    def stats(self) -> dict[str, int]:
        return {
            "visitor_sockets": sum(len(g) for g in self.visitors.values()),
            "agent_sockets": sum(len(g) for g in self.agents.values()),
        }

    # -- fan-out -------------------------------------------------------------------------------------------
    async def on_event(self, event: Event) -> None:
        if isinstance(event, cev.Typing):
            self._typing(event)
            return
        if isinstance(event, Viewing):
            self._viewing(event)
            return
        if isinstance(
            event, cev.MessageCreated | cev.ConversationCreated | cev.ConversationUpdated | cev.MessageStatus
        ):
            self._to_visitors(event)
            self._to_agents(event, event.team_id, event.assignee_id)
        elif type(event).logged:
            self._to_agents(event, None, None, permission=TICKETS_READ)

    def _visitor_group(self, ws: int, channel_id: int, customer_id: int) -> set[Visitor]:
        return self.visitors.get((ws, channel_id, customer_id), set())

    def _to_visitors(
        self, e: cev.MessageCreated | cev.ConversationCreated | cev.ConversationUpdated | cev.MessageStatus
    ) -> None:
        group = self._visitor_group(e.workspace_id, e.channel_id, e.customer_id)
        if not group:
            return
        text: str | None = None
        seq: int | None = None
        if isinstance(e, cev.MessageCreated):
            if e.private:
                return  # an internal note never reaches a customer
            text = frame(type="message", **e.message)
            seq = int(e.message["seq"])
        elif isinstance(e, cev.MessageStatus):
            if e.by == "agent":
                text = frame(type="read", seq=e.read_seq)
        elif isinstance(e, cev.ConversationUpdated) and "status" not in e.changes:
            return
        else:
            text = frame(type="conversation", conversation={"id": e.conversation_id, "status": e.status})
        if text is not None:
            for v in list(group):
                v.deliver(text, seq)

    def _to_agents(
        self, event: Event, team_id: int | None, assignee_id: int | None, *, permission: str | None = None
    ) -> None:
        group = self.agents.get(event.workspace_id)
        if not group:
            return
        text = event_frame(event)
        for a in list(group):
            allowed = (
                a.actor.can(permission) if permission else may_see(a.actor, a.team_ids, team_id, assignee_id)
            )
            if event.log_id is None:
                if allowed:
                    a.out.push(text)
            else:
                a.saw(event.log_id, text if allowed else None)

    def _typing(self, e: cev.Typing) -> None:
        if e.who == "agent":
            text = frame(type="typing", on=e.on, who={"kind": "agent", "name": e.who_name})
            for v in list(self._visitor_group(e.workspace_id, e.channel_id, e.customer_id)):
                v.deliver(text)
        text = frame(
            type="typing",
            conversation_id=e.conversation_id,
            on=e.on,
            who={"kind": e.who, "id": e.who_id, "name": e.who_name},
        )
        for a in list(self.agents.get(e.workspace_id, ())):
            if e.who == "agent" and a.actor.id == e.who_id:
                continue  # not back to the typist
            if may_see(a.actor, a.team_ids, e.team_id, e.assignee_id):
                a.out.push(text)

    def _viewing(self, e: Viewing) -> None:
        text = frame(
            type="viewing",
            target=e.target,
            state=e.state,
            ask=e.ask,
            who={"id": e.who_id, "name": e.who_name},
        )
        conversation = e.target.startswith("conversation:")
        for a in list(self.agents.get(e.workspace_id, ())):
            if a.actor.id == e.who_id:
                continue
            allowed = (
                may_see(a.actor, a.team_ids, e.team_id, e.assignee_id)
                if conversation
                else a.actor.can(TICKETS_READ)
            )
            if allowed:
                a.out.push(text)

    async def close(self) -> None:
        if self._filler is not None:
            self._filler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._filler

    # -- gaps -------------------------------------------------------------------------------------------
    async def _fill_forever(self) -> None:
        while self.agents:
            await asyncio.sleep(GAP_PATIENCE / 2)
            try:
                await self.fill_gaps()
            except Exception:
                log.exception("filling agent stream gaps failed")

    async def fill_gaps(self, patience: float = GAP_PATIENCE) -> None:
        """Numbers missing from agents' streams for longer than `patience`: read from the event
        log and processed like live ones (sent once, in their place)."""
        assert self.uow is not None
        now = time.monotonic()
        for workspace_id, group in list(self.agents.items()):
            # The last numbers may be the missing ones (lost on the way): nothing after them shows
            # the gap, so the log's own count does.
            async with self.uow(write=False) as s:
                latest = await eventlog.latest(s, workspace_id)
            for a in group:
                if a.gap_since is None and not a.replaying and latest > max(a.upto, *a.ahead, 0):
                    a.gap_since = now
            stuck = [a for a in group if a.gap_since is not None and now - a.gap_since >= patience]
            if not stuck:
                continue
            start = min(a.upto for a in stuck)
            async with self.uow(write=False) as s:
                entries = await eventlog.events_after(s, workspace_id, start, 1000)
            for a in stuck:
                for e in entries:
                    if e.seq > a.upto and e.seq not in a.ahead:
                        text = frame(type="event", id=e.seq, name=e.name, data=e.payload)
                        a.process(e.seq, text if visible(a.actor, a.team_ids, e.name, e.payload) else None)
