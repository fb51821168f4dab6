"""Writes of the conversations domain: channels, visitors, messages both ways, status and
assignment, read marks. Nothing here commits; every change records its event."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CHANNELS_MANAGE, CONVERSATIONS_ALL, CONVERSATIONS_WRITE
from wowdesk.commerce import queries as commerce
from wowdesk.conversations import events as ev
from wowdesk.conversations.models import (
    ChannelRow,
    ChatFileRow,
    ConversationRow,
    MessageRow,
    new_conversation,
)
from wowdesk.conversations.queries import message_out
from wowdesk.conversations.repository import HELD, ConversationsRepository
from wowdesk.conversations.schemas import (
    AgentMessageIn,
    ChannelCreate,
    ChannelUpdate,
    ConversationUpdate,
    IdentityIn,
    ProfileIn,
    VisitorMessageIn,
    WebchatSettings,
)
from wowdesk.conversations.states import can_transition
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, Forbidden, InvalidInput
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, translate
from wowdesk.core.security import constant_time_equals, hmac_hex
from wowdesk.core.uow import now
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.schemas import CustomerCreate
from wowdesk.policies.reasons import queries as reasons

# -- channels ---------------------------------------------------------------------------------------------


async def do_create_channel(session: AsyncSession, actor: Actor, data: ChannelCreate) -> ChannelRow:
    actor.require(CHANNELS_MANAGE)
    if (
        data.team_id is not None
        and await accounts.find_team(session, actor.workspace_id, data.team_id) is None
    ):
        raise InvalidInput(N_("The team {id} does not exist."), id=data.team_id)
    t = now(session)
    return await ConversationsRepository(session, actor.workspace_id).insert_channel(
        ChannelRow(
            id=0,
            workspace_id=actor.workspace_id,
            kind=data.kind,
            name=data.name,
            team_id=data.team_id,
            identity_secret=secrets.token_hex(32),
            settings=data.settings.model_dump(mode="json"),
            active=True,
            created_at=t,
            updated_at=t,
        )
    )


async def do_update_channel(
    session: AsyncSession, actor: Actor, channel: ChannelRow, data: ChannelUpdate
) -> ChannelRow:
    actor.require(CHANNELS_MANAGE)
    columns: set[str] = set()
    if "team_id" in data.model_fields_set and data.team_id != channel.team_id:
        if (
            data.team_id is not None
            and await accounts.find_team(session, actor.workspace_id, data.team_id) is None
        ):
            raise InvalidInput(N_("The team {id} does not exist."), id=data.team_id)
        channel.team_id = data.team_id
        columns.add("team_id")
    if data.name is not None:
        channel.name = data.name
        columns.add("name")
    if data.settings is not None:
        channel.settings = data.settings.model_dump(mode="json")
        columns.add("settings")
    if data.active is not None:
        channel.active = data.active
        columns.add("active")
    if columns:
        channel.updated_at = now(session)
        await ConversationsRepository(session, actor.workspace_id).update_channel(
            channel, columns | {"updated_at"}
        )
    return channel


# -- visitors -----------------------------------------------------------------------------------------------


def identity_is_genuine(channel: ChannelRow, identity: IdentityIn) -> bool:
    """Whether the site's server made this identity_hash with the channel's secret."""
    return constant_time_equals(
        hmac_hex(channel.identity_secret, identity.identifier), identity.identity_hash.lower()
    )


async def do_identify_visitor(
    session: AsyncSession,
    channel: ChannelRow,
    *,
    identity: IdentityIn | None,
    profile: ProfileIn | None,
    language: str | None,
) -> int:
    """The customer a new visitor is: the site's user named by a genuine ``identity`` (found or
    created), else a new customer of its own. A pre-chat e-mail is *not* trusted to name an existing
    customer (anyone can type anyone's address): it is kept on the new customer as unverified."""
    system = Actor.system(channel.workspace_id)
    if identity is not None:
        if not identity_is_genuine(channel, identity):
            raise Forbidden(N_("The identity_hash does not match this visitor."))
        customer = await customer_actions.do_find_or_create_identity(
            session,
            system,
            ("webchat", identity.identifier),
            name=identity.name,
            email=identity.email,
            language=language,
        )
        return customer.id
    attributes: dict[str, Any] = {"unverified_email": profile.email} if profile and profile.email else {}
    customer = await customer_actions.do_create_customer(
        session,
        system,
        CustomerCreate.model_construct(
            name=(profile.name if profile else None) or "",
            emails=[],
            phones=[],
            identities=[],
            language=language,
            time_zone=None,
            tags=[],
            custom_attributes=attributes,
        ),
    )
    return customer.id


# -- messages ---------------------------------------------------------------------------------------------


def _conversation_fields(c: ConversationRow) -> dict[str, Any]:
    return {
        "workspace_id": c.workspace_id,
        "conversation_id": c.id,
        "channel_id": c.channel_id,
        "customer_id": c.customer_id,
        "team_id": c.team_id,
        "assignee_id": c.assignee_id,
    }


async def _append(
    session: AsyncSession,
    repo: ConversationsRepository,
    conversation: ConversationRow,
    *,
    direction: str,
    author: Actor,
    body: str,
    private: bool = False,
    kind: str = "text",
    client_id: str | None = None,
    author_name: str = "",
    files: list[ChatFileRow] | None = None,
) -> MessageRow:
    t = now(session)
    message = await repo.insert_message(
        MessageRow(
            id=0,
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            seq=await repo.next_seq(conversation, t, public=not private),
            direction=direction,
            kind=kind,
            private=private,
            author_kind=author.kind,
            author_id=author.id,
            body=body,
            client_id=client_id,
            status="sent",
            error=None,
            created_at=t,
        )
    )
    for f in files or []:
        await repo.attach_file(f, message.id)
    record_event(
        session,
        ev.MessageCreated(
            occurred_at=t,
            actor=author.ref,
            message=message_out(message, author_name, files).model_dump(mode="json"),
            private=private,
            **_conversation_fields(conversation),
        ),
    )
    return message


async def do_receive_message(
    session: AsyncSession,
    channel: ChannelRow,
    customer_id: int,
    data: VisitorMessageIn,
    *,
    language: str | None,
) -> tuple[ConversationRow, MessageRow, bool]:
    """A customer's message on a channel: into their conversation there (a new one, or the latest
    one, reopened if it was resolved). Sent again with the same client_id it is the same message
    (``created`` is False)."""
    repo = ConversationsRepository(session, channel.workspace_id)
    customer = Actor(kind="customer", workspace_id=channel.workspace_id, id=customer_id)
    t = now(session)
    conversation = await repo.latest_of_customer(customer_id, channel.id)
    if conversation is not None:
        # Locked first (PostgreSQL): a retry racing its original waits here, then finds it.
        conversation = await repo.locked(conversation)
        existing = await repo.message_by_client_id(conversation.id, data.client_id)
        if existing is not None:
            return conversation, existing, False
    files = await _files_to_attach(repo, customer, data.attachment_ids)  # refused before any write
    if conversation is None:
        conversation = await repo.insert_conversation(
            new_conversation(
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                customer_id=customer_id,
                status="open",
                team_id=channel.team_id,
                language=language,
                at=t,
            )
        )
        record_event(
            session,
            ev.ConversationCreated(
                occurred_at=t, actor=customer.ref, status="open", **_conversation_fields(conversation)
            ),
        )
        await _auto_assign(session, repo, conversation)
    elif conversation.status != "open":
        await _set_status(session, repo, customer, conversation, "open")
        await _route_reopened(session, repo, conversation)
    message = await _append(
        session,
        repo,
        conversation,
        direction="incoming",
        author=customer,
        body=data.body,
        client_id=data.client_id,
        kind="attachment" if files else "text",
        files=files,
    )
    return conversation, message, True


async def do_send_message(
    session: AsyncSession,
    actor: Actor,
    conversation: ConversationRow,
    data: AgentMessageIn,
    *,
    attachment_ids: Sequence[int] = (),
) -> tuple[MessageRow, bool]:
    """An agent's reply (or, ``private``, an internal note the customer never sees), with the files
    the agent uploaded for it (``do_register_chat_file`` with the agent as uploader)."""
    actor.require(CONVERSATIONS_WRITE)
    repo = ConversationsRepository(session, actor.workspace_id)
    locked = await repo.locked(conversation)
    if data.client_id is not None:
        existing = await repo.message_by_client_id(conversation.id, data.client_id)
        if existing is not None:
            return existing, False
    files = await _files_to_attach(repo, actor, list(attachment_ids))
    message = await _append(
        session,
        repo,
        locked,
        direction="outgoing",
        author=actor,
        body=data.body,
        private=data.private,
        client_id=data.client_id,
        author_name=actor.name,
        kind="attachment" if files else "text",
        files=files,
    )
    return message, True


# -- status, assignment, read marks -----------------------------------------------------------------------


async def _set_status(
    session: AsyncSession, repo: ConversationsRepository, actor: Actor, c: ConversationRow, status: str
) -> None:
    old = c.status
    c.status = status
    c.resolved_at = now(session) if status == "resolved" else None
    c.updated_at = now(session)
    await repo.update_conversation(c, {"status", "resolved_at", "updated_at"})
    record_event(
        session,
        ev.ConversationUpdated(
            occurred_at=c.updated_at,
            actor=actor.ref,
            status=status,
            changes={"status": [old, status]},
            **_conversation_fields(c),
        ),
    )


async def do_update_conversation(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, data: ConversationUpdate
) -> ConversationRow:
    actor.require(CONVERSATIONS_WRITE)
    repo = ConversationsRepository(session, actor.workspace_id)
    c = await repo.locked(conversation)
    fields = data.model_fields_set
    changes: dict[str, list[Any]] = {}
    if "status" in fields and data.status is not None and data.status != c.status:
        if not can_transition(c.status, data.status):
            raise Conflict(N_("A conversation cannot go from {old} to {new}."), old=c.status, new=data.status)
        changes["status"] = [c.status, data.status]
        c.status = data.status
        c.resolved_at = now(session) if data.status == "resolved" else None
    if "priority" in fields and data.priority is not None and data.priority != c.priority:
        changes["priority"] = [c.priority, data.priority]
        c.priority = data.priority
    if {"assignee_id", "team_id"} & fields:
        team = data.team_id if "team_id" in fields else c.team_id
        assignee = data.assignee_id if "assignee_id" in fields else c.assignee_id
        if (
            team is not None
            and team != c.team_id
            and await accounts.find_team(session, actor.workspace_id, team) is None
        ):
            raise InvalidInput(N_("The team {id} does not exist."), id=team)
        if assignee is not None and assignee != c.assignee_id:
            agent = await accounts.find_agent(session, actor.workspace_id, assignee)
            if agent is None or not agent.active:
                raise InvalidInput(N_("The assignee {id} is not an active agent."), id=assignee)
        for name, value in (("team_id", team), ("assignee_id", assignee)):
            if value != getattr(c, name):
                changes[name] = [getattr(c, name), value]
                setattr(c, name, value)
    if "contact_reason" in fields and data.contact_reason != c.contact_reason:
        if data.contact_reason is not None:
            await reasons.check_reason(session, actor.workspace_id, data.contact_reason)
        changes["contact_reason"] = [c.contact_reason, data.contact_reason]
        c.contact_reason = data.contact_reason
    if "order_id" in fields and data.order_id != c.order_id:
        if data.order_id is not None and not await commerce.order_exists(
            session, actor.workspace_id, data.order_id
        ):
            raise InvalidInput(N_("There is no order {id} in this workspace."), id=data.order_id)
        changes["order_id"] = [c.order_id, data.order_id]
        c.order_id = data.order_id
    if not changes:
        return c
    c.updated_at = now(session)
    columns = {k for k in changes if k != "status"} | {"updated_at"}
    if "status" in changes:
        columns |= {"status", "resolved_at"}
    await repo.update_conversation(c, columns)
    record_event(
        session,
        ev.ConversationUpdated(
            occurred_at=c.updated_at,
            actor=actor.ref,
            status=c.status,
            changes=changes,
            **_conversation_fields(c),
        ),
    )
    # A chat handed on, resolved or snoozed frees its agent for the next waiting one.
    freed = changes["assignee_id"][0] if "assignee_id" in changes else None
    if "status" in changes and c.status not in HELD and c.assignee_id is not None:
        freed = c.assignee_id
    if freed is not None:
        await do_assign_waiting(session, actor.workspace_id, freed)
    return c


async def do_mark_customer_progress(
    session: AsyncSession, conversation: ConversationRow, *, received: int = 0, read: int = 0
) -> bool:
    """The customer's widget got (``received``) or showed (``read``) messages up to these numbers.
    Marks only move forward and never past the last message; False when nothing moved."""
    repo = ConversationsRepository(session, conversation.workspace_id)
    c = conversation
    received = min(max(received, read, c.customer_received_seq), c.last_seq)
    read = min(max(read, c.customer_read_seq), c.last_seq)
    if received == c.customer_received_seq and read == c.customer_read_seq:
        return False
    c.customer_received_seq, c.customer_read_seq = received, read
    await repo.update_conversation(c, {"customer_received_seq", "customer_read_seq"})
    record_event(
        session,
        ev.MessageStatus(
            occurred_at=now(session),
            actor=f"customer:{c.customer_id}",
            by="customer",
            received_seq=received,
            read_seq=read,
            **_conversation_fields(c),
        ),
    )
    return True


async def do_mark_agent_read(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, seq: int
) -> bool:
    """An agent has seen the conversation up to `seq` (the customer's widget shows "Read")."""
    actor.require(CONVERSATIONS_WRITE)
    c = conversation
    seq = min(seq, c.last_seq)
    if seq <= c.agent_read_seq:
        return False
    c.agent_read_seq = seq
    await ConversationsRepository(session, actor.workspace_id).update_conversation(c, {"agent_read_seq"})
    record_event(
        session,
        ev.MessageStatus(
            occurred_at=now(session),
            actor=actor.ref,
            by="agent",
            received_seq=seq,
            read_seq=seq,
            **_conversation_fields(c),
        ),
    )
    return True


async def do_link_ticket(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, ticket_id: int
) -> None:
    """Remember the ticket made from (or for) this conversation, with a line in the conversation."""
    if conversation.ticket_id == ticket_id:
        return
    repo = ConversationsRepository(session, actor.workspace_id)
    old = conversation.ticket_id
    conversation.ticket_id = ticket_id
    conversation.updated_at = now(session)
    await repo.update_conversation(conversation, {"ticket_id", "updated_at"})
    await _append(
        session,
        repo,
        conversation,
        direction="outgoing",
        author=actor,
        body=f"ticket:{ticket_id}",
        private=True,
        kind="activity",
        author_name=actor.name,
    )
    record_event(
        session,
        ev.ConversationUpdated(
            occurred_at=conversation.updated_at,
            actor=actor.ref,
            status=conversation.status,
            changes={"ticket_id": [old, ticket_id]},
            **_conversation_fields(conversation),
        ),
    )


async def do_create_default_channel(
    session: AsyncSession, workspace_id: int, *, team_id: int | None = None
) -> ChannelRow:
    """The web-chat channel a new workspace starts with, so its widget works at once."""
    greeting = N_("Hi! How can we help you today?")
    return await do_create_channel(
        session,
        Actor.system(workspace_id),
        ChannelCreate(
            name=translate(N_("Website chat"), "en"),
            team_id=team_id,
            settings=WebchatSettings(
                greeting={lang: translate(greeting, lang) for lang in ("en", "zh-Hant", "zh-Hans")},
                pre_chat=["name", "email"],
            ),
        ),
    )


# -- routing: round robin among the agents who take chats ---------------------------------------------------


async def _auto_assign(session: AsyncSession, repo: ConversationsRepository, c: ConversationRow) -> bool:
    """Give a new conversation to the online agent of its team (or of any team, when it has none)
    who has waited longest since their last chat and holds fewer than their capacity. Nobody free:
    it waits, unassigned, in the team's queue (``GET /api/v1/conversations?assignee=none``)."""
    candidates = await accounts.assignable_agents(session, c.workspace_id, c.team_id, now(session))
    if not candidates:
        return False
    load = await repo.load([a.id for a in candidates])
    free = [a for a in candidates if load.get(a.id, 0) < a.chat_capacity]
    if not free:
        return False
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    agent = min(free, key=lambda a: (a.last_assigned_at or epoch, a.id))
    await _give(session, repo, c, agent.id)
    return True


async def _route_reopened(session: AsyncSession, repo: ConversationsRepository, c: ConversationRow) -> None:
    """A customer writing again reopens the chat: it stays with its agent if they take chats now,
    else it goes to someone who does, or back to the queue — never to someone who is away."""
    candidates = await accounts.assignable_agents(session, c.workspace_id, c.team_id, now(session))
    if c.assignee_id is not None and c.assignee_id in {a.id for a in candidates}:
        return
    if not await _auto_assign(session, repo, c) and c.assignee_id is not None:
        await _give(session, repo, c, None)


async def _give(
    session: AsyncSession, repo: ConversationsRepository, c: ConversationRow, agent_id: int | None
) -> None:
    system = Actor.system(c.workspace_id)
    old = c.assignee_id
    c.assignee_id = agent_id
    c.updated_at = now(session)
    await repo.update_conversation(c, {"assignee_id", "updated_at"})
    if agent_id is not None:
        await account_actions.do_note_assignment(session, c.workspace_id, agent_id)
    record_event(
        session,
        ev.ConversationUpdated(
            occurred_at=c.updated_at,
            actor=system.ref,
            status=c.status,
            changes={"assignee_id": [old, agent_id]},
            **_conversation_fields(c),
        ),
    )


async def do_assign_waiting(session: AsyncSession, workspace_id: int, agent_id: int) -> int:
    """An agent just became free (online, or a chat of theirs ended): give them the oldest waiting
    conversations they may take, up to their capacity. Returns how many they got."""
    repo = ConversationsRepository(session, workspace_id)
    found = [
        a
        for a in await accounts.assignable_agents(session, workspace_id, None, now(session))
        if a.id == agent_id
    ]
    if not found:
        return 0
    agent = found[0]
    room = agent.chat_capacity - (await repo.load([agent_id])).get(agent_id, 0)
    if room <= 0:
        return 0
    actor = accounts.actor_for(agent, "routing")
    teams = (
        None if actor.can(CONVERSATIONS_ALL) else sorted(await accounts.teams_of(session, actor, agent_id))
    )
    given = 0
    for c in await repo.waiting(teams, room):
        locked = await repo.conversation(c.id, for_update=True)
        if locked is not None and locked.assignee_id is None and locked.status == "open":
            await _give(session, repo, locked, agent_id)
            given += 1
    return given


async def available_agents(session: AsyncSession, channel: ChannelRow) -> bool:
    """Whether someone takes chats on this channel right now (what the widget tells the customer)."""
    found = await accounts.assignable_agents(
        session, channel.workspace_id, channel.team_id, now(session), lock=False
    )
    return bool(found)


# -- files ---------------------------------------------------------------------------------------------------


async def _files_to_attach(repo: ConversationsRepository, author: Actor, ids: list[int]) -> list[ChatFileRow]:
    """The uploads a message names: each must exist, be the author's own and not sent yet."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    by_id = {f.id: f for f in await repo.files(ids)}
    for file_id in ids:
        f = by_id.get(file_id)
        if f is None or f.uploaded_by != author.ref:
            raise InvalidInput(N_("The attachment {id} does not exist."), id=file_id)
        if f.message_id is not None:
            raise Conflict(N_("The attachment {id} is attached already."), id=file_id)
    return [by_id[i] for i in ids]


async def do_register_chat_file(
    session: AsyncSession,
    workspace_id: int,
    uploader: str,
    *,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    storage_key: str,
) -> ChatFileRow:
    """Record a file uploaded for a chat; a message then names it (unsent ones are purged in a day)."""
    return await ConversationsRepository(session, workspace_id).insert_file(
        ChatFileRow(
            id=0,
            workspace_id=workspace_id,
            message_id=None,
            uploaded_by=uploader,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            storage_key=storage_key,
            access_key=secrets.token_urlsafe(24),
            created_at=now(session),
        )
    )
