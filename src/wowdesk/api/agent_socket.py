"""One agent's event stream (``GET /ws/agent``, docs/chat.md): every logged event of what the agent
may see, numbered; a reconnect with ``last_event_id`` gets exactly what was missed, then live ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CONVERSATIONS_READ
from wowdesk.api.visitors import TokenBucket
from wowdesk.api.widget_socket import _TOO_LARGE, CLOSE_FLOOD, CLOSE_TOO_LARGE, receive_json_frame
from wowdesk.conversations import actions as chat
from wowdesk.conversations import events as cev
from wowdesk.conversations import queries as chat_queries
from wowdesk.core import eventlog
from wowdesk.core.actor import Actor
from wowdesk.core.errors import DomainError
from wowdesk.core.i18n import N_, translate
from wowdesk.core.runtime import Runtime
from wowdesk.http.actor_cache import ActorCache
from wowdesk.http.deps import SESSION_COOKIE, resolve_bearer
from wowdesk.realtime.events import Viewing
from wowdesk.realtime.hub import AgentSocket, Connection, Hub, frame, visible
from wowdesk.tickets import queries as ticket_queries

log = logging.getLogger("wowdesk.agent_stream")

REPLAY_LIMIT = 1000
HEARTBEAT = 30.0  # how often a connected console says its agent is there (accounts.PRESENCE_TIMEOUT: 90 s)
CLOSE_UNAUTHORIZED = 4401


class AgentStream:
    def __init__(self, ws: WebSocket, rt: Runtime, hub: Hub, cache: ActorCache) -> None:
        self.ws = ws
        self.rt = rt
        self.hub = hub
        self.cache = cache
        self.language = "en"
        self.out = Connection(ws.send_text, on_overflow=self._overflow)
        self.agent: AgentSocket | None = None
        self.signals = TokenBucket(rate=10.0, burst=50)
        self.refused = 0
        self._heartbeat: asyncio.Task[None] | None = None

    async def _overflow(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code=1013)

    def _error(self, code: str, message: str, **params: Any) -> None:
        self.out.push(frame(type="error", code=code, detail=translate(message, self.language, **params)))

    async def _close(self, code: str, message: str, close_code: int) -> None:
        self._error(code, message)
        await self.out.flush_and_stop()
        with contextlib.suppress(Exception):
            await self.ws.close(code=close_code)

    async def run(self) -> None:
        await self.ws.accept()
        self.out.start()
        try:
            if await self._hello():
                await self._loop()
        except WebSocketDisconnect:
            pass
        finally:
            if self._heartbeat is not None:
                self._heartbeat.cancel()
            if self.agent is not None:
                self.hub.remove_agent(self.agent)
            await self.out.flush_and_stop()

    async def _beat(self) -> None:
        """Say the agent is there now and every HEARTBEAT seconds; an online agent coming back takes
        the chats that waited."""
        assert self.agent is not None
        actor, first = self.agent.actor, True
        while True:
            try:
                async with self.rt.uow() as s:
                    await account_actions.do_touch_presence(s, actor)
                    if first:
                        await chat.do_assign_waiting(s, actor.workspace_id, actor.id or 0)
                first = False
            except Exception:
                log.exception("presence heartbeat failed")
            await asyncio.sleep(HEARTBEAT)

    async def _authenticate(self, token: Any) -> Actor | None:
        now = self.rt.clock.now()
        async with self.rt.uow(write=False) as s:
            if isinstance(token, str) and token:
                return await resolve_bearer(self.rt, self.cache, s, token, read_only=True)
            cookie = self.ws.cookies.get(SESSION_COOKIE)
            if cookie:
                found = await accounts.resolve_session(s, cookie, now)
                return found[0] if found else None
        return None

    async def _hello(self) -> bool:
        try:
            data = await receive_json_frame(self.ws, self._error)
        except WebSocketDisconnect:
            return False
        if data is None or data is _TOO_LARGE or data.get("type") != "hello":
            await self._close("invalid", N_("The first frame must be hello."), 4400)
            return False
        actor = await self._authenticate(data.get("token"))
        if actor is None or not actor.can(CONVERSATIONS_READ):
            await self._close(
                "unauthorized", N_("Sign in again: this stream needs a valid token."), CLOSE_UNAUTHORIZED
            )
            return False
        self.language = actor.language
        after = data.get("last_event_id")
        if after is not None and (not isinstance(after, int) or isinstance(after, bool) or after < 0):
            await self._close("invalid", N_("last_event_id must be a whole number."), 4400)
            return False
        async with self.rt.uow(write=False) as s:
            team_ids = await chat_queries.teams_of(s, actor)
        self.agent = AgentSocket(actor=actor, team_ids=team_ids, out=self.out)
        self.hub.add_agent(self.agent)  # before the backlog is read: nothing committed meanwhile is lost
        ws_id = actor.workspace_id
        async with self.rt.uow(write=False) as s:
            latest = await eventlog.latest(s, ws_id)
            start = latest if after is None else after
            backlog = await eventlog.events_after(s, ws_id, start, REPLAY_LIMIT) if start < latest else []
            oldest = await eventlog.oldest_kept(s, ws_id) if backlog else None
        gone = oldest is not None and after is not None and after < oldest - 1
        if after is not None and (gone or len(backlog) >= REPLAY_LIMIT or after > latest):
            # Older than the log keeps (or more than a reconnect should carry): reload through REST.
            self.out.push(frame(type="reset", last_event_id=latest))
            start, backlog = latest, []
        self.agent.upto = start
        self.out.push(
            frame(
                type="welcome",
                agent={"id": actor.id, "name": actor.name, "role": actor.role},
                last_event_id=start,
            )
        )
        for entry in backlog:
            text = frame(type="event", id=entry.seq, name=entry.name, data=entry.payload)
            self.agent.process(
                entry.seq, text if visible(actor, team_ids, entry.name, entry.payload) else None
            )
        self.agent.go_live()
        self._heartbeat = asyncio.create_task(self._beat(), name="wowdesk-agent-presence")
        return True

    async def _loop(self) -> None:
        while True:
            data = await receive_json_frame(self.ws, self._error)
            if data is _TOO_LARGE:
                await self._close("too_large", N_("A frame is at most 64 KB."), CLOSE_TOO_LARGE)
                return
            if data is None or self.signals.take():
                self.refused += 1
                if data is not None:
                    self._error("rate_limited", N_("Too many frames; wait a moment."))
                if self.refused >= 20:
                    await self._close(
                        "rate_limited", N_("Too many refused frames; the connection is closed."), CLOSE_FLOOD
                    )
                    return
                continue
            self.refused = 0
            kind = data["type"]
            if kind == "ping":
                self.out.push(frame(type="pong"))
            elif kind in ("typing", "read"):
                await self._conversation_signal(kind, data)
            elif kind == "presence":
                await self._presence(data)
            elif kind == "viewing":
                await self._viewing(data)
            else:
                self._error("unknown_type", N_("Unknown frame type {type}."), type=kind[:40])

    async def _presence(self, data: dict[str, Any]) -> None:
        """``{"type": "presence", "status": "online" | "away" | "offline"}``: taking chats or not."""
        assert self.agent is not None
        actor = self.agent.actor
        status = data.get("status")
        if status not in account_actions.AVAILABILITY:
            self._error("invalid", N_("Availability is online, away or offline."))
            return
        async with self.rt.uow() as s:
            await account_actions.do_set_availability(s, actor, str(status))
            if status == "online":
                await chat.do_assign_waiting(s, actor.workspace_id, actor.id or 0)

    async def _viewing(self, data: dict[str, Any]) -> None:
        """``{"type": "viewing", "target": "ticket:12" | "conversation:5", "state": "viewing" |
        "typing" | "left", "ask": bool}``: told to the other agents who may see it."""
        assert self.agent is not None
        actor = self.agent.actor
        target, state = data.get("target"), data.get("state")
        kind, _sep, number = target.partition(":") if isinstance(target, str) else ("", "", "")
        if kind not in ("ticket", "conversation") or not number.isdigit() or len(number) > 18:
            self._error("invalid", N_("target is ticket:<id> or conversation:<id>."))
            return
        if state not in ("viewing", "typing", "left"):
            self._error("invalid", N_("state is viewing, typing or left."))
            return
        team_id = assignee_id = None
        try:
            async with self.rt.uow(write=False) as s:
                if kind == "conversation":
                    c = await chat_queries.get_conversation(s, actor, int(number))
                    team_id, assignee_id = c.team_id, c.assignee_id
                else:
                    await ticket_queries.get_ticket(s, actor, int(number))
        except DomainError as exc:
            self._error("not_found" if exc.status == 404 else "invalid", exc.message, **exc.params)
            return
        await self.rt.bus.publish(
            [
                Viewing(
                    workspace_id=actor.workspace_id,
                    occurred_at=self.rt.clock.now(),
                    actor=actor.ref,
                    target=f"{kind}:{int(number)}",
                    state=state,
                    ask=bool(data.get("ask")),
                    who_id=actor.id or 0,
                    who_name=actor.name,
                    team_id=team_id,
                    assignee_id=assignee_id,
                )
            ]
        )

    async def _conversation_signal(self, kind: str, data: dict[str, Any]) -> None:
        assert self.agent is not None
        actor = self.agent.actor
        cid = data.get("conversation_id")
        if not isinstance(cid, int) or isinstance(cid, bool) or cid < 1:
            self._error("invalid", N_("conversation_id must be a conversation's id."))
            return
        try:
            if kind == "typing":
                async with self.rt.uow(write=False) as s:
                    c = await chat_queries.get_conversation(s, actor, cid)
                await self.rt.bus.publish(
                    [
                        cev.Typing(
                            workspace_id=actor.workspace_id,
                            occurred_at=self.rt.clock.now(),
                            actor=actor.ref,
                            conversation_id=c.id,
                            channel_id=c.channel_id,
                            customer_id=c.customer_id,
                            team_id=c.team_id,
                            assignee_id=c.assignee_id,
                            on=bool(data.get("on")),
                            who="agent",
                            who_id=actor.id,
                            who_name=actor.name,
                        )
                    ]
                )
            else:
                seq = data.get("seq")
                if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
                    self._error("invalid", N_("seq must be a whole number."))
                    return
                async with self.rt.uow() as s:
                    c = await chat_queries.get_conversation(s, actor, cid, for_update=True)
                    await chat.do_mark_agent_read(s, actor, c, seq)
        except DomainError as exc:
            self._error("not_found" if exc.status == 404 else "invalid", exc.message, **exc.params)
