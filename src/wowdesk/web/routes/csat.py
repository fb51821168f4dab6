"""The customer's satisfaction survey page, without login: ``/csat/<id>/<token>`` from the links in the
survey message. Opening a link shows the survey with the rating the customer clicked already
chosen; the big button records it (a POST). Opening a link records nothing: link scanners and
previews fetch links too (see docs/ticketing-csat.md). The link's token is the only credential; a
cross-site form post is refused as well."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import _, current_language, negotiate, set_language, translate
from wowdesk.core.uow import now
from wowdesk.http.deps import SessionDep
from wowdesk.http.routing import StandardJSONRoute
from wowdesk.tickets.csat import actions, queries
from wowdesk.tickets.csat.models import RATINGS, SurveyRow
from wowdesk.tickets.csat.schemas import MAX_COMMENT, RatingIn
from wowdesk.web.forms import text
from wowdesk.web.templates import render

router = APIRouter(include_in_schema=False, route_class=StandardJSONRoute)

HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
MAX_TOKEN = 100


def _survey_id(value: str) -> int:
    """The id part of a link (0 for anything that is not one: then no survey is found)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else 0


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = render(template, console=None, lang=current_language(), max_comment=MAX_COMMENT, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _invalid(request: Request, exc: NotFound) -> HTMLResponse:
    """An unknown or closed link: a page in the browser's language (404)."""
    set_language(negotiate(request.headers.get("accept-language")))
    return _page("csat/invalid.html", 404, message=exc.localized(None))


async def _survey_page(
    request: Request,
    session: SessionDep,
    token: str,
    survey: SurveyRow,
    *,
    chosen: str | None,
    comment: str | None,
    thanks: bool = False,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    set_language(survey.language)
    return _page(
        "csat/survey.html",
        status,
        action=f"/csat/{survey.id}/{token}",
        number=await queries.ticket_number(session, survey),
        question=translate(queries.QUESTION),
        footer=translate(queries.FOOTER),
        chosen=chosen,
        comment=comment or "",
        rated=survey.rating,
        thanks=thanks,
        error=error,
        expires_at=queries.expires_at(survey),
    )


def _cross_site(request: Request) -> bool:
    """A form posted from another site (the browser says so): never recorded."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    here = urlsplit(str(request.base_url))
    there = urlsplit(origin)
    return (there.scheme, there.netloc) != (here.scheme, here.netloc)


@router.get("/csat/{survey_id}/{token}")
async def show(survey_id: str, token: str, request: Request, session: SessionDep) -> Response:
    try:
        survey = await queries.get_open_survey(
            session, _survey_id(survey_id), token[:MAX_TOKEN], now(session)
        )
    except NotFound as exc:
        return _invalid(request, exc)
    clicked = request.query_params.get("rating")
    chosen = clicked if clicked in RATINGS else survey.rating
    return await _survey_page(request, session, token, survey, chosen=chosen, comment=survey.comment)


@router.post("/csat/{survey_id}/{token}")
async def rate(survey_id: str, token: str, request: Request, session: SessionDep) -> Response:
    try:
        survey = await queries.get_open_survey(
            session, _survey_id(survey_id), token[:MAX_TOKEN], now(session)
        )
    except NotFound as exc:
        return _invalid(request, exc)
    form = await request.form()
    rating, comment = text(form, "rating"), text(form, "comment")
    set_language(survey.language)

    async def again(message: str, status: int) -> HTMLResponse:
        chosen = rating if rating in RATINGS else None
        return await _survey_page(
            request, session, token, survey, chosen=chosen, comment=comment, error=message, status=status
        )

    if _cross_site(request):
        return await again(_("This form can only be sent from this page."), 403)
    if rating not in RATINGS:
        return await again(_("Choose Good or Bad, then send."), 422)
    if len(comment) > MAX_COMMENT:
        return await again(_("Your comment is too long: at most {max} characters.", max=MAX_COMMENT), 422)
    try:
        data = RatingIn(rating=rating, comment=comment or None)
    except ValidationError:
        return await again(_("Your comment contains characters that cannot be saved."), 422)
    try:
        survey = await actions.do_rate_survey(session, survey.id, token, data)
    except NotFound as exc:
        return _invalid(request, exc)
    return await _survey_page(
        request, session, token, survey, chosen=survey.rating, comment=survey.comment, thanks=True
    )
