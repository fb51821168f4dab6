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
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from wowdesk.accounts.permissions import TICKETS_READ
from wowdesk.conversations import events as cev
from wowdesk.conversations.queries import may_see
from wowdesk.core.actor import Actor
from wowdesk.core.bus import Bus
from wowdesk.core.events import Event

log = logging.getLogger("wowdesk.realtime")

QUEUE_LIMIT = 2_000  # frames waiting for one socket before it is disconnected as too slow

Send = Callable[[str], Awaitable[None]]


def frame(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)


class Connection:
    """One socket's outgoing side: frames queue here and a task writes them in order."""

    def __init__(
        self, send: Send, on_overflow: Callable[[], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        self._send = send
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)
        self._on_overflow = on_overflow
        self._task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self.closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="wowdesk-socket-writer")

    def push(self, text: str) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("socket too slow: %d frames waiting, disconnecting it", QUEUE_LIMIT)
            self.closed = True
            if self._on_overflow is not None:
                self._closer = asyncio.create_task(self._on_overflow())

    async def _drain(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            try:
                await self._send(text)
            except Exception:
                self.closed = True
                return

    async def flush_and_stop(self) -> None:
        self.closed = True
        if self._task is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=5)


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
    actor: Actor
    team_ids: frozenset[int]
    out: Connection
    last_id: int = 0  # the last logged event sent
    replaying: bool = True  # live events wait in `held` while the backlog is sent
    held: list[tuple[int, str]] = field(default_factory=list)

    def deliver(self, event_id: int | None, text: str) -> None:
        if event_id is None:
            self.out.push(text)
        elif self.replaying:
            self.held.append((event_id, text))
        elif event_id > self.last_id:
            self.last_id = event_id
            self.out.push(text)

    def replayed(self, event_id: int, text: str) -> None:
        if event_id > self.last_id:
            self.last_id = event_id
            self.out.push(text)

    def go_live(self) -> None:
        self.replaying = False
        for event_id, text in sorted(self.held):
            if event_id > self.last_id:
                self.last_id = event_id
                self.out.push(text)
        self.held.clear()


def event_frame(event: Event) -> str:
    return frame(type="event", id=event.log_id, name=event.name, data=event.model_dump(mode="json"))


class Hub:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.visitors: dict[tuple[int, int, int], set[Visitor]] = {}
        self.agents: dict[int, set[AgentSocket]] = {}
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
            visible = (
                a.actor.can(permission) if permission else may_see(a.actor, a.team_ids, team_id, assignee_id)
            )
            if visible:
                a.deliver(event.log_id, text)

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
