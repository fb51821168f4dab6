"""What the tests of tickets answered by e-mail share: web-chat channels that take offline
messages (closed by their hours now), and the SMTP server of tests/channels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import Cast
from tests.conversations.support import make_channel


def closed_hours(at: dt.datetime) -> dict[str, Any]:
    """Business hours that are closed around `at`: open on Mondays only, and the days around
    `at` are holidays."""
    days = [(at + dt.timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)]
    return {"time_zone": "UTC", "weekly": {"mon": "09:00-17:00"}, "holidays": days}


async def closed_channel(cast: Cast, **settings: Any) -> int:
    """A channel outside its business hours now, taking offline messages (unless told otherwise)."""
    settings.setdefault("offline_messages", True)
    return await make_channel(cast, hours=closed_hours(cast.rt.clock.now()), **settings)
