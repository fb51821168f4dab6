"""Reports in the console (for those who may read them): customer satisfaction — surveys sent,
answered, good and bad, score and response rate in a period, per agent, team or day, the latest
answers — and the survey settings (for those who manage automations)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE, REPORTS_READ
from wowdesk.core.errors import Forbidden, InvalidInput
from wowdesk.core.i18n import _
from wowdesk.core.uow import now
from wowdesk.http.deps import SessionDep
from wowdesk.tickets.csat import actions, queries
from wowdesk.tickets.csat.schemas import MAX_DELAY_MINUTES, CsatSettingsIn, GroupBy
from wowdesk.web.console import Console, ConsoleRoute, done, needs, page
from wowdesk.web.forms import FormLike, checked, parse, text
from wowdesk.web.routes.admin.common import or_again
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

CanReport = Annotated[Console, Depends(needs(REPORTS_READ))]
GROUPS: tuple[str, ...] = get_args(GroupBy)
LATEST = 20  # answers shown under the figures


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _period_fields(start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    """The form's dates: the first day and the last day included (UTC)."""
    return {"from": start.date().isoformat(), "to": (end - dt.timedelta(microseconds=1)).date().isoformat()}


async def _report_page(
    session: AsyncSession,
    c: Console,
    params: FormLike,
    *,
    settings_values: dict[str, Any] | None = None,
    settings_error: str | None = None,
    status: int = 200,
) -> Response:
    group = text(params, "group_by") or "agent"
    group = group if group in GROUPS else "none"
    error = None
    try:
        start, end = queries.period(text(params, "from") or None, text(params, "to") or None, now(session))
        report = await queries.report(session, c.actor, start, end, group)  # type: ignore[arg-type]
    except InvalidInput as exc:
        error = exc.localized(None)
        start, end = queries.period(None, None, now(session))
        report = await queries.report(session, c.actor, start, end, group)  # type: ignore[arg-type]
    responses = await queries.list_responses(
        session, c.actor, queries.ResponseFilter(since=start, until=end), limit=LATEST
    )
    agents = await accounts.agent_names(
        session, c.actor.workspace_id, {r.assignee_id for r in responses.items}
    )
    settings = await queries.settings_of(session, c.actor.workspace_id)
    context = {
        "report": report,
        "percent": _percent,
        "group": group,
        "groups": GROUPS,
        "period": _period_fields(start, end),
        "error": error,
        "responses": responses.items,
        "agent_names": agents,
        "settings": settings,
        "settings_values": settings_values
        or {
            "enabled": settings.enabled,
            "delay_minutes": settings.delay_minutes,
            "link_base_url": settings.link_base_url or "",
        },
        "settings_error": settings_error,
        "may_manage": c.can(AUTOMATIONS_MANAGE),
        "max_delay": MAX_DELAY_MINUTES,
    }
    return page(
        c, "reports/csat.html", http_status=status, **await frame(session, c, section="reports", **context)
    )


@router.get("/reports")
async def reports_home(c: CanReport) -> Response:
    return RedirectResponse("/reports/csat", status_code=303)


@router.get("/reports/csat")
async def csat_report(request: Request, c: CanReport, session: SessionDep) -> Response:
    return await _report_page(session, c, request.query_params)


def _typed(form: FormLike) -> dict[str, Any]:
    return {
        "enabled": checked(form, "enabled"),
        "delay_minutes": text(form, "delay_minutes"),
        "link_base_url": text(form, "link_base_url"),
    }


@router.post("/reports/csat/settings")
async def save_settings(request: Request, c: CanReport, session: SessionDep) -> Response:
    if not c.can(AUTOMATIONS_MANAGE):
        raise Forbidden()
    form = await request.form()

    async def act() -> Response:
        typed = _typed(form)
        data = parse(CsatSettingsIn, {**typed, "link_base_url": typed["link_base_url"] or None})
        await actions.do_update_settings(session, c.actor, data, saved_from=str(request.base_url))
        return done(request, "/reports/csat", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _report_page(
            session,
            c,
            request.query_params,
            settings_values=_typed(form),
            settings_error=error,
            status=status,
        )

    return await or_again(request, act, again)
