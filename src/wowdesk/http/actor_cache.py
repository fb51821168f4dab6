"""Recently checked credentials, so a request does not load its agent again.

A bearer token or API key resolved against the database is remembered with the workspace's
*auth epoch* at that moment (a counter every agent change and key revocation bumps, see
``accounts.repository.AUTH_EPOCH``). Using a remembered credential costs one small read of that
counter instead of loading the agent or key: if the epoch moved, the entry is dropped and the
credential is checked again. This holds across processes and whoever made the change (API, CLI,
a job), with no message to lose. The time-to-live only bounds memory and token expiry checks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from wowdesk.core.actor import Actor


@dataclass(frozen=True)
class Remembered:
    actor: Actor
    epoch: int
    expires: float
    valid_until: dt.datetime | None = None  # a token's own expiry: past it, the token is checked again


class ActorCache:
    def __init__(
        self, ttl: float = 300.0, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, Remembered] = {}

    def get(self, credential: str) -> Remembered | None:
        entry = self._entries.get(credential)
        if entry is not None and entry.expires <= self._clock():
            del self._entries[credential]
            return None
        return entry

    def put(self, credential: str, actor: Actor, epoch: int, valid_until: dt.datetime | None = None) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[credential] = Remembered(actor, epoch, self._clock() + self.ttl, valid_until)

    def forget(self, credential: str) -> None:
        self._entries.pop(credential, None)
