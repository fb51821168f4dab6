"""Reactions of the notifications domain to other domains' events, delivered durably (as jobs):
a conversation or ticket given to an agent, a customer writing in an agent's conversation. Each
listener has a condition on the event's own fields, so events that can notify nobody (an agent's
reply, a note, a status change) cost no job at all; the job then decides whether the agent is
told (their devices, settings and whether their console is open: ``queries.recipient``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.conversations.events import ConversationUpdated, MessageCreated
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.events import Event
from wowdesk.core.i18n import N_, translate
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.customers import queries as customers
from wowdesk.notifications import actions, queries
from wowdesk.tickets import queries as tickets
from wowdesk.tickets.automations.events import TicketAttentionRequested
from wowdesk.tickets.events import TicketCreated, TicketUpdated

PREVIEW_CHARS = 120


def _new_assignee(changes: dict[str, list[object]]) -> int | None:
    change = changes.get("assignee_id")
    if not change or len(change) != 2 or change[1] is None or change[1] == change[0]:
        return None
    return int(str(change[1]))


def _not_by(actor: str | None, agent_id: int | None) -> bool:
    return agent_id is not None and actor != f"agent:{agent_id}"


# -- conditions (on the event alone: no I/O) -------------------------------------------------------------


def conversation_assigned(event: Event) -> bool:
    return isinstance(event, ConversationUpdated) and _not_by(event.actor, _new_assignee(event.changes))


def customer_wrote(event: Event) -> bool:
    return (
        isinstance(event, MessageCreated)
        and not event.private
        and event.message.get("direction") == "incoming"
        and _not_by(event.actor, event.assignee_id)
    )


def ticket_created_assigned(event: Event) -> bool:
    return isinstance(event, TicketCreated) and _not_by(event.actor, event.assignee_id)


def ticket_assigned(event: Event) -> bool:
    return isinstance(event, TicketUpdated) and _not_by(event.actor, _new_assignee(event.changes))


# -- jobs ---------------------------------------------------------------------------------------------------


async def _customer_name(session: AsyncSession, workspace_id: int, customer_id: int, language: str) -> str:
    customer = await customers.find_customer(session, workspace_id, customer_id)
    return (customer.name if customer else "") or translate(N_("Visitor"), language)


async def on_conversation_updated(session: AsyncSession, job: JobContext) -> None:
    event = ConversationUpdated.model_validate(job.payload["data"])
    agent_id = _new_assignee(event.changes)
    if agent_id is None:
        return
    to = await queries.recipient(
        session, event.workspace_id, agent_id, "assignments", caused_by=event.actor, at=job.now
    )
    if to is None:
        return
    notification = actions.Notification(
        title=translate(N_("New conversation assigned to you"), to.language),
        body=await _customer_name(session, event.workspace_id, event.customer_id, to.language),
        url=f"/conversations/{event.conversation_id}",
        tag=f"conversation-{event.conversation_id}",
    )
    await actions.do_queue_push(session, event.workspace_id, to.subscriptions, notification)


async def on_message_created(session: AsyncSession, job: JobContext) -> None:
    event = MessageCreated.model_validate(job.payload["data"])
    if event.assignee_id is None:
        return
    to = await queries.recipient(
        session, event.workspace_id, event.assignee_id, "customer_replies", caused_by=event.actor, at=job.now
    )
    if to is None:
        return
    name = await _customer_name(session, event.workspace_id, event.customer_id, to.language)
    text = str(event.message.get("body") or "")
    notification = actions.Notification(
        title=translate(N_("New message from {customer}"), to.language, customer=name),
        body=text[:PREVIEW_CHARS] if text else translate(N_("Sent an attachment."), to.language),
        url=f"/conversations/{event.conversation_id}",
        tag=f"conversation-{event.conversation_id}",
    )
    await actions.do_queue_push(session, event.workspace_id, to.subscriptions, notification)


async def _ticket_assigned(
    session: AsyncSession,
    job: JobContext,
    workspace_id: int,
    ticket_id: int,
    agent_id: int,
    actor: str | None,
) -> None:
    to = await queries.recipient(session, workspace_id, agent_id, "assignments", caused_by=actor, at=job.now)
    if to is None:
        return
    try:
        ticket = await tickets.get_ticket(session, Actor.system(workspace_id), ticket_id)
    except NotFound:  # deleted (or merged away) since
        return
    notification = actions.Notification(
        title=translate(N_("Ticket #{number} assigned to you"), to.language, number=ticket.number),
        body=ticket.subject,
        url=f"/tickets/{ticket.id}",
        tag=f"ticket-{ticket.id}",
    )
    await actions.do_queue_push(session, workspace_id, to.subscriptions, notification)


async def on_ticket_created(session: AsyncSession, job: JobContext) -> None:
    event = TicketCreated.model_validate(job.payload["data"])
    if event.assignee_id is not None:
        await _ticket_assigned(
            session, job, event.workspace_id, event.ticket_id, event.assignee_id, event.actor
        )


async def on_ticket_updated(session: AsyncSession, job: JobContext) -> None:
    event = TicketUpdated.model_validate(job.payload["data"])
    agent_id = _new_assignee(event.changes)
    if agent_id is not None:
        await _ticket_assigned(session, job, event.workspace_id, event.ticket_id, agent_id, event.actor)


async def on_attention_requested(session: AsyncSession, job: JobContext) -> None:
    """An automation rule asked for agents to be told: the ticket's assignee, every member of its
    team, or one agent — each in their language, by their devices, if they want assignments."""
    event = TicketAttentionRequested.model_validate(job.payload["data"])
    if event.to == "agent":
        agent_ids = [event.agent_id] if event.agent_id is not None else []
    elif event.to == "assignee":
        agent_ids = [event.assignee_id] if event.assignee_id is not None else []
    elif event.team_id is not None:
        agent_ids = await accounts.team_member_ids(session, Actor.system(event.workspace_id), event.team_id)
    else:
        agent_ids = []
    for agent_id in agent_ids:
        to = await queries.recipient(
            session, event.workspace_id, agent_id, "assignments", caused_by=None, at=job.now
        )
        if to is None:
            continue
        text = event.message.get(to.language) or event.message.get("en") or ""
        notification = actions.Notification(
            title=translate(N_("Ticket #{number} needs your attention"), to.language, number=event.number),
            body=text[:PREVIEW_CHARS],
            url=f"/tickets/{event.ticket_id}",
            tag=f"ticket-{event.ticket_id}",
        )
        await actions.do_queue_push(session, event.workspace_id, to.subscriptions, notification)


def attention_requested(event: Event) -> bool:
    return isinstance(event, TicketAttentionRequested)


# (event name, job, condition) triples: the composition root wires each event to its job, written
# only for the events the condition accepts.
LISTENERS = [
    (
        ConversationUpdated.name,
        JobSpec(name="notifications.on_conversation_updated", handler=on_conversation_updated),
        conversation_assigned,
    ),
    (
        MessageCreated.name,
        JobSpec(name="notifications.on_message_created", handler=on_message_created),
        customer_wrote,
    ),
    (
        TicketCreated.name,
        JobSpec(name="notifications.on_ticket_created", handler=on_ticket_created),
        ticket_created_assigned,
    ),
    (
        TicketUpdated.name,
        JobSpec(name="notifications.on_ticket_updated", handler=on_ticket_updated),
        ticket_assigned,
    ),
    (
        TicketAttentionRequested.name,
        JobSpec(name="notifications.on_attention_requested", handler=on_attention_requested),
        attention_requested,
    ),
]
