"""Satisfaction surveys go out after a ticket is solved (the listener and `tickets.csat.send_survey`
job), run in-process against a frozen clock on a database of its own: once per solve, after the
workspace's delay, in the requester's language, through the chat the ticket came from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast, Databases, build_cast, make_settings
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import ChannelCreate, ConversationUpdate, VisitorMessageIn, WebchatSettings
from wowdesk.core.clock import FrozenClock
from wowdesk.core.events import Event
from wowdesk.core.jobs.runner import JobRunner
from wowdesk.core.runtime import Runtime
from wowdesk.main import build_runtime
from wowdesk.tickets import actions, queries
from wowdesk.tickets.csat import actions as csat
from wowdesk.tickets.csat import queries as csat_queries
from wowdesk.tickets.csat.schemas import CsatSettingsIn, RatingIn
from wowdesk.tickets.schemas import TicketCreate, TicketUpdate

START = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)
DELAY = dt.timedelta(minutes=60)  # the default delay
LINK = re.compile(r"https?://\S+/csat/(\d+)/([A-Za-z0-9_-]{20,})\?rating=(good|bad)")

ZH_HANT = ("您對這次獲得的協助滿意嗎？", "滿意：", "不滿意：", "您的意見能幫助我們提供更好的服務。")
ZH_HANS = ("您对这次获得的帮助满意吗？", "满意：", "不满意：", "您的反馈能帮助我们提供更好的服务。")
EN = (
    "How would you rate the help you received?",
    "Good, I'm satisfied: ",
    "Bad, I'm not satisfied: ",
    "Your feedback helps us serve you better.",
)


@dataclass
class Frozen:
    rt: Runtime
    clock: FrozenClock
    runner: JobRunner
    events: list[Event]

    async def run_jobs(self) -> int:
        total = 0
        for _ in range(5):  # a listener's job queues the send job: run until nothing is due
            ran = await self.runner.run_once()
            total += ran
            if not ran:
                break
        return total


@pytest.fixture(scope="module")
def frozen_db(databases: Databases) -> str:
    return databases.new()


@pytest.fixture(scope="module")
async def frozen(frozen_db: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frozen]:
    clock = FrozenClock(START)
    settings = make_settings(frozen_db, Path(tmp_path_factory.mktemp("csat")), None)
    rt = build_runtime(settings, clock=clock)
    await rt.start(run_jobs=False)
    seen: list[Event] = []

    async def collect(event: Event) -> None:
        seen.append(event)

    rt.bus.subscribe(collect)
    yield Frozen(rt=rt, clock=clock, runner=JobRunner(rt.uow, rt.jobs, name="test-csat"), events=seen)
    await rt.stop()


@pytest.fixture
async def fcast(frozen: Frozen) -> Cast:
    c = await build_cast(frozen.rt)
    await frozen.run_jobs()  # whatever an earlier test left due runs now, not inside this one
    frozen.events.clear()
    return c


async def new_ticket(f: Frozen, cast: Cast, who: str = "lisa", **fields: Any) -> int:
    async with f.rt.uow() as s:
        data = TicketCreate.model_validate(
            {"subject": "Parcel", "requester": {"id": cast.customers[who].id}, "status": "open", **fields}
        )
        return (await actions.do_create_ticket(s, cast.actor("alice"), data)).id


async def set_status(f: Frozen, cast: Cast, ticket_id: int, status: str) -> None:
    async with f.rt.uow() as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id, for_update=True)
        await actions.do_update_ticket(s, actor, ticket, TicketUpdate(status=status))  # type: ignore[arg-type]


async def public_replies(f: Frozen, cast: Cast, ticket_id: int) -> list[str]:
    async with f.rt.uow(write=False) as s:
        actor = cast.actor("alice")
        ticket = await queries.get_ticket(s, actor, ticket_id)
        return [
            c.body for c in await queries.list_comments(s, actor, ticket) if c.public and c.author == "system"
        ]


async def survey(f: Frozen, cast: Cast, ticket_id: int) -> Any:
    async with f.rt.uow(write=False) as s:
        return await csat_queries.find_survey_of_ticket(s, cast.actor("sam"), ticket_id)


@pytest.mark.parametrize(("who", "words"), [("lisa", ZH_HANT), ("wang", ZH_HANS), ("john", EN)])
async def test_a_solved_ticket_gets_one_survey_after_the_delay_in_the_requesters_language(
    frozen: Frozen, fcast: Cast, who: str, words: tuple[str, ...]
) -> None:
    tid = await new_ticket(frozen, fcast, who)
    await set_status(frozen, fcast, tid, "solved")
    solved_at = frozen.clock.now()
    frozen.clock.advance(DELAY - dt.timedelta(seconds=1))
    await frozen.run_jobs()
    assert await public_replies(frozen, fcast, tid) == []  # not yet
    assert await survey(frozen, fcast, tid) is None

    frozen.clock.advance(dt.timedelta(seconds=2))
    await frozen.run_jobs()
    [body] = await public_replies(frozen, fcast, tid)
    lines = body.splitlines()
    assert [line.split("http")[0] for line in lines] == [words[0], words[1], words[2], words[3]]
    links = LINK.findall(body)
    assert [r for _i, _t, r in links] == ["good", "bad"] and links[0][:2] == links[1][:2]
    s = await survey(frozen, fcast, tid)
    assert s is not None and s.rating is None and s.sent_via == "ticket"
    assert s.language == fcast.customers[who].language
    assert s.sent_at == solved_at + DELAY + dt.timedelta(seconds=1)
    assert s.assignee_id is None and s.team_id is None
    sent = [e for e in frozen.events if e.name == "ticket.satisfaction_survey_sent"]
    assert [getattr(e, "ticket_id", None) for e in sent] == [tid]

    frozen.clock.advance(dt.timedelta(days=1))  # nothing more, ever
    await frozen.run_jobs()
    assert len(await public_replies(frozen, fcast, tid)) == 1


async def test_reopened_before_the_delay_gets_no_survey(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(dt.timedelta(minutes=20))
    await set_status(frozen, fcast, tid, "open")
    frozen.clock.advance(DELAY * 3)
    assert await frozen.run_jobs() >= 1  # the solve's job ran …
    assert await public_replies(frozen, fcast, tid) == []  # … and sent nothing
    assert await survey(frozen, fcast, tid) is None


async def test_solved_again_counts_from_the_last_solve(frozen: Frozen, fcast: Cast) -> None:
    """Solved, reopened after 20 minutes, solved again 30 minutes later: the first solve's job (due
    at 60 minutes) leaves it alone; the survey goes out 60 minutes after the second solve."""
    t0 = frozen.clock.now()
    tid = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(dt.timedelta(minutes=20))
    await set_status(frozen, fcast, tid, "open")
    frozen.clock.advance(dt.timedelta(minutes=30))
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.set(t0 + DELAY + dt.timedelta(minutes=1))
    assert await frozen.run_jobs() >= 1
    assert await public_replies(frozen, fcast, tid) == []
    frozen.clock.set(t0 + dt.timedelta(minutes=50) + DELAY + dt.timedelta(seconds=1))
    await frozen.run_jobs()
    assert len(await public_replies(frozen, fcast, tid)) == 1


async def test_the_send_job_running_twice_sends_once(frozen: Frozen, fcast: Cast) -> None:
    tid = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(DELAY)
    for _ in range(2):  # as a retried job would (its first run committed, then it ran again)
        async with frozen.rt.uow() as s:
            await csat.do_send_survey(s, fcast.workspace_id, tid, 60)
    await frozen.run_jobs()  # and the queued job itself, a third time
    assert len(await public_replies(frozen, fcast, tid)) == 1


async def test_an_unanswered_survey_goes_again_after_a_new_solve_an_answered_one_does_not(
    frozen: Frozen, fcast: Cast
) -> None:
    tid = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(DELAY)
    await frozen.run_jobs()
    [first] = await public_replies(frozen, fcast, tid)
    sid, old_token, _r = LINK.findall(first)[0]

    await set_status(frozen, fcast, tid, "open")  # unanswered, reopened, solved again
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(DELAY)
    await frozen.run_jobs()
    replies = await public_replies(frozen, fcast, tid)
    assert len(replies) == 2
    sid2, new_token, _r = LINK.findall(replies[1])[0]
    assert sid2 == sid and new_token != old_token  # the same survey, a new link
    async with frozen.rt.uow(write=False) as s:  # the new link replaces the old one
        assert await csat_queries.find_survey_by_token(s, int(sid), old_token) is None
        assert await csat_queries.find_survey_by_token(s, int(sid), new_token) is not None

    async with frozen.rt.uow() as s:
        await csat.do_rate_survey(s, int(sid), new_token, RatingIn(rating="bad", comment="Still broken"))
    await set_status(frozen, fcast, tid, "open")  # answered: solving again asks no more
    await set_status(frozen, fcast, tid, "solved")
    frozen.clock.advance(DELAY)
    await frozen.run_jobs()
    assert len(await public_replies(frozen, fcast, tid)) == 2
    s2 = await survey(frozen, fcast, tid)
    assert s2 is not None and s2.rating == "bad" and s2.comment == "Still broken"


async def test_surveys_switched_off_are_not_sent_and_the_delay_is_the_workspaces(
    frozen: Frozen, fcast: Cast
) -> None:
    async with frozen.rt.uow() as s:
        await csat.do_update_settings(s, fcast.actor("ada"), CsatSettingsIn(enabled=False, delay_minutes=5))
    off = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, off, "solved")
    frozen.clock.advance(DELAY * 2)
    await frozen.run_jobs()
    assert await public_replies(frozen, fcast, off) == []

    async with frozen.rt.uow() as s:
        await csat.do_update_settings(s, fcast.actor("ada"), CsatSettingsIn(enabled=True, delay_minutes=5))
    on = await new_ticket(frozen, fcast)
    await set_status(frozen, fcast, on, "solved")
    frozen.clock.advance(dt.timedelta(minutes=4))
    await frozen.run_jobs()
    assert await public_replies(frozen, fcast, on) == []
    frozen.clock.advance(dt.timedelta(minutes=1))
    await frozen.run_jobs()
    assert len(await public_replies(frozen, fcast, on)) == 1
    assert await public_replies(frozen, fcast, off) == []  # switched on later: the old solve stays unasked


async def test_a_chat_ticket_gets_its_survey_in_the_chat_even_when_resolved(
    frozen: Frozen, fcast: Cast
) -> None:
    """The survey is a message in the conversation the ticket was made from (the customer's widget
    shows it, live or when they come back), not a note; the ticket keeps it as a public reply."""
    async with frozen.rt.uow() as s:
        channel = await chat.do_create_channel(
            s, fcast.actor("ada"), ChannelCreate(name="Web", settings=WebchatSettings())
        )
        conversation, _m, _c = await chat.do_receive_message(
            s,
            channel,
            fcast.customers["lisa"].id,
            VisitorMessageIn(client_id="c1", body="我的包裹在哪裡？"),
            language="zh-Hant",
        )
        ticket, _created = await actions.do_create_ticket_from_conversation(
            s, fcast.actor("alice"), conversation
        )
        await chat.do_update_conversation(
            s, fcast.actor("alice"), conversation, ConversationUpdate(status="resolved")
        )
    await set_status(frozen, fcast, ticket.id, "solved")
    frozen.clock.advance(DELAY)
    await frozen.run_jobs()

    async with frozen.rt.uow(write=False) as s:
        c = await chat_queries.find_conversation(s, fcast.workspace_id, conversation.id)
        assert c is not None and c.status == "resolved"  # told, not reopened
        seen = await chat_queries.messages(s, fcast.workspace_id, c, public_only=True)
    last = seen[-1]
    assert last.direction == "outgoing" and not last.private and last.author.kind == "system"
    assert last.body.splitlines()[0] == ZH_HANT[0] and ZH_HANT[3] in last.body
    assert LINK.findall(last.body)
    assert len(await public_replies(frozen, fcast, ticket.id)) == 1
    s2 = await survey(frozen, fcast, ticket.id)
    assert s2 is not None and s2.sent_via == "chat"
