"""Answered by e-mail: a public reply on a ticket left as an offline message reaches the requester
through a real SMTP server on 127.0.0.1 (aiosmtpd), sent by the durable job with the runner and a
clock of our own. Threaded (Message-ID / In-Reply-To / References), in the requester's language;
a 550 is final and shown on the timeline; a 451 or a refused connection is retried with backoff;
internal notes and the customer's own words are never e-mailed."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.channels.support import Inbox, free_port
from tests.conftest import Cast, Databases, build_cast, make_settings
from tests.tickets.email.support import closed_hours
from wowdesk.channels.email import SmtpTransport
from wowdesk.conversations import actions as chat
from wowdesk.conversations.schemas import ChannelCreate, VisitorMessageIn, WebchatSettings
from wowdesk.core.actor import Actor
from wowdesk.core.clock import FrozenClock
from wowdesk.core.events import Event
from wowdesk.core.jobs.models import Job
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.customers import actions as customer_actions
from wowdesk.customers import queries as customer_queries
from wowdesk.customers.schemas import CustomerUpdate
from wowdesk.main import build_runtime
from wowdesk.tickets import actions as ticket_actions
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.email import actions as offline
from wowdesk.tickets.email import jobs as email_jobs
from wowdesk.tickets.schemas import CommentCreate, TicketCreate

SENDER = "WowDesk <support@acme.test>"


@dataclass
class Mailroom:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]

    def smtp(self, url: str) -> None:
        """Send through this server from now on (the transport the composition root would build)."""
        self.rt.uow.context[email_jobs.MAIL] = email_jobs.Outbound(
            transport=SmtpTransport(url, timeout=5), sender=SENDER
        )

    async def run(self, times: int = 1, step: dt.timedelta = dt.timedelta(minutes=2)) -> None:
        for _ in range(times):
            while await self.runner.run_once():
                pass
            self.clock.advance(step)


@pytest.fixture(scope="module")
def mail_db(databases: Databases) -> str:
    return databases.new()  # its own: this module's runner must see only its own jobs


@pytest.fixture(scope="module")
async def room(mail_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mailroom]:
    clock = FrozenClock(dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC))  # a Sunday night
    settings = make_settings(mail_db, tmp_path_factory.mktemp("mailroom"), mail_from=SENDER)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield Mailroom(rt, clock, JobRunner(rt.uow, rt.jobs, name="test-mail"), seen)
    await rt.stop()


@pytest.fixture
async def mail(room: Mailroom, inbox: Inbox) -> Mailroom:
    room.smtp(inbox.url)
    return room


async def _left(
    room: Mailroom, cast: Cast, customer_id: int, body: str, email: str | None = None
) -> tuple[Any, int]:
    """An offline message of this customer on a closed channel: (the ticket, the channel id)."""
    async with room.rt.uow() as s:
        channel = await chat.do_create_channel(
            s,
            cast.actor("ada"),
            ChannelCreate(name="Web", settings=WebchatSettings(hours=closed_hours(room.clock.now()))),
        )
        conversation, _m, _created = await offline.do_receive_visitor_message(
            s,
            channel,
            customer_id,
            VisitorMessageIn(client_id=f"c{room.clock.now().timestamp()}", body=body, email=email),
            language="zh-Hant",
        )
        assert conversation.ticket_id is not None
        ticket = await ticket_queries.get_ticket(s, Actor.system(cast.workspace_id), conversation.ticket_id)
    return ticket, channel.id


async def _reply(room: Mailroom, cast: Cast, ticket_id: int, body: str, **kw: Any) -> int:
    async with room.rt.uow() as s:
        ticket = await ticket_queries.get_ticket(s, cast.actor("alice"), ticket_id, for_update=True)
        comment = await ticket_actions.do_add_comment(
            s, cast.actor("alice"), ticket, CommentCreate(body=body, **kw)
        )
    return comment.id


async def _email_lines(room: Mailroom, cast: Cast, ticket_id: int) -> list[Any]:
    async with room.rt.uow(write=False) as s:
        ticket = await ticket_queries.get_ticket(s, cast.actor("ada"), ticket_id)
        return [e for e in await ticket_queries.timeline(s, cast.actor("ada"), ticket) if e.kind == "email"]


async def _send_jobs(room: Mailroom, cast: Cast) -> int:
    async with room.rt.uow(write=False) as s:
        q = select(func.count()).where(Job.name == email_jobs.SEND_JOB, Job.workspace_id == cast.workspace_id)
        return int((await s.execute(q)).scalar_one())


async def test_a_public_reply_reaches_the_requester_threaded_in_their_language(
    mail: Mailroom, inbox: Inbox
) -> None:
    cast = await build_cast(mail.rt)
    lisa = cast.customers["lisa"]  # zh-Hant, lisa@example.com on record
    ticket, _channel = await _left(mail, cast, lisa.id, "我的包裹在哪裡？")
    assert ticket.replies_by == "email"
    first = await _reply(mail, cast, ticket.id, "您好，包裹已經寄出，單號 TW-10023。")
    await mail.run()
    [m] = inbox.received
    assert inbox.envelopes == [("support@acme.test", ["lisa@example.com"])]
    assert m["To"] == "lisa@example.com" and m["Subject"] == f"[#{ticket.number}] 我的包裹在哪裡？"
    assert m["From"].addresses[0].display_name == f"Acme {cast.slug}"
    assert m["From"].addresses[0].addr_spec == "support@acme.test" == m["Reply-To"].addresses[0].addr_spec
    root = f"<wowdesk.ticket-{ticket.id}@acme.test>"
    assert m["Message-ID"] == f"<wowdesk.ticket-{ticket.id}.reply-{first}@acme.test>"
    assert m["In-Reply-To"] == root == m["References"]
    text = m.get_content()
    assert "您好，包裹已經寄出，單號 TW-10023。" in text and f"#{ticket.number}" in text.split("-- ")[-1]

    second = await _reply(mail, cast, ticket.id, "Delivered today.")
    await mail.run()
    assert [x["References"] for x in inbox.received] == [root, root]  # one thread in the mail client
    assert inbox.received[1]["Message-ID"].endswith(f".reply-{second}@acme.test>")
    lines = await _email_lines(mail, cast, ticket.id)
    assert [(e.field, e.new["to"], e.new["comment_id"]) for e in lines] == [
        ("sent", "lisa@example.com", first),
        ("sent", "lisa@example.com", second),
    ]
    assert "queued as TEST1" in lines[0].new["reply"]
    sent = [
        e for e in mail.events if e.name == "ticket.email_sent" and getattr(e, "ticket_id", 0) == ticket.id
    ]
    assert len(sent) == 2
    await mail.run(3, dt.timedelta(hours=1))
    assert len(inbox.received) == 2  # sent: never again


async def test_a_550_is_final_and_shown_on_the_timeline(mail: Mailroom, inbox: Inbox) -> None:
    cast = await build_cast(mail.rt)
    ticket, _ = await _left(mail, cast, cast.customers["john"].id, "Where is my refund?")
    inbox.rcpt = ["550 5.1.1 <john@example.com>: Recipient address rejected: User unknown"]
    await _reply(mail, cast, ticket.id, "We refunded you yesterday.")
    await mail.run(4, dt.timedelta(hours=1))
    assert inbox.tries == 1 and inbox.received == []  # refused once, never tried again
    [line] = await _email_lines(mail, cast, ticket.id)
    assert line.field == "failed" and line.new["to"] == "john@example.com"
    assert line.new["reason"].startswith("550 5.1.1") and "User unknown" in line.new["reason"]
    failed = [
        e for e in mail.events if e.name == "ticket.email_failed" and getattr(e, "ticket_id", 0) == ticket.id
    ]
    assert len(failed) == 1 and "550" in failed[0].reason  # type: ignore[attr-defined]


async def test_a_451_is_retried_with_backoff_then_sent(mail: Mailroom, inbox: Inbox) -> None:
    cast = await build_cast(mail.rt)
    ticket, _ = await _left(mail, cast, cast.customers["wang"].id, "我的订单呢？")
    inbox.data = ["451 4.3.0 Mailbox temporarily unavailable"]
    await _reply(mail, cast, ticket.id, "您好，订单已发货。")
    await mail.runner.run_once()
    assert inbox.received == [] and await _email_lines(mail, cast, ticket.id) == []
    async with mail.rt.uow(write=False) as s:
        job = (
            await s.execute(
                select(Job).where(Job.name == email_jobs.SEND_JOB, Job.workspace_id == cast.workspace_id)
            )
        ).scalar_one()
        assert job.status == "queued" and job.attempts == 1 and "451 4.3.0" in (job.last_error or "")
    await mail.runner.run_once()
    assert inbox.received == []  # not before its backoff
    await mail.run(3, dt.timedelta(minutes=1))
    [m] = inbox.received
    assert m["To"] == "wang@example.cn" and "订单已发货" in m.get_content()
    [line] = await _email_lines(mail, cast, ticket.id)
    assert line.field == "sent"


async def test_a_refused_connection_is_retried_until_the_last_attempt(mail: Mailroom) -> None:
    cast = await build_cast(mail.rt)
    ticket, _ = await _left(mail, cast, cast.customers["john"].id, "Hello?")
    mail.smtp(f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    await _reply(mail, cast, ticket.id, "Hi John")
    await mail.run(2, dt.timedelta(seconds=1))
    assert await _email_lines(mail, cast, ticket.id) == []  # still trying
    await mail.run(12, dt.timedelta(hours=2))
    [line] = await _email_lines(mail, cast, ticket.id)
    assert line.field == "failed" and line.new["attempts"] == email_jobs.ATTEMPTS
    assert "127.0.0.1" in line.new["reason"] and "ConnectError" in line.new["reason"]


async def test_notes_and_the_customers_own_words_are_never_emailed(mail: Mailroom, inbox: Inbox) -> None:
    """Tried: the customer's message (the ticket's description), an internal note, the customer's
    reply posted by an integration, a public reply on a ticket that is not answered by e-mail."""
    cast = await build_cast(mail.rt)
    ticket, _ = await _left(mail, cast, cast.customers["lisa"].id, "包裹呢？")
    await _reply(mail, cast, ticket.id, "INTERNAL: customer is VIP", public=False)
    await _reply(mail, cast, ticket.id, "還有一個問題", author="requester")
    async with mail.rt.uow() as s:
        plain = await ticket_actions.do_create_ticket(
            s,
            cast.actor("alice"),
            TicketCreate(subject="By phone", requester={"id": cast.customers["lisa"].id}),  # type: ignore[arg-type]
        )
    await _reply(mail, cast, plain.id, "Answered on the ticket only")
    assert await _send_jobs(mail, cast) == 0  # not even a job row
    await mail.run(2)
    assert inbox.tries == 0 and await _email_lines(mail, cast, ticket.id) == []


async def test_a_requester_without_an_address_is_a_failure_on_the_timeline(
    mail: Mailroom, inbox: Inbox
) -> None:
    """The visitor typed an address (kept, unverified); it was removed from the customer since."""
    cast = await build_cast(mail.rt)
    async with mail.rt.uow() as s:
        visitor_id = await chat.do_identify_visitor(
            s, _channel_row(cast), identity=None, profile=None, language="en"
        )
    ticket, _ = await _left(mail, cast, visitor_id, "Please e-mail me", email="typed@example.org")
    async with mail.rt.uow() as s:
        customer = await customer_queries.get_customer(s, cast.actor("ada"), visitor_id)
        assert customer.custom_attributes["unverified_email"] == "typed@example.org"
        await customer_actions.do_update_customer(
            s, cast.actor("ada"), customer, CustomerUpdate(custom_attributes={})
        )
    await _reply(mail, cast, ticket.id, "Here is your answer")
    await mail.run()
    [line] = await _email_lines(mail, cast, ticket.id)
    assert line.field == "failed" and line.new["reason"] == "no_address" and line.new["to"] is None
    assert inbox.tries == 0


def _channel_row(cast: Cast) -> Any:
    """do_identify_visitor only reads the channel's workspace."""
    from wowdesk.conversations.models import ChannelRow

    return ChannelRow(
        id=0,
        workspace_id=cast.workspace_id,
        kind="webchat",
        name="x",
        team_id=None,
        identity_secret="x" * 64,
        settings={},
        active=True,
        created_at=dt.datetime.now(dt.UTC),
        updated_at=dt.datetime.now(dt.UTC),
    )


def test_a_sender_without_an_address_is_refused_at_start(tmp_path: Any) -> None:
    """Tried: WOWDESK_MAIL_FROM set to a name alone; the composition root refuses it at once."""
    settings = make_settings("sqlite+aiosqlite:///" + str(tmp_path / "x.db"), tmp_path, mail_from="Support")
    with pytest.raises(ValueError, match="not an e-mail address"):
        build_runtime(settings)
