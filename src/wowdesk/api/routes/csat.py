"""Satisfaction surveys over the API: the workspace's settings, the survey of a ticket, the answered
surveys, the report, and the customer's side for mobile SDKs (the link's token, no login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE, REPORTS_READ, TICKETS_READ
from wowdesk.api.responses import model_response
from wowdesk.api.schemas import PageOut
from wowdesk.core.actor import Actor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.uow import now
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.csat import actions, queries
from wowdesk.tickets.csat.schemas import (
    MAX_COMMENT,
    CsatSettingsIn,
    CsatSettingsOut,
    GroupBy,
    PublicSurveyOut,
    Rating,
    RatingIn,
    ReportOut,
    ResponseOut,
    SurveyOut,
)

router = APIRouter(prefix="/api/v1", tags=["satisfaction"], route_class=StandardJSONRoute)

CanReport = Annotated[Actor, Depends(needs(REPORTS_READ))]
CanManage = Annotated[Actor, Depends(needs(AUTOMATIONS_MANAGE))]
CanRead = Annotated[Actor, Depends(needs(TICKETS_READ))]
Token = Annotated[str, Path(min_length=1, max_length=100, description="The token of the survey's link")]
Since = Query(None, alias="from", max_length=40, description="A date (UTC day) or an ISO 8601 moment")
Until = Query(
    None, alias="to", max_length=40, description="A date (that day included) or a moment (excluded)"
)


@router.get("/csat/settings", response_model=CsatSettingsOut, summary="Survey settings of the workspace")
async def get_settings(session: SessionDep, actor: CanReport) -> Response:
    return model_response(await queries.get_settings(session, actor))


@router.put(
    "/csat/settings",
    response_model=CsatSettingsOut,
    summary="Switch surveys on or off, set their delay after the solve (admins)",
    description="Without `link_base_url` the survey links start with the address of this request.",
)
async def put_settings(
    data: CsatSettingsIn, request: Request, session: SessionDep, actor: CanManage
) -> Response:
    saved = await actions.do_update_settings(session, actor, data, saved_from=str(request.base_url))
    return model_response(saved)


@router.get(
    "/csat/responses",
    response_model=PageOut[ResponseOut],
    summary="Answered surveys, latest first: filter by rating, agent, team, when answered",
)
async def list_responses(
    session: SessionDep,
    actor: CanReport,
    rating: Rating | None = None,
    agent: int | None = Query(None, ge=1, le=MAX_DB_ID, description="The agent the ticket was solved by"),
    team: int | None = Query(None, ge=1, le=MAX_DB_ID),
    since: str | None = Since,
    until: str | None = Until,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=200),
) -> Response:
    start = queries.moment(since, end_of_day=False) if since else None
    end = queries.moment(until, end_of_day=True) if until else None
    f = queries.ResponseFilter(rating=rating, assignee_id=agent, team_id=team, since=start, until=end)
    page = await queries.list_responses(session, actor, f, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.get(
    "/reports/csat",
    response_model=ReportOut,
    summary="Satisfaction figures: surveys sent, answered, good, bad, score, response rate",
    description="Surveys sent in the period (default: the last 30 days), in all and per agent, team or "
    "UTC day. `score` is good / answered, `response_rate` answered / sent (null when dividing by 0).",
)
async def report(
    session: SessionDep,
    actor: CanReport,
    since: str | None = Since,
    until: str | None = Until,
    group_by: GroupBy = "none",
) -> Response:
    start, end = queries.period(since, until, now(session))
    return model_response(await queries.report(session, actor, start, end, group_by))


@router.get(
    "/tickets/{ticket_id}/csat", response_model=SurveyOut, summary="The satisfaction survey of a ticket"
)
async def ticket_survey(ticket_id: IdPath, session: SessionDep, actor: CanRead) -> Response:
    ticket = await ticket_queries.get_ticket(session, actor, ticket_id)
    return model_response(await queries.get_survey_of_ticket(session, actor, ticket.id))


@router.get(
    "/csat/{survey_id}/{token}",
    response_model=PublicSurveyOut,
    summary="A survey by its link: its id and token (customers, mobile SDKs: no login)",
)
async def public_survey(survey_id: IdPath, token: Token, session: SessionDep) -> Response:
    survey = await queries.get_open_survey(session, survey_id, token, now(session))
    return model_response(queries.public_out(survey, await queries.ticket_number(session, survey)))


@router.post(
    "/csat/{survey_id}/{token}",
    response_model=PublicSurveyOut,
    summary="Rate a survey good or bad, with a comment (no login: the token is the credential)",
    description="Rating again changes the rating (for 28 days). "
    f"The comment is at most {MAX_COMMENT} characters.",
)
async def rate(survey_id: IdPath, token: Token, data: RatingIn, session: SessionDep) -> Response:
    survey = await actions.do_rate_survey(session, survey_id, token, data)
    return model_response(queries.public_out(survey, await queries.ticket_number(session, survey)))
