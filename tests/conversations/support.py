"""A small WebSocket client for the chat protocol (docs/chat.md), and helpers the chat tests share."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Cast
from wowdesk.conversations import actions as chat
from wowdesk.conversations.schemas import ChannelCreate, WebchatSettings


async def make_channel(cast: Cast, **settings: Any) -> int:
    """A web-chat channel of ``settings``. Its messages stay chats while nobody is online (the chat
    protocol's tests have no agent online): tests of messages left for e-mail pass
    ``offline_messages=True`` (tests/tickets/email)."""
    settings.setdefault("offline_messages", False)
    async with cast.rt.uow() as s:
        channel = await chat.do_create_channel(
            s, cast.actor("ada"), ChannelCreate(name="Web", settings=WebchatSettings(**settings))
        )
    return channel.id


def ws_url(cast: Cast, path: str) -> str:
    assert cast.base_url
    return cast.base_url.replace("http://", "ws://") + path


class Socket:
    """One protocol client: frames arrive in a queue; ``expect`` waits for the next of a type."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.seen: list[dict[str, Any]] = []
        self.closed: ConnectionClosed | None = None
        self._taken: set[int] = set()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                data = json.loads(raw)
                self.seen.append(data)
                await self.frames.put(data)
        except ConnectionClosed as exc:
            self.closed = exc

    async def send(self, **frame: Any) -> None:
        await self.conn.send(json.dumps(frame))

    async def send_raw(self, raw: str | bytes) -> None:
        await self.conn.send(raw)

    async def expect(
        self, kind: str, timeout: float = 10.0, where: Any = None, **match: Any
    ) -> dict[str, Any]:
        """The first frame of this type (and these field values) not taken by an earlier expect,
        waiting for it if it has not come yet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i, frame in enumerate(self.seen):
                if (
                    i not in self._taken
                    and frame.get("type") == kind
                    and all(frame.get(k) == v for k, v in match.items())
                    and (where is None or where(frame))
                ):
                    self._taken.add(i)
                    return frame
            remaining = deadline - loop.time()
            if remaining <= 0 or (self._reader.done() and self.frames.empty()):
                raise AssertionError(f"no {kind} frame {match} within {timeout}s; seen {self.seen[-10:]}")
            try:
                await asyncio.wait_for(self.frames.get(), remaining)
            except TimeoutError:
                continue

    async def quiet(self, kind: str, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Frames of this type that arrive within `seconds` (to prove something does not come)."""
        await asyncio.sleep(seconds)
        return [f for f in self.seen if f.get("type") == kind]

    async def closed_with(self, timeout: float = 10.0) -> int:
        await asyncio.wait_for(self._reader, timeout)
        assert self.closed is not None
        return self.closed.rcvd.code if self.closed.rcvd else -1

    async def close(self) -> None:
        await self.conn.close()
        self._reader.cancel()


async def visitor(
    cast: Cast,
    channel: int,
    *,
    token: str | None = None,
    resume_after: int = 0,
    workspace: str | None = None,
    **hello: Any,
) -> tuple[Socket, dict[str, Any]]:
    conn = await connect(ws_url(cast, f"/ws/widget?workspace={workspace or cast.slug}&channel={channel}"))
    sock = Socket(conn)
    await sock.send(type="hello", visitor=token, resume_after=resume_after, language="en", **hello)
    return sock, await sock.expect("welcome")


async def agent(
    cast: Cast, who: str = "alice", last_event_id: int | None = None
) -> tuple[Socket, dict[str, Any]]:
    sock = Socket(await connect(ws_url(cast, "/ws/agent")))
    await sock.send(type="hello", token=cast.token(who), last_event_id=last_event_id)
    return sock, await sock.expect("welcome")


def cid() -> str:
    return uuid.uuid4().hex


def reply(
    cast: Cast, conversation_id: int, body: str, *, who: str = "alice", private: bool = False
) -> dict[str, Any]:
    api: httpx.Client = cast.api(who)
    r = api.post(f"/api/v1/conversations/{conversation_id}/messages", json={"body": body, "private": private})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out
