"""Telling a ticket's requester something the system decided (a problem fixed, a survey): one
seam, so every feature reaches the customer the same way and through the same channel.

The words are always a public reply on the ticket (its record, and what the requester sees
wherever they read the ticket's replies). When the ticket was made from a chat, they are also
sent into that conversation as a message of ``actor`` (not a note), so they reach the customer's
widget live, or when the customer next opens it:

* Conversations are never closed for good: a resolved one stays resolved (this message does not
  reopen it) and the widget still shows it, since a widget shows the customer's latest
  conversation on its channel whatever its status. A customer who answers reopens it as usual.
* If the customer has started a newer conversation on that channel since, the widget no longer
  shows the ticket's one: nothing is sent there (the words would never be seen), and the ticket
  reply alone carries them.

Channels that deliver ticket replies by themselves (e-mail as it lands) hook in here, so callers
never change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.conversations import actions as chat_actions
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import MAX_BODY as MAX_CHAT_BODY
from wowdesk.conversations.schemas import AgentMessageIn
from wowdesk.core.actor import Actor
from wowdesk.tickets import actions
from wowdesk.tickets.models import CommentRow, TicketRow
from wowdesk.tickets.schemas import MAX_BODY, CommentCreate


@dataclass(frozen=True, slots=True)
class Told:
    """How the requester was told: the ticket reply, and the chat message if one was sent."""

    comment: CommentRow
    conversation_id: int | None = None  # the chat the words were sent into, if any
    message_id: int | None = None

    @property
    def via(self) -> str:
        """``chat`` when the words reached the requester's chat as well, else ``ticket``."""
        return "chat" if self.message_id is not None else "ticket"


async def chat_of(session: AsyncSession, ticket: TicketRow) -> chat_queries.ConversationRow | None:
    """The chat that reaches the ticket's requester: the conversation the ticket was made from, if
    its customer's widget still shows it (it is their latest on its channel)."""
    conversation = await chat_queries.conversation_of_ticket(session, ticket.workspace_id, ticket.id)
    if conversation is None:
        return None
    channel = await chat_queries.find_channel(session, ticket.workspace_id, conversation.channel_id)
    if channel is None or not channel.active:
        return None
    latest = await chat_queries.latest_of_visitor(session, channel, conversation.customer_id)
    return conversation if latest is not None and latest.id == conversation.id else None


async def tell_requester(
    session: AsyncSession,
    actor: Actor,
    ticket: TicketRow,
    body: str,
    *,
    client_id: str | None = None,
) -> Told:
    """A public reply on `ticket` (by `actor`, usually the system), cut to the longest reply a
    ticket holds, and the same words in the chat the ticket came from (see the module). The ticket
    must not be closed (closed tickets take no replies). `client_id` makes the chat message
    idempotent (a second call with it sends no second message)."""
    comment = await actions.do_add_comment(
        session, actor, ticket, CommentCreate(body=body[:MAX_BODY], public=True)
    )
    conversation = await chat_of(session, ticket)
    if conversation is None:
        return Told(comment=comment)
    message, _created = await chat_actions.do_send_message(
        session,
        actor,
        conversation,
        AgentMessageIn(body=body[:MAX_CHAT_BODY], private=False, client_id=client_id),
    )
    return Told(comment=comment, conversation_id=conversation.id, message_id=message.id)
