"""Writes of tickets answered by e-mail.

``do_receive_visitor_message`` is the one call the widget's socket and its REST twin make for a
customer's message. While the channel takes chats it is ``conversations.do_receive_message`` and
nothing more (no extra query: the hours are computed, and whether agents are online is what the
socket learnt at hello, or what the message's own assignment shows). While nobody takes them — the
channel is closed by its business hours, or no agent is online — the message is *left*, in the
same unit of work:

* the customer must have an e-mail address: on record, or given with the message (kept as the
  address they typed, never trusted to name another customer); without one the message is refused
  (``EmailRequired``) and nothing is written;
* the conversation becomes a ticket tagged ``offline-message`` whose public replies go by e-mail
  (``replies_by`` "email"), its requester the customer, and the customer is told in the chat, in
  their language, which request it is and where the answer will go;
* a later message while still offline is the customer's public reply on that ticket, unless it
  is closed: then it is a new ticket.

A channel whose settings say ``offline_messages: false`` keeps the chat waiting for the first agent
who comes online instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.channels.email import Sent
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.queries import ChannelRow, ConversationRow, MessageRow
from wowdesk.conversations.schemas import AgentMessageIn, VisitorMessageIn
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, normalize_language
from wowdesk.core.uow import now
from wowdesk.customers import actions as customer_actions
from wowdesk.customers.queries import CustomerRow
from wowdesk.customers.schemas import CustomerUpdate
from wowdesk.tickets import actions as tickets
from wowdesk.tickets.email import messages
from wowdesk.tickets.email.events import TicketEmailFailed, TicketEmailSent
from wowdesk.tickets.email.queries import (
    REPLIES_BY_EMAIL,
    UNVERIFIED_EMAIL,
    address_of,
    surviving_customer,
)
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.schemas import CommentCreate

OFFLINE_TAG = "offline-message"
VIA = "offline-message"
NO_ADDRESS = "no_address"


class EmailRequired(InvalidInput):
    """An offline message from a customer without an e-mail address (the widget asks for one)."""

    code = "email-required"
    default_message = N_(
        "Nobody can chat right now. Give us your e-mail address with your message so that we can "
        "answer you by e-mail."
    )


# -- is anyone there? ----------------------------------------------------------------------------------


def takes_offline_messages(channel: ChannelRow) -> bool:
    """Whether a message left while nobody takes chats becomes a ticket (the channel's setting)."""
    return bool((channel.settings or {}).get("offline_messages", True))


def closed_by_hours(channel: ChannelRow, at: Any) -> bool:
    """Outside the channel's business hours (computed, no query; the calendar is kept per hours)."""
    calendar = chat_queries.channel_calendar(channel)
    return calendar is not None and not calendar.is_open(at)


# -- the visitor's message --------------------------------------------------------------------------


async def do_receive_visitor_message(
    session: AsyncSession,
    channel: ChannelRow,
    customer_id: int,
    data: VisitorMessageIn,
    *,
    language: str | None,
    agents_online: bool | None = None,
) -> tuple[ConversationRow, MessageRow, bool]:
    """A customer's message on a web-chat channel (see the module): ``conversations.
    do_receive_message``, and the ticket when nobody takes chats. ``agents_online`` is what the
    widget was told at hello (None over REST, where the message's own assignment tells)."""
    if not takes_offline_messages(channel):
        return await chat.do_receive_message(session, channel, customer_id, data, language=language)
    offline = closed_by_hours(channel, now(session))
    if not offline and agents_online is False:  # the widget shows "away": is it still true?
        offline = not await chat.available_agents(session, channel)
    address = await _address_for(session, channel.workspace_id, customer_id, data) if offline else None
    conversation, message, created = await chat.do_receive_message(
        session, channel, customer_id, data, language=language
    )
    if not created:
        return conversation, message, created  # the same message again: done the first time
    if not offline and agents_online is None and conversation.assignee_id is None:
        offline = not await chat.available_agents(session, channel)  # nobody took it: is anyone there?
        if offline:
            address = await _address_for(session, channel.workspace_id, customer_id, data)
    if address is not None:
        await _leave(session, conversation, message, address, normalize_language(language))
    return conversation, message, created


async def _address_for(
    session: AsyncSession, workspace_id: int, customer_id: int, data: VisitorMessageIn
) -> str:
    """The address the answer will go to; one given with the message is kept on the customer
    (unless they have one on record). EmailRequired when there is none."""
    customer = await surviving_customer(session, workspace_id, customer_id)
    if customer is None:
        raise EmailRequired()
    known = await address_of(session, customer)
    on_record = known is not None and known != (customer.custom_attributes or {}).get(UNVERIFIED_EMAIL)
    wanted = known if on_record or not data.email else data.email
    await _remember(session, customer, email=None if on_record else data.email, name=data.name)
    if wanted is None:
        raise EmailRequired()
    return wanted


async def _remember(
    session: AsyncSession, customer: CustomerRow, *, email: str | None, name: str | None
) -> None:
    """Keep what the visitor typed: their address (as typed, unverified) and a name if they had none."""
    changes: dict[str, Any] = {}
    attributes = dict(customer.custom_attributes or {})
    if email and attributes.get(UNVERIFIED_EMAIL) != email:
        changes["custom_attributes"] = {**attributes, UNVERIFIED_EMAIL: email}
    if name and name.strip() and not customer.name:
        changes["name"] = name.strip()
    if changes:
        system = Actor.system(customer.workspace_id, via=VIA)
        await customer_actions.do_update_customer(
            session, system, customer, CustomerUpdate.model_validate(changes)
        )


async def _leave(
    session: AsyncSession, conversation: ConversationRow, message: MessageRow, address: str, language: str
) -> TicketRow:
    """The message left: a comment on the conversation's open ticket, or a new ticket (and the
    customer told which)."""
    system = Actor.system(conversation.workspace_id, via=VIA)
    repo = TicketsRepository(session, conversation.workspace_id)
    current = await repo.ticket(conversation.ticket_id, for_update=True) if conversation.ticket_id else None
    if current is not None and current.status != "closed":
        if current.replies_by != REPLIES_BY_EMAIL:  # a ticket an agent made: the customer has gone
            current.replies_by = REPLIES_BY_EMAIL
            await repo.update_ticket(current, {"replies_by"})
        await tickets.do_add_comment(
            session, system, current, CommentCreate(body=message.body, author="requester")
        )
        return current
    ticket, _created = await tickets.do_create_ticket_from_conversation(
        session,
        system,
        conversation,
        message=message.body,
        tags=[OFFLINE_TAG],
        replies_by=REPLIES_BY_EMAIL,
    )
    await chat.do_send_message(
        session,
        system,
        conversation,
        AgentMessageIn(
            body=messages.confirmation(language, number=ticket.number, email=address),
            client_id=f"offline-{message.id}",
        ),
    )
    return ticket


# -- what became of an e-mail -------------------------------------------------------------------------


async def do_record_email(
    session: AsyncSession,
    ticket: TicketRow,
    comment_id: int,
    *,
    to: str | None,
    message_id: str | None = None,
    sent: Sent | None = None,
    failure: str | None = None,
    attempts: int | None = None,
) -> None:
    """One timeline line (kind ``email``, field ``sent`` / ``outbox`` / ``failed``) and its event."""
    t = now(session)
    field = "failed" if sent is None else ("outbox" if sent.via == "outbox" else "sent")
    detail: dict[str, Any] = {"to": to, "comment_id": comment_id, "message_id": message_id}
    if sent is not None:
        detail["reply" if sent.via == "smtp" else "file"] = sent.detail
    if failure is not None:
        detail["reason"] = failure
    if attempts is not None and attempts > 1:
        detail["attempts"] = attempts
    await TicketsRepository(session, ticket.workspace_id).add_timeline(
        [
            {
                "ticket_id": ticket.id,
                "actor": "system",
                "via": "email",
                "kind": "email",
                "field": field,
                "old": None,
                "new": detail,
                "comment_id": None,
                "created_at": t,
            }
        ]
    )
    about: dict[str, Any] = {
        "workspace_id": ticket.workspace_id,
        "occurred_at": t,
        "actor": "system",
        "ticket_id": ticket.id,
        "comment_id": comment_id,
    }
    if sent is not None:
        assert to is not None
        record_event(session, TicketEmailSent(**about, to=to, via=sent.via))
    else:
        record_event(session, TicketEmailFailed(**about, to=to, reason=failure or ""))
