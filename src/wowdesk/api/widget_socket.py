"""One customer's WebSocket (``GET /ws/widget``): the protocol of docs/chat.md.

Every message is stored and committed before its ``ack`` goes out; a reconnecting widget says the
last number it has and gets exactly what follows. Frames that are malformed, unknown, too large or
too many get an ``error`` frame (the socket stays open); a socket that keeps flooding, or that does
not start with ``hello``, is closed with the code the protocol names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from wowdesk.api.visitors import TokenBucket, VisitorContext, VisitorRefused, resolve_visitor, welcome
from wowdesk.conversations import actions as chat
from wowdesk.conversations import events as cev
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.models import ConversationRow, MessageRow
from wowdesk.conversations.schemas import AckOut, IdentityIn, ProfileIn, SeqIn, VisitorMessageIn
from wowdesk.core.errors import DomainError
from wowdesk.core.i18n import LANGUAGES, N_, normalize_language, translate
from wowdesk.core.runtime import Runtime
from wowdesk.core.uow import on_commit
from wowdesk.http.validation import validation_message
from wowdesk.realtime.hub import Connection, Hub, Visitor, frame
from wowdesk.tickets.email import actions as offline

log = logging.getLogger("wowdesk.widget")

MAX_FRAME = 64 * 1024
REPLAY_LIMIT = 500
HELLO_TIMEOUT = 15.0
PROGRESS_EVERY = 1.0  # received/read marks are written at most this often per socket
FLOOD_CLOSE_AFTER = 20  # refused frames in a row before the socket is closed

CLOSE_BAD_START, CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_TOO_LARGE, CLOSE_FLOOD = 4400, 4401, 4404, 4413, 4429


_TOO_LARGE: dict[str, Any] = {}


async def receive_json_frame(ws: WebSocket, error: Any) -> dict[str, Any] | None:
    """The next frame as a JSON object with a ``type``; None (after an ``error`` frame) for
    anything else; ``_TOO_LARGE`` past MAX_FRAME. Raises WebSocketDisconnect when the client left."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raw = message.get("bytes") or b""
        if len(raw) > MAX_FRAME:
            return _TOO_LARGE
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            error("invalid_json", N_("The frame is not valid JSON."))
            return None
    if len(text) > MAX_FRAME:
        return _TOO_LARGE
    try:
        data = json.loads(text)
    except ValueError:
        error("invalid_json", N_("The frame is not valid JSON."))
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        error("invalid", N_("A frame is a JSON object with a type."))
        return None
    return data


class WidgetSession:
    def __init__(self, ws: WebSocket, rt: Runtime, hub: Hub) -> None:
        self.ws = ws
        self.rt = rt
        self.hub = hub
        self.language = "en"
        self.ctx: VisitorContext | None = None
        self.conversation: ConversationRow | None = None
        self.visitor: Visitor | None = None
        self.agents_online: bool | None = None  # what hello found: the offline check reuses it
        self.messages = TokenBucket(rate=1.0, burst=10)
        self.signals = TokenBucket(rate=5.0, burst=30)
        self.refused = 0
        self.received = self.read = 0
        self._progress_task: asyncio.Task[None] | None = None
        self.out = Connection(self.ws.send_text, on_overflow=self._overflow)

    # -- the socket's life ---------------------------------------------------------------------------------
    async def run(self) -> None:
        await self.ws.accept()
        self.out.start()
        try:
            if await self._hello():
                await self._loop()
        except WebSocketDisconnect:
            pass
        finally:
            await self._finish()

    async def _overflow(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code=1013)

    async def _close(self, code: str, message: str, close_code: int, **params: Any) -> None:
        self._error(code, message, **params)
        await self.out.flush_and_stop()
        with contextlib.suppress(Exception):
            await self.ws.close(code=close_code)

    def _error(self, code: str, message: str, **fields: Any) -> None:
        params = {k: v for k, v in fields.items() if k not in ("retry_after", "client_id")}
        extra = {k: v for k, v in fields.items() if k in ("retry_after", "client_id") and v is not None}
        self.out.push(
            frame(type="error", code=code, detail=translate(message, self.language, **params), **extra)
        )

    async def _receive(self) -> dict[str, Any] | None:
        """The next frame as a JSON object, or None after answering a frame that was not one."""
        data = await receive_json_frame(self.ws, self._error)
        if data is _TOO_LARGE:
            await self._close("too_large", N_("A frame is at most 64 KB."), CLOSE_TOO_LARGE)
            raise WebSocketDisconnect(CLOSE_TOO_LARGE)
        return data

    # -- hello -----------------------------------------------------------------------------------------------
    async def _hello(self) -> bool:
        q = self.ws.query_params
        self.language = normalize_language(self.ws.headers.get("accept-language", "").split(",")[0] or None)
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                data = await self._receive()
        except TimeoutError:
            await self._close("invalid", N_("The first frame must be hello."), CLOSE_BAD_START)
            return False
        if data is None or data.get("type") != "hello":
            await self._close("invalid", N_("The first frame must be hello."), CLOSE_BAD_START)
            return False
        if data.get("language") in LANGUAGES:
            self.language = str(data["language"])
        try:
            channel_id = int(q.get("channel", ""))
            identity = IdentityIn.model_validate(data["identity"]) if data.get("identity") else None
            profile = ProfileIn.model_validate(data["profile"]) if data.get("profile") else None
            resume_after = SeqIn.model_validate({"seq": data.get("resume_after") or 0}).seq
            token = data.get("visitor")
            if token is not None and not isinstance(token, str):
                raise ValueError("visitor")
        except (ValueError, ValidationError):
            await self._close("invalid", N_("The hello frame is not valid."), CLOSE_BAD_START)
            return False
        try:
            self.ctx = await resolve_visitor(
                self.rt,
                workspace_slug=q.get("workspace", ""),
                channel_id=channel_id,
                token=token,
                identity=identity,
                profile=profile,
                language=self.language,
            )
        except VisitorRefused as exc:
            await self._close("forbidden", exc.message, CLOSE_FORBIDDEN, **exc.params)
            return False
        except DomainError as exc:
            if exc.status == 404:
                await self._close("not_found", exc.message, CLOSE_NOT_FOUND, **exc.params)
                return False
            raise
        ctx = self.ctx
        # Registered before the backlog is read: nothing committed in between is missed.
        self.visitor = Visitor(ctx.workspace_id, ctx.channel.id, ctx.customer_id, self.out)
        self.hub.add_visitor(self.visitor)
        async with self.rt.uow(write=False) as s:
            self.conversation = await chat_queries.latest_of_visitor(s, ctx.channel, ctx.customer_id)
            c = self.conversation
            # Far behind (a new device on a long conversation): the latest REPLAY_LIMIT numbers, so
            # the widget's tail has no hole; older history is a REST call away.
            start = max(resume_after, c.last_seq - REPLAY_LIMIT) if c is not None else 0
            backlog = (
                await chat_queries.messages(
                    s, ctx.workspace_id, c, after_seq=start, limit=REPLAY_LIMIT, public_only=True
                )
                if c is not None and start < c.last_seq
                else []
            )
            online = await chat.available_agents(s, ctx.channel)
        self.agents_online = online
        self.out.push(
            frame(
                type="welcome",
                **welcome(ctx, self.conversation, agents_online=online, at=self.rt.clock.now()).model_dump(
                    mode="json"
                ),
            )
        )
        last = start
        for m in backlog:
            self.out.push(frame(type="message", **m.model_dump(mode="json")))
            last = m.seq
        last_seq = self.conversation.last_seq if self.conversation is not None else 0
        self.out.push(frame(type="synced", last_seq=last_seq, from_seq=start))
        self.visitor.go_live(max(last, min(start, last_seq)))
        return True

    # -- frames ----------------------------------------------------------------------------------------------
    async def _loop(self) -> None:
        while True:
            data = await self._receive()
            if data is None:
                await self._refuse()
                continue
            kind = data["type"]
            bucket = self.messages if kind == "message" else self.signals
            wait = bucket.take()
            if wait:
                self._error(
                    "rate_limited",
                    N_("Too many messages; wait a moment."),
                    retry_after=round(wait, 1),
                    client_id=data.get("client_id"),
                )
                await self._refuse()
                continue
            handler = getattr(self, f"_on_{kind}", None) if kind in _FRAMES else None
            if handler is None:
                self._error("unknown_type", N_("Unknown frame type {type}."), type=kind[:40])
                await self._refuse()
                continue
            self.refused = 0
            await handler(data)

    async def _refuse(self) -> None:
        self.refused += 1
        if self.refused >= FLOOD_CLOSE_AFTER:
            await self._close(
                "rate_limited", N_("Too many refused frames; the connection is closed."), CLOSE_FLOOD
            )
            raise WebSocketDisconnect(CLOSE_FLOOD)

    async def _on_message(self, data: dict[str, Any]) -> None:
        assert self.ctx is not None
        client_id = data.get("client_id") if isinstance(data.get("client_id"), str) else None
        try:
            msg = VisitorMessageIn.model_validate({k: v for k, v in data.items() if k != "type"})
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ()))
            self._error(
                "invalid",
                N_("{field}: {reason}"),
                field=field,
                reason=validation_message(first),
                client_id=client_id,
            )
            return
        try:
            async with self.rt.uow() as s:
                conversation, message, _created = await offline.do_receive_visitor_message(
                    s,
                    self.ctx.channel,
                    self.ctx.customer_id,
                    msg,
                    language=self.language,
                    agents_online=self.agents_online,
                )
                # Once committed the acknowledgement is the promise that the message is kept: it
                # goes out then, before the message's fan-out to agents and to the other tabs.
                on_commit(s, lambda: self._ack(msg.client_id, message))
        except DomainError as exc:
            code = "email_required" if isinstance(exc, offline.EmailRequired) else "invalid"
            self._error(code, exc.message, client_id=client_id, **exc.params)
            return
        self.conversation = conversation

    def _ack(self, client_id: str, message: MessageRow) -> None:
        self.out.push(frame(type="ack", **AckOut.of(client_id, message).model_dump(mode="json")))

    async def _on_typing(self, data: dict[str, Any]) -> None:
        c, ctx = self.conversation, self.ctx
        if c is None or ctx is None:
            return
        event = cev.Typing(
            workspace_id=ctx.workspace_id,
            occurred_at=self.rt.clock.now(),
            actor=f"customer:{ctx.customer_id}",
            conversation_id=c.id,
            channel_id=c.channel_id,
            customer_id=c.customer_id,
            team_id=c.team_id,
            assignee_id=c.assignee_id,
            on=bool(data.get("on")),
            who="customer",
        )
        await self.rt.bus.publish([event])

    async def _on_received(self, data: dict[str, Any]) -> None:
        self._progress(data, read=False)

    async def _on_read(self, data: dict[str, Any]) -> None:
        self._progress(data, read=True)

    async def _on_ping(self, data: dict[str, Any]) -> None:
        self.out.push(frame(type="pong"))

    def _progress(self, data: dict[str, Any], *, read: bool) -> None:
        seq = data.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            self._error("invalid", N_("seq must be a whole number."))
            return
        self.received = max(self.received, seq)
        if read:
            self.read = max(self.read, seq)
        if self._progress_task is None or self._progress_task.done():
            self._progress_task = asyncio.create_task(self._write_progress(delay=PROGRESS_EVERY))

    async def _write_progress(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        c = self.conversation
        if c is None or (self.received <= c.customer_received_seq and self.read <= c.customer_read_seq):
            return
        try:
            async with self.rt.uow() as s:
                current = await chat_queries.find_conversation(s, c.workspace_id, c.id, for_update=True)
                if current is not None:
                    await chat.do_mark_customer_progress(s, current, received=self.received, read=self.read)
                    self.conversation = current
        except Exception:
            log.exception("storing read marks failed")

    async def _finish(self) -> None:
        if self.visitor is not None:
            self.hub.remove_visitor(self.visitor)
        if self._progress_task is not None and not self._progress_task.done():
            self._progress_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._progress_task
            await self._write_progress()
        await self.out.flush_and_stop()


_FRAMES = frozenset({"message", "typing", "received", "read", "ping"})
