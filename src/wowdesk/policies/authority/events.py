"""Events of authority limits."""

from __future__ import annotations

from typing import Any

from wowdesk.core.events import Event


class AuthorityLimitsChanged(Event):
    name = "authority_limits.changed"
    subject: str  # role:<role> | agent:<id>
    limits: dict[str, Any]  # kind → {per_grant_minor, per_day_minor, currency} | None (removed)
