"""Helpers for the core tests: bounded polling, and a test-only event type."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from wowdesk.core.events import Event

T = TypeVar("T")


class Pinged(Event):
    """A test-only event (decodable from the bus like every registered event)."""

    name = "test.pinged"
    n: int


async def eventually(check: Callable[[], T], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
