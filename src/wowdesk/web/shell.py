"""What the console's frame shows around every page: the inbox views with their counts (filled in
by the page's script from ``/inbox/counts``), the agent's availability for chats."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.inbox import queries as inbox
from wowdesk.web.console import Console


async def frame(session: AsyncSession, c: Console, **context: Any) -> dict[str, Any]:
    views = await inbox.list_views(session, c.actor, c.language)
    agent = await accounts.find_agent(session, c.actor.workspace_id, c.actor.id or 0)
    return {
        "nav_views": views,
        "agent_availability": agent.availability if agent else "offline",
        "agent": agent,
        **context,
    }
