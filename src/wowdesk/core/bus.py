"""Event bus: in-process by default, Redis pub/sub when ``WOWDESK_REDIS_URL`` is set.

Subscribers are coroutines receiving events published after commit, in publish order. With Redis
every process receives every event: its own at once, in-process, and the others' through Redis
pub/sub, so fan-out works across processes. The bus
is at-most-once: work that must not be lost goes through the job outbox, not through an event.
Besides events, the bus carries short wake-up signals (``notify``) such as "new jobs are due".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from wowdesk.core.events import Event, event_from_envelope

log = logging.getLogger("wowdesk.bus")

Handler = Callable[[Event], Awaitable[None]]
SignalHandler = Callable[[], None]


class Bus(Protocol):
    def subscribe(self, handler: Handler, names: set[str] | None = None) -> None: ...
    def unsubscribe(self, handler: Handler) -> None: ...
    def on_signal(self, topic: str, callback: SignalHandler) -> None: ...
    async def publish(self, events: Sequence[Event]) -> None: ...
    async def notify(self, topic: str) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> bool: ...


class _Dispatch:
    def __init__(self) -> None:
        self._handlers: list[tuple[Handler, set[str] | None]] = []
        self._signals: dict[str, list[SignalHandler]] = {}

    def subscribe(self, handler: Handler, names: set[str] | None = None) -> None:
        self._handlers.append((handler, names))

    def unsubscribe(self, handler: Handler) -> None:
        # ==, not `is`: a bound method is a new object each time it is looked up.
        self._handlers = [(h, n) for h, n in self._handlers if h != handler]

    def on_signal(self, topic: str, callback: SignalHandler) -> None:
        self._signals.setdefault(topic, []).append(callback)

    async def _deliver(self, event: Event) -> None:
        for handler, names in self._handlers:
            if names is None or event.name in names:
                try:
                    await handler(event)
                except Exception:
                    log.exception("event handler %r failed on %s", handler, event.name)

    def _signal(self, topic: str) -> None:
        for cb in self._signals.get(topic, []):
            try:
                cb()
            except Exception:
                log.exception("signal handler failed on %s", topic)


class MemoryBus(_Dispatch):
    async def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            await self._deliver(event)

    async def notify(self, topic: str) -> None:
        self._signal(topic)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return True


class RedisBus(_Dispatch):
    def __init__(self, url: str, prefix: str = "wowdesk") -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, decode_responses=True)
        self._events = f"{prefix}:events"
        self._signals_prefix = f"{prefix}:signal:"
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # This process's own messages are delivered to its subscribers at once (so a request sees
        # the effects of its own events, e.g. a revoked token, before its answer goes out) and
        # skipped when Redis echoes them back.
        self._origin = uuid.uuid4().hex

    async def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        for event in events:
            await self._deliver(event)
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                envelope = {**event.envelope(), "origin": self._origin}
                pipe.publish(self._events, json.dumps(envelope, ensure_ascii=False))
            await pipe.execute()

    async def notify(self, topic: str) -> None:
        self._signal(topic)
        await self._redis.publish(self._signals_prefix + topic, self._origin)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="wowdesk-redis-bus")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=10)
        except TimeoutError:
            await self.stop()
            raise ConnectionError("Redis did not accept the event-bus subscription within 10 s") from None

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self._redis.pubsub() as pubsub:  # closed on the way out, also on errors
                    await pubsub.subscribe(self._events)
                    await pubsub.psubscribe(self._signals_prefix + "*")
                    self._ready.set()
                    backoff = 0.5
                    async for message in pubsub.listen():
                        await self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus connection lost; reconnecting in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "message" and message.get("channel") == self._events:
            try:
                envelope = json.loads(message["data"])
                if envelope.get("origin") == self._origin:
                    return
                event = event_from_envelope(envelope)
            except Exception:
                log.exception("undecodable event on the bus")
                return
            if event is not None:
                await self._deliver(event)
        elif kind == "pmessage" and message.get("data") != self._origin:
            self._signal(str(message["channel"])[len(self._signals_prefix) :])

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False


def make_bus(redis_url: str | None, prefix: str = "wowdesk") -> Bus:
    return RedisBus(redis_url, prefix) if redis_url else MemoryBus()
