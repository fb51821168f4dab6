"""Parts that several console pages show: the customer panel (profile, identities on every
channel, past conversations and tickets), the canned responses of the composer, names of people
on a timeline. Each costs a fixed number of queries, whatever the customer's history."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CONVERSATIONS_READ
from wowdesk.conversations import queries as chat
from wowdesk.customers import queries as customers
from wowdesk.inbox import queries as inbox
from wowdesk.inbox.queries import CHANNEL_NAME, CONVERSATION_STATUS
from wowdesk.policies.abuse import queries as abuse_queries
from wowdesk.tickets import queries as tickets
from wowdesk.web.console import Console

HISTORY = 8  # past conversations and tickets shown on the panel


async def customer_panel(session: AsyncSession, c: Console, customer_id: int) -> dict[str, Any]:
    row = await customers.find_customer(session, c.actor.workspace_id, customer_id)
    if row is None:
        return {"customer": None}
    profile = await customers.describe_customer(session, c.actor.workspace_id, row)
    past_tickets = await tickets.recent_tickets(
        session, c.actor, tickets.TicketFilter(requester_id=customer_id), before=None, limit=HISTORY
    )
    past_chats: list[Any] = []
    if c.can(CONVERSATIONS_READ):
        past_chats = await chat.list_conversations(
            session, c.actor, chat.ConversationFilter(customer_id=customer_id), limit=HISTORY
        )
    channels = {ch.id: ch for ch in await chat.list_channels(session, c.actor.workspace_id)}
    abuse = await abuse_queries.get_abuse_score(session, c.actor, customer_id)
    return {
        "customer": profile,
        # Shown only when it says something: most customers score 0 and see (and show) nothing.
        "abuse": abuse if abuse.score > 0 else None,
        "past_tickets": past_tickets,
        "past_chats": [
            {
                "id": cv.id,
                "status": CONVERSATION_STATUS.get(cv.status, cv.status),
                "channel": CHANNEL_NAME.get(channels[cv.channel_id].kind, "chat")
                if cv.channel_id in channels
                else "chat",
                "channel_name": channels[cv.channel_id].name if cv.channel_id in channels else "",
                "at": cv.last_message_at,
            }
            for cv in past_chats
        ],
    }


def _fill(text: str, values: dict[str, str]) -> str:
    """Placeholders of a canned response (``{{ customer.name }}``), replaced as plain text: the
    response is never evaluated as a template."""
    out = text
    for key, value in values.items():
        for form in ("{{ " + key + " }}", "{{" + key + "}}"):
            out = out.replace(form, value)
    return out


async def canned_for(
    session: AsyncSession, c: Console, values: dict[str, str], language: str | None
) -> Markup:
    """The agent's canned responses as JSON for the composer's script, in a ``<script>`` element
    (``<`` escaped, so no text can close it)."""
    rows = await inbox.list_canned(session, c.actor)
    wanted = [r for r in rows if r.language in (None, language, c.language)]
    data = [{"shortcut": r.shortcut, "title": r.title, "body": _fill(r.body, values)} for r in wanted]
    text = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup(text)  # noqa: S704 - JSON with <, > and & escaped


async def people(
    session: AsyncSession, c: Console, refs: set[str], customer_names: dict[int, str]
) -> dict[str, str]:
    """Display names of timeline actors (``agent:3``, ``customer:9``, ``system``)."""
    agent_ids = {int(r.split(":")[1]) for r in refs if r.startswith("agent:") and r.split(":")[1].isdigit()}
    names = await accounts.agent_names(session, c.actor.workspace_id, set(agent_ids))
    out = {f"agent:{k}": v for k, v in names.items()}
    out.update({f"customer:{k}": v for k, v in customer_names.items()})
    return out
