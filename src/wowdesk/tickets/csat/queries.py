"""Reads of satisfaction surveys: the workspace's settings, a survey by its link's token or by its
ticket, the answered ones (a list with filters), and the report figures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import REPORTS_READ, TICKETS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_, translate
from wowdesk.core.pagination import Page, decode_after, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.security import constant_time_equals, digest
from wowdesk.tickets.csat.models import SettingsRow, SurveyRow, Tally
from wowdesk.tickets.csat.repository import CsatRepository, ResponseFilter, survey_by_id
from wowdesk.tickets.csat.schemas import (
    DEFAULT_DELAY_MINUTES,
    DEFAULT_ENABLED,
    SURVEY_DAYS,
    CsatSettingsOut,
    GroupBy,
    PublicSurveyOut,
    ReportFigures,
    ReportOut,
    ResponseOut,
    SurveyOut,
)
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.repository import TicketsRepository
from wowdesk.tickets.schemas import TimelineEntry

__all__ = ["ResponseFilter"]  # the filter callers build for list_responses

QUESTION = N_("How would you rate the help you received?")
FOOTER = N_("Your feedback helps us serve you better.")
MAX_TOKEN = 100  # a token is 43 characters; anything much longer is not one
MAX_DAYS_BY_DAY = 366  # a report per day covers at most a year


# -- settings -----------------------------------------------------------------------------------------------


def _settings_out(row: SettingsRow | None) -> CsatSettingsOut:
    if row is None:
        return CsatSettingsOut(
            enabled=DEFAULT_ENABLED, delay_minutes=DEFAULT_DELAY_MINUTES, link_base_url=None, updated_at=None
        )
    return CsatSettingsOut(
        enabled=row.enabled,
        delay_minutes=row.delay_minutes,
        link_base_url=row.link_base_url,
        updated_at=row.updated_at,
    )


async def settings_of(session: AsyncSession, workspace_id: int) -> CsatSettingsOut:
    """The workspace's survey settings (the defaults when it never saved any)."""
    return _settings_out(await CsatRepository(session, workspace_id).settings())


async def get_settings(session: AsyncSession, actor: Actor) -> CsatSettingsOut:
    actor.require(REPORTS_READ)
    return await settings_of(session, actor.workspace_id)


# -- one survey ---------------------------------------------------------------------------------------------


def expires_at(survey: SurveyRow) -> dt.datetime:
    return survey.sent_at + dt.timedelta(days=SURVEY_DAYS)


def is_open(survey: SurveyRow, at: dt.datetime) -> bool:
    """Whether the survey still takes (or changes) a rating."""
    return at < expires_at(survey)


async def find_survey_by_token(
    session: AsyncSession, survey_id: int, token: str, *, for_update: bool = False
) -> SurveyRow | None:
    """The survey a link opens — its id and its token (in any workspace: the link is the customer's
    credential) — or None for anything else. Only the token's digest is stored; it is compared in
    constant time."""
    if not 1 <= survey_id <= MAX_DB_ID or not token or len(token) > MAX_TOKEN or not token.isascii():
        return None
    survey = await survey_by_id(session, survey_id, for_update=for_update)
    if survey is None or not constant_time_equals(survey.token_digest, digest(token)):
        return None
    return survey


async def get_open_survey(
    session: AsyncSession, survey_id: int, token: str, at: dt.datetime, *, for_update: bool = False
) -> SurveyRow:
    """The survey of a link that still takes a rating; 404 for an unknown or expired link."""
    survey = await find_survey_by_token(session, survey_id, token, for_update=for_update)
    if survey is None:
        raise NotFound(N_("This survey link is not valid. Please use the link from your message."))
    if not is_open(survey, at):
        raise NotFound(N_("This survey has closed. Thank you all the same."))
    return survey


async def ticket_number(session: AsyncSession, survey: SurveyRow) -> int:
    ticket = await TicketsRepository(session, survey.workspace_id).ticket(survey.ticket_id)
    return ticket.number if ticket else 0


def public_out(survey: SurveyRow, number: int) -> PublicSurveyOut:
    return PublicSurveyOut(
        language=survey.language,
        question=translate(QUESTION, survey.language),
        footer=translate(FOOTER, survey.language),
        ticket_number=number,
        rating=survey.rating,
        comment=survey.comment,
        rated_at=survey.rated_at,
        expires_at=expires_at(survey),
    )


def survey_out(survey: SurveyRow) -> SurveyOut:
    return SurveyOut(
        id=survey.id,
        ticket_id=survey.ticket_id,
        language=survey.language,
        sent_at=survey.sent_at,
        sent_via=survey.sent_via,
        rating=survey.rating,
        comment=survey.comment,
        rated_at=survey.rated_at,
        assignee_id=survey.assignee_id,
        team_id=survey.team_id,
        expires_at=expires_at(survey),
    )


async def find_survey_of_ticket(session: AsyncSession, actor: Actor, ticket_id: int) -> SurveyOut | None:
    """The survey of a ticket of the actor's workspace, or None when none was sent."""
    actor.require(TICKETS_READ)
    survey = await CsatRepository(session, actor.workspace_id).survey_of_ticket(ticket_id)
    return survey_out(survey) if survey is not None else None


def may_have_survey(ticket: TicketRow, entries: list[TimelineEntry]) -> bool:
    """Whether a ticket page has a survey to show, judged without a query: a solved or closed ticket
    may have one; a reopened ticket has the survey's message (a public reply by the system) or a
    rating line among its latest timeline entries. A ticket that was never solved — most open
    ones — costs the page no statement."""
    if ticket.status in ("solved", "closed"):
        return True
    return any(
        e.kind == "satisfaction"
        or (e.comment is not None and e.comment.public and e.comment.author == "system")
        for e in entries
    )


async def survey_for_page(
    session: AsyncSession, actor: Actor, ticket: TicketRow, entries: list[TimelineEntry]
) -> SurveyOut | None:
    """The survey for the console's ticket page (``entries``: the timeline lines it shows)."""
    if not may_have_survey(ticket, entries):
        return None
    return await find_survey_of_ticket(session, actor, ticket.id)


async def get_survey_of_ticket(session: AsyncSession, actor: Actor, ticket_id: int) -> SurveyOut:
    survey = await find_survey_of_ticket(session, actor, ticket_id)
    if survey is None:
        raise NotFound(N_("No satisfaction survey has been sent for this ticket."))
    return survey


# -- responses and reports ----------------------------------------------------------------------------------


async def list_responses(
    session: AsyncSession, actor: Actor, f: ResponseFilter, *, cursor: str | None = None, limit: int = 25
) -> Page[ResponseOut]:
    """Answered surveys, latest answer first (keyset pages)."""
    actor.require(REPORTS_READ)
    rows = await CsatRepository(session, actor.workspace_id).responses(
        f, after=decode_after(cursor), limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        ResponseOut(
            id=r.id,
            ticket_id=r.ticket_id,
            ticket_number=r.number,
            ticket_subject=r.subject,
            rating=r.rating,
            comment=r.comment,
            rated_at=r.rated_at or r.sent_at,
            sent_at=r.sent_at,
            sent_via=r.sent_via,
            language=r.language,
            assignee_id=r.assignee_id,
            team_id=r.team_id,
        )
        for r in rows
    ]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor({"at": last.rated_at.isoformat(), "id": last.id})
        if more and last is not None and last.rated_at is not None
        else None
    )
    return Page(items=items, next_cursor=next_cursor)


def figures(t: Tally, name: str | None = None) -> ReportFigures:
    return ReportFigures(
        key=t.key,
        name=name,
        sent=t.sent,
        answered=t.answered,
        good=t.good,
        bad=t.bad,
        score=t.good / t.answered if t.answered else None,
        response_rate=t.answered / t.sent if t.sent else None,
    )


async def _names(session: AsyncSession, actor: Actor, group_by: str, keys: set[int]) -> dict[int, str]:
    if group_by == "agent":
        return await accounts.agent_names(session, actor.workspace_id, set[int | None](keys))
    if group_by == "team":
        return {t.id: t.name for t, _members in await accounts.list_teams(session, actor) if t.id in keys}
    return {}


async def report(
    session: AsyncSession, actor: Actor, since: dt.datetime, until: dt.datetime, group_by: GroupBy
) -> ReportOut:
    """Surveys sent in [since, until) — how many, answered, good, bad, score (good / answered) and
    response rate (answered / sent) — in all and per agent, team or UTC day."""
    actor.require(REPORTS_READ)
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput(N_("Give from and to with a time zone (or as dates, taken as UTC)."))
    if until <= since:
        raise InvalidInput(N_("The end of the period must come after its start."))
    if group_by == "day" and until - since > dt.timedelta(days=MAX_DAYS_BY_DAY):
        raise InvalidInput(N_("A report by day covers at most {days} days."), days=MAX_DAYS_BY_DAY)
    repo = CsatRepository(session, actor.workspace_id)
    totals = (await repo.tallies("none", since, until))[0]
    groups = await repo.tallies(group_by, since, until) if group_by != "none" else []
    names = await _names(session, actor, group_by, {g.key for g in groups if isinstance(g.key, int)})
    return ReportOut(
        from_=since,
        to=until,
        group_by=group_by,
        totals=figures(totals),
        groups=[figures(g, names.get(g.key) if isinstance(g.key, int) else None) for g in groups],
    )


DEFAULT_PERIOD_DAYS = 30


def moment(value: str, *, end_of_day: bool) -> dt.datetime:
    """A date (its start, or with `end_of_day` the start of the next day: UTC) or an ISO 8601 moment
    (without a zone: UTC)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end_of_day else start
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            N_("{value} is not a date (2026-03-01) or a date and time (2026-03-01T08:00:00+08:00)."),
            value=text[:40],
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def period(since: str | None, until: str | None, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A report's period [start, end) from ``from`` and ``to`` as given: dates (UTC days, ``to``'s
    day included) or moments (``to`` excluded); by default the last 30 days up to `at`."""
    end = moment(until, end_of_day=True) if until else at
    start = moment(since, end_of_day=False) if since else end - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    if end <= start:
        raise InvalidInput(N_("The end of the period must come after its start."))
    return start, end
