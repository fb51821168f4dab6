"""Reads of the conversations domain, and who may see a conversation."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.business_time import Calendar
from wowdesk.accounts.permissions import CONVERSATIONS_ALL, CONVERSATIONS_READ
from wowdesk.commerce import queries as commerce
from wowdesk.conversations import repository as _repository
from wowdesk.conversations.models import ChannelRow, ChatFileRow, ConversationRow, MessageRow
from wowdesk.conversations.repository import ConversationFilter, ConversationsRepository, chat_file
from wowdesk.conversations.schemas import (
    Author,
    ChannelOut,
    ConversationOut,
    CustomerSummary,
    MessageOut,
    WebchatSettings,
)
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_
from wowdesk.core.security import constant_time_equals
from wowdesk.customers import queries as customers

__all__ = ["ChannelRow", "ConversationFilter", "ConversationRow", "MessageRow"]  # the types callers hold

# -- who may see what ---------------------------------------------------------------------------------


def may_see(actor: Actor, team_ids: frozenset[int], team_id: int | None, assignee_id: int | None) -> bool:
    """Admins and supervisors see every conversation; an agent sees those assigned to them and the
    unassigned ones of their teams (or of no team). `team_ids`: the agent's teams."""
    if actor.kind == "system" or actor.can(CONVERSATIONS_ALL):
        return True
    if not actor.can(CONVERSATIONS_READ):
        return False
    if assignee_id is not None:
        return assignee_id == actor.id
    return team_id is None or team_id in team_ids


async def teams_of(session: AsyncSession, actor: Actor) -> frozenset[int]:
    if actor.kind != "agent" or actor.id is None:
        return frozenset()
    return frozenset(await accounts.teams_of(session, actor, actor.id))


# -- channels -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _hours_calendar(hours: str) -> Calendar:
    h = json.loads(hours)
    return accounts.business_calendar(h["time_zone"], h["weekly"], list(h.get("holidays") or []))


def channel_calendar(channel: ChannelRow) -> Calendar | None:
    """The channel's business hours as a calendar (None: always open), built once per set of hours:
    the widget's hello and every message left while nobody takes chats read it (no query)."""
    hours = (channel.settings or {}).get("hours")
    return _hours_calendar(json.dumps(hours, sort_keys=True)) if hours else None


async def find_channel(session: AsyncSession, workspace_id: int, channel_id: int) -> ChannelRow | None:
    return await ConversationsRepository(session, workspace_id).channel(channel_id)


async def get_channel(session: AsyncSession, actor: Actor, channel_id: int) -> ChannelRow:
    channel = await find_channel(session, actor.workspace_id, channel_id)
    if channel is None:
        raise NotFound(N_("Channel not found."))
    return channel


async def list_channels(session: AsyncSession, workspace_id: int) -> list[ChannelRow]:
    return await ConversationsRepository(session, workspace_id).channels()


def channel_out(channel: ChannelRow, *, base_url: str, workspace_slug: str) -> ChannelOut:
    src = f"{base_url.rstrip('/')}/widget.js?workspace={workspace_slug}&channel={channel.id}"
    return ChannelOut(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        team_id=channel.team_id,
        settings=WebchatSettings.model_validate(channel.settings or {}),
        active=channel.active,
        identity_secret=channel.identity_secret,
        embed_snippet=f'<script src="{src}" async></script>',
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )


# -- conversations and messages -----------------------------------------------------------------------------


async def find_conversation(
    session: AsyncSession, workspace_id: int, conversation_id: int, *, for_update: bool = False
) -> ConversationRow | None:
    return await ConversationsRepository(session, workspace_id).conversation(
        conversation_id, for_update=for_update
    )


async def get_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int, *, for_update: bool = False
) -> ConversationRow:
    """The conversation if the actor may see it; 404 otherwise (not 403: its existence is private)."""
    actor.require(CONVERSATIONS_READ)
    c = await find_conversation(session, actor.workspace_id, conversation_id, for_update=for_update)
    if c is None or not may_see(actor, await teams_of(session, actor), c.team_id, c.assignee_id):
        raise NotFound(N_("Conversation not found."))
    return c


async def latest_of_visitor(
    session: AsyncSession, channel: ChannelRow, customer_id: int
) -> ConversationRow | None:
    return await ConversationsRepository(session, channel.workspace_id).latest_of_customer(
        customer_id, channel.id
    )


async def conversation_of_ticket(
    session: AsyncSession, workspace_id: int, ticket_id: int
) -> ConversationRow | None:
    """The latest conversation linked to this ticket (the chat it was made from), or None."""
    return await ConversationsRepository(session, workspace_id).latest_of_ticket(ticket_id)


async def list_conversations(
    session: AsyncSession,
    actor: Actor,
    f: ConversationFilter,
    *,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = 25,
) -> list[ConversationRow]:
    actor.require(CONVERSATIONS_READ)
    return await ConversationsRepository(session, actor.workspace_id).conversations(
        await _visible(session, actor, f), after=after, limit=limit
    )


async def count_conversations(
    session: AsyncSession, actor: Actor, f: ConversationFilter, *, up_to: int
) -> int:
    """How many conversations the actor may see match, counting no further than `up_to`."""
    actor.require(CONVERSATIONS_READ)
    return await ConversationsRepository(session, actor.workspace_id).count(
        await _visible(session, actor, f), up_to=up_to
    )


async def _visible(session: AsyncSession, actor: Actor, f: ConversationFilter) -> ConversationFilter:
    """The filter, narrowed to what the actor may see."""
    if actor.can(CONVERSATIONS_ALL):
        return f
    teams = tuple(sorted(await teams_of(session, actor)))
    return ConversationFilter(**{**f.__dict__, "visible_to": actor.id, "visible_teams": teams})


async def chats_held(session: AsyncSession, workspace_id: int, agent_ids: list[int]) -> dict[int, int]:
    """How many chats each of these agents holds (open or pending, assigned to them)."""
    return await ConversationsRepository(session, workspace_id).load(agent_ids)


async def waiting_queue(session: AsyncSession, actor: Actor, *, limit: int = 50) -> list[ConversationRow]:
    """Open conversations nobody holds, oldest first (the actor's teams', or all for supervisors)."""
    actor.require(CONVERSATIONS_READ)
    teams = None if actor.can(CONVERSATIONS_ALL) else sorted(await teams_of(session, actor))
    return await ConversationsRepository(session, actor.workspace_id).waiting(teams, limit)


async def describe_conversations(
    session: AsyncSession, workspace_id: int, rows: list[ConversationRow]
) -> list[ConversationOut]:
    people = await customers.customer_names(session, workspace_id, [c.customer_id for c in rows])
    out = []
    for c in rows:
        name, email = people.get(c.customer_id, ("", None))
        out.append(
            ConversationOut(
                id=c.id,
                channel_id=c.channel_id,
                customer=CustomerSummary(id=c.customer_id, name=name, email=email),
                status=c.status,
                priority=c.priority,
                assignee_id=c.assignee_id,
                team_id=c.team_id,
                language=c.language,
                last_seq=c.last_seq,
                customer_received_seq=c.customer_received_seq,
                customer_read_seq=c.customer_read_seq,
                agent_read_seq=c.agent_read_seq,
                ticket_id=c.ticket_id,
                last_message_at=c.last_message_at,
                resolved_at=c.resolved_at,
                created_at=c.created_at,
                updated_at=c.updated_at,
                contact_reason=c.contact_reason,
                order_id=c.order_id,
            )
        )
    return out


FILES_PATH = "/api/v1/chat-files"


def file_out(f: ChatFileRow) -> dict[str, object]:
    return {
        "id": f.id,
        "filename": f.filename,
        "content_type": f.content_type,
        "size": f.size,
        "url": f"{FILES_PATH}/{f.id}/{f.access_key}",
    }


def message_out(m: MessageRow, author_name: str = "", files: list[ChatFileRow] | None = None) -> MessageOut:
    return MessageOut(
        attachments=[file_out(f) for f in files or []],
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        direction=m.direction,
        kind=m.kind,
        private=m.private,
        body=m.body,
        author=Author(
            kind=m.author_kind, id=m.author_id if m.author_kind != "customer" else None, name=author_name
        ),
        client_id=m.client_id,
        status=m.status,
        created_at=m.created_at,
    )


async def messages(
    session: AsyncSession,
    workspace_id: int,
    conversation: ConversationRow,
    *,
    after_seq: int = 0,
    limit: int = 100,
    public_only: bool,
) -> list[MessageOut]:
    """Messages after `after_seq` in order; `public_only` leaves internal notes out (for the customer)."""
    repo = ConversationsRepository(session, workspace_id)
    rows = await repo.messages(conversation.id, after_seq=after_seq, limit=limit, public_only=public_only)
    names = await _agent_names(session, workspace_id, {m.author_id for m in rows if m.author_kind == "agent"})
    sellers = await _seller_names(
        session, workspace_id, {m.author_id for m in rows if m.author_kind == "seller"}
    )
    files = await repo.files_of_messages([m.id for m in rows if m.kind == "attachment"])
    return [
        message_out(
            m, (sellers if m.author_kind == "seller" else names).get(m.author_id or 0, ""), files.get(m.id)
        )
        for m in rows
    ]


async def _seller_names(session: AsyncSession, workspace_id: int, ids: set[int | None]) -> dict[int, str]:
    """Names of the marketplace sellers who wrote in a buyer-seller thread (conversations.sellers)."""
    return await commerce.seller_names(session, workspace_id, ids)


async def transcript(
    session: AsyncSession, workspace_id: int, conversation: ConversationRow
) -> list[MessageOut]:
    rows = await ConversationsRepository(session, workspace_id).transcript(conversation.id)
    names = await _agent_names(session, workspace_id, {m.author_id for m in rows if m.author_kind == "agent"})
    return [message_out(m, names.get(m.author_id or 0, "")) for m in rows]


async def _agent_names(session: AsyncSession, workspace_id: int, ids: set[int | None]) -> dict[int, str]:
    return await accounts.agent_names(session, workspace_id, ids)


async def last_messages(
    session: AsyncSession, workspace_id: int, conversation_ids: list[int]
) -> dict[int, MessageRow]:
    """The latest message of each of these conversations (notes and activity included), in one query."""
    return await ConversationsRepository(session, workspace_id).last_messages(conversation_ids)


async def find_chat_file(session: AsyncSession, file_id: int, access_key: str) -> ChatFileRow | None:
    """A file of a chat by its address: the id and the unguessable key (compared in constant time)."""
    f = await chat_file(session, file_id)
    if f is None or f.message_id is None or not constant_time_equals(f.access_key, access_key):
        return None
    return f


async def contacts_between(
    session: AsyncSession, workspace_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[int | None, str | None]]:
    """The order and contact reason of every chat begun in [since, until) that did not become a
    ticket (that one counts as its ticket): contacts per order."""
    return await _repository.contacts_between(session, workspace_id, since, until)
