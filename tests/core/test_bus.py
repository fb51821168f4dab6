"""The event bus: in-process delivery, and Redis fan-out between processes sharing a prefix.

"Sees nothing" is checked without waiting on a clock: after the message that must not arrive, the
receiver is sent a marker of its own, and Redis delivers to one connection in publish order, so
once the marker is there anything sent before it would be there too."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import AsyncIterator

import pytest

from tests.core.conftest import Pinged, eventually
from wowdesk.core.bus import Bus, MemoryBus, RedisBus
from wowdesk.core.events import Event

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


def ping(n: int, ws: int = 1) -> Pinged:
    return Pinged(workspace_id=ws, occurred_at=NOW, n=n)


class Inbox:
    def __init__(self, bus: Bus, names: set[str] | None = None) -> None:
        self.events: list[Event] = []
        self.signals: list[str] = []
        bus.subscribe(self.on_event, names)
        for topic in ("jobs", "marker"):
            bus.on_signal(topic, lambda topic=topic: self.signals.append(topic))

    async def on_event(self, event: Event) -> None:
        self.events.append(event)

    @property
    def ns(self) -> list[int]:
        return [e.n for e in self.events if isinstance(e, Pinged)]


async def test_memory_bus_delivers_in_order_to_every_subscriber() -> None:
    bus = MemoryBus()
    everything, pings_only, others = Inbox(bus), Inbox(bus, {"test.pinged"}), Inbox(bus, {"ticket.created"})

    async def broken(event: Event) -> None:
        raise RuntimeError("a subscriber that fails")

    bus.subscribe(broken)
    late = Inbox(bus)  # subscribed after the broken one: still served
    await bus.publish([ping(1), ping(2)])
    await bus.publish([ping(3)])
    assert everything.ns == pings_only.ns == late.ns == [1, 2, 3]
    assert others.events == []
    bus.unsubscribe(everything.on_event)
    await bus.publish([ping(4)])
    assert everything.ns == [1, 2, 3] and late.ns == [1, 2, 3, 4]
    await bus.notify("jobs")
    assert everything.signals == ["jobs"] and late.signals == ["jobs"]
    assert await bus.ping()


@pytest.fixture
def redis_only() -> str:
    url = os.environ.get("WOWDESK_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set WOWDESK_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    return url


@pytest.fixture
async def buses(redis_only: str) -> AsyncIterator[tuple[RedisBus, RedisBus, RedisBus]]:
    prefix = f"wdtest{os.getpid()}bus{secrets.token_hex(3)}"
    a, b, c = (
        RedisBus(redis_only, prefix),
        RedisBus(redis_only, prefix),
        RedisBus(redis_only, prefix + "other"),
    )
    started: list[RedisBus] = []
    try:
        for bus in (a, b, c):
            await bus.start()
            started.append(bus)
        yield a, b, c
    finally:
        for bus in started:
            await bus.stop()


async def test_redis_buses_with_one_prefix_share_events_and_signals(
    buses: tuple[RedisBus, RedisBus, RedisBus],
) -> None:
    a, b, c = buses
    in_a, in_b, in_c = Inbox(a), Inbox(b), Inbox(c)
    assert await a.ping() and await b.ping()
    await a.publish([ping(1), ping(2)])
    await b.publish([ping(3)])
    await eventually(lambda: len(in_a.ns) == 3 and len(in_b.ns) == 3, what="events on both buses")
    assert in_a.ns == in_b.ns == [1, 2, 3]  # each process gets its own events too, in publish order
    assert all(e == ping(e.n) for e in in_b.events if isinstance(e, Pinged))  # decoded to the same values
    await b.notify("jobs")
    await eventually(lambda: in_a.signals, what="the signal")
    assert in_a.signals == ["jobs"]

    await c.publish([ping(99)])
    await c.notify("marker")
    await eventually(lambda: in_c.signals == ["marker"], what="the marker on the other prefix")
    await eventually(lambda: 99 in in_c.ns, what="the other prefix's own event")
    assert in_c.ns == [99], "a bus with another prefix saw this prefix's events"
    assert in_c.signals == ["marker"], "a bus with another prefix saw this prefix's signals"
    await a.notify("marker")
    await eventually(lambda: "marker" in in_b.signals, what="the marker")
    assert 99 not in in_a.ns + in_b.ns


async def test_redis_bus_survives_garbage_on_its_channel(
    buses: tuple[RedisBus, RedisBus, RedisBus], redis_only: str
) -> None:
    import redis.asyncio as redis

    a, b, _c = buses
    in_b = Inbox(b)
    raw = redis.from_url(redis_only)
    try:
        channel = a._events
        await raw.publish(channel, "not json")
        await raw.publish(channel, json.dumps({"name": "no.such.event", "data": {}}))
        await raw.publish(channel, json.dumps({"name": "test.pinged", "data": {"n": "not a number"}}))
    finally:
        await raw.aclose()
    await a.publish([ping(7)])
    await eventually(lambda: in_b.ns, what="the event after the garbage")
    assert in_b.ns == [7]


async def test_a_redis_bus_delivers_its_own_events_at_once_and_once(
    buses: tuple[RedisBus, RedisBus, RedisBus],
) -> None:
    """A process sees the effects of its own events before the publishing request answers (no
    round trip through Redis), and the echo Redis sends back is not delivered a second time."""
    a, b, _c = buses
    in_a, in_b = Inbox(a), Inbox(b)
    await a.publish([ping(1)])
    assert in_a.ns == [1]  # already there, without waiting
    await a.notify("jobs")
    assert in_a.signals == ["jobs"]
    await eventually(lambda: in_b.ns == [1], what="the event on the other bus")
    await b.notify("marker")  # Redis delivers in order: once the marker is in, the echo was too
    await eventually(lambda: "marker" in in_a.signals, what="the marker")
    assert in_a.ns == [1]
    assert in_a.signals == ["jobs", "marker"]
