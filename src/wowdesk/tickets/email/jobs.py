"""The durable side of tickets answered by e-mail: a public reply on such a ticket is sent to the
requester by a job written in the reply's own transaction (a listener on ``ticket.comment_added``
whose condition reads the event's ``email`` field alone, so other comments cost nothing).

The job composes the e-mail in the requester's language — subject ``[#N] subject``, the reply, a
short footer; ``Message-ID`` fixed per reply (the same on every retry, so a receiver drops a
duplicate), ``In-Reply-To``/``References`` naming the ticket's thread — and hands it to the
transport the composition root put in the unit of work's context (``MAIL``). A temporary failure
(4xx, no connection, a timeout) is retried with backoff; a permanent one (5xx), the last attempt,
or a requester without an address leaves ``e-mail failed: <reason>`` on the timeline; a success
leaves ``e-mail sent to …`` (or, without an SMTP server, "written to the outbox").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.channels.email import (
    MailTransport,
    OutgoingMail,
    PermanentFailure,
    TemporaryFailure,
    compose,
    message_id,
    parse_sender,
)
from wowdesk.core.events import Event
from wowdesk.core.i18n import normalize_language
from wowdesk.core.jobs.registry import JobContext, JobSpec
from wowdesk.core.uow import context
from wowdesk.tickets.email import actions, messages, queries
from wowdesk.tickets.events import TicketCommentAdded
from wowdesk.tickets.models import CommentRow, TicketRow
from wowdesk.tickets.repository import TicketsRepository

MAIL = "mail"  # the unit of work's context: the Outbound the composition root built
SEND_JOB = "tickets.email.send_reply"
ATTEMPTS = 8  # 30 s, 1 min, 2, 4, 8, 16, 32 min: about an hour of a server being away


@dataclass(frozen=True, slots=True)
class Outbound:
    """How this install sends e-mail: the transport (SMTP or the outbox) and the sender."""

    transport: MailTransport
    sender: str  # "Name <address>" (WOWDESK_MAIL_FROM); the workspace's name is the display name

    def __post_init__(self) -> None:
        parse_sender(self.sender)  # a sender without an address is a configuration error, at start


def emails(event: Event) -> bool:
    """The condition (no I/O): a public reply on a ticket whose replies go by e-mail."""
    return bool(getattr(event, "email", False))


def thread_root(ticket: TicketRow, sender_address: str) -> str:
    """The Message-ID every e-mail of the ticket answers: one thread in the customer's mail client."""
    return message_id(f"wowdesk.ticket-{ticket.id}", sender_address)


async def reply_mail(
    session: AsyncSession, outbound: Outbound, ticket: TicketRow, comment: CommentRow, to: str
) -> OutgoingMail:
    workspace = await accounts.get_workspace(session, ticket.workspace_id)
    customer = await queries.surviving_customer(session, ticket.workspace_id, ticket.requester_id)
    language = normalize_language(
        (customer.language if customer is not None else None) or workspace.default_language
    )
    _name, address = parse_sender(outbound.sender)
    return OutgoingMail(
        sender_name=workspace.name,
        sender_address=address,
        to=to,
        subject=messages.subject(ticket.number, ticket.subject),
        body=messages.body(language, reply=comment.body, number=ticket.number, workspace=workspace.name),
        message_id=message_id(f"wowdesk.ticket-{ticket.id}.reply-{comment.id}", address),
        thread=(thread_root(ticket, address),),
        reply_to=address,
        headers=(("X-WowDesk-Ticket", str(ticket.number)),),
    )


async def send_reply(session: AsyncSession, job: JobContext) -> None:
    event = TicketCommentAdded.model_validate(job.payload["data"])
    outbound = context(session).get(MAIL)
    if not isinstance(outbound, Outbound):
        raise RuntimeError(f"{SEND_JOB}: no mail transport in the unit of work's context")
    repo = TicketsRepository(session, event.workspace_id)
    ticket = await repo.ticket(event.ticket_id)
    comment = (await repo.comments_by_ids([event.comment_id])).get(event.comment_id)
    if ticket is None or comment is None or not comment.public:
        return  # deleted meanwhile: nothing to send
    to = await queries.reply_address(session, ticket.workspace_id, ticket.requester_id)
    if to is None:
        await actions.do_record_email(session, ticket, comment.id, to=None, failure=actions.NO_ADDRESS)
        return
    mail = await reply_mail(session, outbound, ticket, comment, to)
    try:
        sent = await outbound.transport.send(compose(mail, date=job.now))
    except (TemporaryFailure, PermanentFailure) as exc:
        if isinstance(exc, TemporaryFailure) and job.attempt < ATTEMPTS:
            raise  # the runner tries again with backoff; the job's row keeps the reason
        await actions.do_record_email(
            session,
            ticket,
            comment.id,
            to=to,
            message_id=mail.message_id,
            failure=exc.reason,
            attempts=job.attempt,
        )
        return
    await actions.do_record_email(session, ticket, comment.id, to=to, message_id=mail.message_id, sent=sent)


JOBS: list[JobSpec] = []
LISTENERS = [
    (
        TicketCommentAdded.name,
        JobSpec(
            name=SEND_JOB, handler=send_reply, max_attempts=ATTEMPTS, backoff_base=30.0, backoff_max=3600.0
        ),
        emails,
    ),
]
