"""Writes of satisfaction surveys: the workspace's settings, scheduling a survey when a ticket is
solved, sending it, and recording a customer's rating. Nothing here commits.

One survey per ticket (as Zendesk does): its rating can be changed on its link for
``SURVEY_DAYS``. A ticket solved again after a reopen gets the survey again only while it is
unanswered (a new link replaces the old one); an answered survey stays as it is and its link keeps
taking a changed rating.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, normalize_language, translate
from wowdesk.core.jobs.registry import enqueue
from wowdesk.core.security import digest
from wowdesk.core.uow import context, now
from wowdesk.customers import queries as customers
from wowdesk.tickets.actions import react
from wowdesk.tickets.csat import events as ev
from wowdesk.tickets.csat import queries
from wowdesk.tickets.csat.models import SettingsRow, SurveyRow
from wowdesk.tickets.csat.repository import CsatRepository
from wowdesk.tickets.csat.schemas import CsatSettingsIn, CsatSettingsOut, RatingIn
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.outreach import tell_requester
from wowdesk.tickets.repository import TicketsRepository

SEND_JOB = "tickets.csat.send_survey"
PUBLIC_PATH = "/csat/"  # the survey page: /csat/<survey id>/<token>
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # when neither the settings nor the runtime name one

GOOD_LINE = N_("Good, I'm satisfied: {url}")
BAD_LINE = N_("Bad, I'm not satisfied: {url}")


async def do_update_settings(
    session: AsyncSession, actor: Actor, data: CsatSettingsIn, *, saved_from: str | None = None
) -> CsatSettingsOut:
    """Save the workspace's settings. Without a link address, the address they were saved from
    (`saved_from`, the console's or the API's own) is kept, so the links reach this server."""
    actor.require(AUTOMATIONS_MANAGE)
    repo = CsatRepository(session, actor.workspace_id)
    t = now(session)
    base = data.link_base_url or (saved_from.rstrip("/") if saved_from else None)
    row = await repo.settings()
    if row is None:
        new = SettingsRow(
            id=0,
            workspace_id=actor.workspace_id,
            enabled=data.enabled,
            delay_minutes=data.delay_minutes,
            link_base_url=base,
            created_at=t,
            updated_at=t,
        )
        try:
            async with (await repo.db()).savepoint():
                await repo.insert_settings(new)
        except IntegrityError:  # another admin saved the first settings at the same moment
            raise Conflict(N_("The settings were changed meanwhile. Reload them and try again.")) from None
    else:
        row.enabled, row.delay_minutes, row.link_base_url, row.updated_at = (
            data.enabled,
            data.delay_minutes,
            base,
            t,
        )
        await repo.update_settings(row)
    return await queries.settings_of(session, actor.workspace_id)


async def do_schedule_survey(
    session: AsyncSession, workspace_id: int, ticket_id: int, solved_at: dt.datetime
) -> bool:
    """A ticket was solved (at `solved_at`): queue its survey for the workspace's delay. Nothing is
    queued while surveys are off; one job per solve, however often this runs."""
    settings = await queries.settings_of(session, workspace_id)
    if not settings.enabled:
        return False
    await enqueue(
        session,
        SEND_JOB,
        {"ticket_id": ticket_id, "delay_minutes": settings.delay_minutes},
        workspace_id=workspace_id,
        run_at=solved_at + dt.timedelta(minutes=settings.delay_minutes),
        dedupe_key=f"csat:{ticket_id}:{solved_at.isoformat()}",
    )
    return True


def survey_message(language: str, survey_id: int, token: str, base_url: str) -> str:
    """The survey's words in the customer's language, with its two one-click links."""
    link = f"{base_url.rstrip('/')}{PUBLIC_PATH}{survey_id}/{token}?rating="
    return "\n".join(
        (
            translate(queries.QUESTION, language),
            translate(GOOD_LINE, language, url=link + "good"),
            translate(BAD_LINE, language, url=link + "bad"),
            translate(queries.FOOTER, language),
        )
    )


async def _language(session: AsyncSession, ticket: TicketRow) -> str:
    customer = await customers.find_customer(session, ticket.workspace_id, ticket.requester_id)
    if customer is not None and customer.language:
        return normalize_language(customer.language)
    workspace = await accounts.get_workspace(session, ticket.workspace_id)
    return normalize_language(workspace.default_language)


def _due(ticket: TicketRow, delay_minutes: int, at: dt.datetime) -> bool:
    """Solved, and for the whole delay: a job of an earlier solve (reopened since, then solved
    again) finds the ticket solved too recently and leaves it to the latest solve's job."""
    return (
        ticket.status == "solved"
        and ticket.solved_at is not None
        and at >= ticket.solved_at + dt.timedelta(minutes=delay_minutes)
    )


async def _store(
    repo: CsatRepository, survey: SurveyRow | None, ticket: TicketRow, fields: dict[str, Any], t: dt.datetime
) -> SurveyRow:
    """The ticket's survey with these values: a new row, or the unanswered one sent again."""
    if survey is None:
        return await repo.insert_survey(
            SurveyRow(
                id=0,
                workspace_id=ticket.workspace_id,
                ticket_id=ticket.id,
                rating=None,
                comment=None,
                rated_at=None,
                created_at=t,
                **fields,
            )
        )
    for name, value in fields.items():
        setattr(survey, name, value)
    await repo.update_survey(survey, set(fields))
    return survey


async def do_send_survey(
    session: AsyncSession, workspace_id: int, ticket_id: int, delay_minutes: int
) -> SurveyRow | None:
    """Send the survey of a ticket solved `delay_minutes` ago, through ``tell_requester`` (the chat
    it came from, and a public reply). None when there is nothing to send: surveys are off, the
    ticket is no longer solved (or was solved again since), this solve's survey went out already
    (the job ran twice), or the survey was answered."""
    t = now(session)
    settings = await queries.settings_of(session, workspace_id)
    ticket = await TicketsRepository(session, workspace_id).ticket(ticket_id, for_update=True)
    if (
        not settings.enabled
        or ticket is None
        or ticket.solved_at is None
        or not _due(ticket, delay_minutes, t)
    ):
        return None
    repo = CsatRepository(session, workspace_id)
    survey = await repo.survey_of_ticket(ticket.id, for_update=True)
    if survey is not None and (survey.solved_at == ticket.solved_at or survey.rating is not None):
        return None
    language = await _language(session, ticket)
    token = secrets.token_urlsafe(32)
    fields: dict[str, Any] = {
        "token_digest": digest(token),
        "language": language,
        "solved_at": ticket.solved_at,
        "sent_at": t,
        "sent_via": "ticket",
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "updated_at": t,
    }
    survey = await _store(repo, survey, ticket, fields, t)  # first: the link names the survey's id
    base = settings.link_base_url or str(context(session).get("public_url") or DEFAULT_BASE_URL)
    system = Actor.system(workspace_id, via="csat")
    told = await tell_requester(session, system, ticket, survey_message(language, survey.id, token, base))
    if told.via != survey.sent_via:
        survey.sent_via = told.via
        await repo.update_survey(survey, {"sent_via"})
    record_event(
        session,
        ev.SatisfactionSurveySent(
            workspace_id=workspace_id,
            occurred_at=t,
            actor=system.ref,
            ticket_id=ticket.id,
            survey_id=survey.id,
            sent_via=told.via,
            language=language,
        ),
    )
    return survey


async def do_rate_survey(session: AsyncSession, survey_id: int, token: str, data: RatingIn) -> SurveyRow:
    """The customer's rating (and comment) on their survey's link: recorded, or changed. The ticket
    gets a timeline line and ``ticket.satisfaction_rated`` is published; the same rating and comment
    sent again change nothing."""
    t = now(session)
    survey = await queries.get_open_survey(session, survey_id, token, t, for_update=True)
    if survey.rating == data.rating and survey.comment == data.comment:
        return survey
    ticket = await TicketsRepository(session, survey.workspace_id).ticket(survey.ticket_id, for_update=True)
    if ticket is None:  # deleted since (its survey goes with it; a race at most)
        raise NotFound(N_("This survey link is not valid. Please use the link from your message."))
    previous = survey.rating
    survey.rating, survey.comment, survey.rated_at, survey.updated_at = data.rating, data.comment, t, t
    await CsatRepository(session, survey.workspace_id).update_survey(
        survey, {"rating", "comment", "rated_at", "updated_at"}
    )
    customer = Actor(kind="customer", workspace_id=survey.workspace_id, id=ticket.requester_id, via="csat")
    await TicketsRepository(session, survey.workspace_id).add_timeline(
        [
            {
                "ticket_id": ticket.id,
                "actor": customer.ref,
                "via": customer.via,
                "kind": "satisfaction",
                "field": "rating",
                "old": previous,
                "new": data.rating,
                "comment_id": None,
                "created_at": t,
            }
        ]
    )
    record_event(
        session,
        ev.SatisfactionRated(
            workspace_id=survey.workspace_id,
            occurred_at=t,
            actor=customer.ref,
            ticket_id=ticket.id,
            survey_id=survey.id,
            rating=data.rating,
            previous_rating=previous,
            comment=data.comment,
            assignee_id=survey.assignee_id,
            team_id=survey.team_id,
        ),
    )
    await react(session, ticket)  # rules on ratings: a bad one reopens, tells the team …
    return survey
