"""A socket's outgoing side (realtime.hub.Connection): frames go out in order, at once while the
client keeps up, queued behind a send the transport held back, and a client that stays behind is
disconnected instead of holding memory or the others up."""

from __future__ import annotations

import asyncio

import pytest

from wowdesk.realtime import hub
from wowdesk.realtime.hub import Connection


class Socket:
    """The sending half of a socket: `send` waits while `writable` is clear, as uvicorn's does
    when the transport's buffer is full."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.fail = False
        self.suspended = 0

    async def send(self, text: str) -> None:
        if not self.writable.is_set():
            self.suspended += 1
        await self.writable.wait()
        if self.fail:
            raise RuntimeError("the client left")
        self.sent.append(text)


def held_back(sock: Socket, *frames: str) -> Connection:
    """A started connection whose client stopped reading before `frames` were pushed."""
    out = Connection(sock.send)
    out.start()
    sock.writable.clear()
    for text in frames:
        out.push(text)
    return out


async def test_frames_are_written_at_once_in_order() -> None:
    sock = Socket()
    out = Connection(sock.send)
    out.start()
    for n in range(5):
        out.push(f"f{n}")
        assert sock.sent[-1] == f"f{n}", "written inside push, not later by a task"
    assert sock.sent == ["f0", "f1", "f2", "f3", "f4"]


async def test_frames_pushed_before_the_socket_is_accepted_wait_for_start() -> None:
    sock = Socket()
    out = Connection(sock.send)
    out.push("early")
    assert sock.sent == []
    out.start()
    out.push("later")
    await out.flush_and_stop()
    assert sock.sent == ["early", "later"]


async def test_a_held_back_send_finishes_first_and_the_rest_queue_behind_it() -> None:
    sock = Socket()
    out = Connection(sock.send)
    out.start()
    out.push("a")
    sock.writable.clear()  # the client stops reading
    out.push("b")  # suspends: the rest of this send moves to a task
    out.push("c")
    out.push("d")
    await asyncio.sleep(0.01)
    assert sock.sent == ["a"]
    assert sock.suspended == 1, "only the first held-back frame waits on the transport"
    sock.writable.set()
    for _ in range(100):
        if len(sock.sent) == 4:
            break
        await asyncio.sleep(0.001)
    assert sock.sent == ["a", "b", "c", "d"]
    out.push("e")  # caught up: written at once again
    assert sock.sent[-1] == "e"


async def test_a_client_that_falls_too_far_behind_is_disconnected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "QUEUE_LIMIT", 3)
    sock = Socket()
    closed = asyncio.Event()

    async def close() -> None:
        closed.set()

    out = Connection(sock.send, on_overflow=close)
    out.start()
    sock.writable.clear()
    out.push("waits")  # held back
    for n in range(3):
        out.push(f"q{n}")
    assert not out.closed
    out.push("one too many")
    assert out.closed
    await asyncio.wait_for(closed.wait(), 1)
    out.push("after")  # ignored
    sock.writable.set()
    await out.flush_and_stop()
    assert sock.sent == ["waits"], "the queue of a dropped client is not written"


async def test_flush_and_stop_writes_what_waits_then_refuses_more() -> None:
    sock = Socket()
    out = held_back(sock, "x", "y")

    async def reader_comes_back() -> None:
        await asyncio.sleep(0.02)
        sock.writable.set()

    waker = asyncio.create_task(reader_comes_back())
    await out.flush_and_stop()
    await waker
    assert sock.sent == ["x", "y"]
    out.push("z")
    assert sock.sent == ["x", "y"]


async def test_a_send_that_fails_closes_the_connection() -> None:
    sock = Socket()
    out = Connection(sock.send)
    out.start()
    sock.fail = True
    out.push("lost")
    assert out.closed
    sock.fail = False
    out.push("never")
    assert sock.sent == []


async def test_a_held_back_send_that_fails_drops_what_queued() -> None:
    sock = Socket()
    out = held_back(sock, "a", "b")
    sock.fail = True
    sock.writable.set()
    await out.flush_and_stop()
    assert out.closed
    assert sock.sent == []
