"""Fixed-window counters for rate limits (login failures, API floods).

In-process by default; in Redis when configured, so every process of a scaled-out install counts
against the same window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Protocol


class RateLimiter(Protocol):
    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one event under `key`; return the count in the current window."""

    async def count(self, key: str, window_seconds: int) -> int: ...
    async def reset(self, key: str, window_seconds: int) -> None: ...
    def retry_after(self, window_seconds: int) -> int: ...


def _window(window_seconds: int, now: float) -> int:
    return int(now // window_seconds)


class MemoryRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window_seconds: int) -> int:
        w = _window(window_seconds, self._clock())
        win, n = self._counts.get(key, (w, 0))
        n = n + 1 if win == w else 1
        self._counts[key] = (w, n)
        if len(self._counts) > 100_000:  # bound memory under a flood of distinct keys
            self._counts = {k: v for k, v in self._counts.items() if v[0] == w}
        return n

    async def count(self, key: str, window_seconds: int) -> int:
        win, n = self._counts.get(key, (-1, 0))
        return n if win == _window(window_seconds, self._clock()) else 0

    async def reset(self, key: str, window_seconds: int) -> None:
        self._counts.pop(key, None)

    def retry_after(self, window_seconds: int) -> int:
        now = self._clock()
        return max(1, math.ceil((_window(window_seconds, now) + 1) * window_seconds - now))


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str = "wowdesk") -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def _key(self, key: str, window_seconds: int) -> str:
        return f"{self._prefix}:rl:{key}:{_window(window_seconds, time.time())}"

    async def hit(self, key: str, window_seconds: int) -> int:
        k = self._key(key, window_seconds)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(k)
            pipe.expire(k, window_seconds + 1)
            results = await pipe.execute()
        return int(results[0])

    async def count(self, key: str, window_seconds: int) -> int:
        return int(await self._redis.get(self._key(key, window_seconds)) or 0)

    async def reset(self, key: str, window_seconds: int) -> None:
        await self._redis.delete(self._key(key, window_seconds))

    def retry_after(self, window_seconds: int) -> int:
        now = time.time()
        return max(1, math.ceil((_window(window_seconds, now) + 1) * window_seconds - now))

    async def close(self) -> None:
        await self._redis.aclose()


def make_rate_limiter(redis_url: str | None, prefix: str = "wowdesk") -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()
