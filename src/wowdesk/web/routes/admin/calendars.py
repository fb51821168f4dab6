"""Business-hour calendars in the console (admins): weekly hours in a time zone, holidays typed
one per line or imported from an iCalendar (.ics) file, which calendar is the default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from wowdesk.accounts.calendars import actions, queries
from wowdesk.accounts.calendars.queries import CalendarRow
from wowdesk.accounts.calendars.schemas import MAX_HOLIDAYS, CalendarCreate, CalendarUpdate
from wowdesk.accounts.permissions import CALENDARS_MANAGE
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.web.console import Console, ConsoleRoute, done, needs
from wowdesk.web.forms import FormLike, checked, parse, text
from wowdesk.web.labels import WEEKDAYS as WEEKDAY_WORDS
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import admin_page, or_again
from wowdesk.web.routes.settings import time_zones

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanManageCalendars = Annotated[Console, Depends(needs(CALENDARS_MANAGE))]

WEEKDAYS = tuple(WEEKDAY_WORDS)  # mon … sun
MAX_DAY_TEXT = 300
MAX_ICS_BYTES = 512 * 1024


def _holidays_text(holidays: list[dict[str, Any]]) -> str:
    return "\n".join(f"{h['date']} {h.get('name') or ''}".rstrip() for h in holidays)


def _holidays_from(value: str) -> list[dict[str, Any]]:
    """One holiday a line: a date (2026-10-10, or 10-10 for every year), then its name."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > MAX_HOLIDAYS:
        raise InvalidInput(N_("A calendar holds at most {max} holidays."), max=MAX_HOLIDAYS)
    out = []
    for line in lines:
        when, _sep, name = line.partition(" ")
        out.append({"date": when, "name": name.strip()[:200]})
    return out


def _values(row: CalendarRow | None, default_zone: str) -> dict[str, Any]:
    if row is None:
        return {
            "name": "",
            "time_zone": default_zone,
            "days": {d: {"open": d not in ("sat", "sun"), "ranges": "09:00-18:00"} for d in WEEKDAYS},
            "holidays": "",
            "is_default": False,
        }
    return {
        "name": row.name,
        "time_zone": row.time_zone,
        "days": {
            d: {"open": bool(row.weekly.get(d)), "ranges": ", ".join(row.weekly.get(d, []))} for d in WEEKDAYS
        },
        "holidays": _holidays_text(row.holidays),
        "is_default": row.is_default,
    }


def _typed(form: FormLike) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "time_zone": text(form, "time_zone"),
        "days": {
            d: {"open": checked(form, f"open_{d}"), "ranges": text(form, f"hours_{d}")} for d in WEEKDAYS
        },
        "holidays": text(form, "holidays"),
        "is_default": checked(form, "is_default"),
    }


def _data(values: dict[str, Any]) -> dict[str, Any]:
    """The form as the input schema takes it; a day ticked open with no hours is named."""
    weekly: dict[str, str] = {}
    for day in WEEKDAYS:
        typed = values["days"][day]
        if not typed["open"]:
            continue
        words = label(WEEKDAY_WORDS, day)
        if not typed["ranges"]:
            raise InvalidInput(
                N_("{day}: give the opening hours, such as 09:00-18:00, or mark the day closed."), day=words
            )
        if len(typed["ranges"]) > MAX_DAY_TEXT:
            raise InvalidInput(N_("{day}: at most {max} characters."), day=words, max=MAX_DAY_TEXT)
        weekly[day] = typed["ranges"]
    return {
        "name": values["name"],
        "time_zone": values["time_zone"],
        "weekly": weekly,
        "holidays": _holidays_from(values["holidays"]),
        "is_default": values["is_default"],
    }


async def _page(
    session: AsyncSession,
    c: Console,
    template: str,
    *,
    item: CalendarRow | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = await queries.list_calendars(session, c.actor) if item is None else []
    return await admin_page(
        session,
        c,
        template,
        "calendars",
        status=status,
        calendars=[queries.calendar_out(r) for r in rows],
        item=queries.calendar_out(item) if item is not None else None,
        values=values or _values(item, c.workspace.time_zone),
        weekdays=WEEKDAYS,
        time_zones=time_zones(),
        error=error,
    )


@router.get("/admin/calendars")
async def index(c: CanManageCalendars, session: SessionDep) -> Response:
    return await _page(session, c, "admin/calendars.html")


@router.post("/admin/calendars")
async def create(request: Request, c: CanManageCalendars, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        data = parse(CalendarCreate, _data(_typed(form)))
        row = await actions.do_create_calendar(session, c.actor, data)
        return done(
            request, f"/admin/calendars/{row.id}", message=_("The calendar {name} is saved.", name=row.name)
        )

    async def again(error: str, status: int) -> Response:
        return await _page(
            session, c, "admin/calendars.html", values=_typed(form), error=error, status=status
        )

    return await or_again(request, act, again)


@router.get("/admin/calendars/{calendar_id}")
async def show(calendar_id: IdPath, c: CanManageCalendars, session: SessionDep) -> Response:
    return await _page(
        session, c, "admin/calendar.html", item=await queries.get_calendar(session, c.actor, calendar_id)
    )


@router.post("/admin/calendars/{calendar_id}")
async def update(
    calendar_id: IdPath, request: Request, c: CanManageCalendars, session: SessionDep
) -> Response:
    form = await request.form()
    row = await queries.get_calendar(session, c.actor, calendar_id)

    async def act() -> Response:
        await actions.do_update_calendar(session, c.actor, row, parse(CalendarUpdate, _data(_typed(form))))
        return done(request, f"/admin/calendars/{calendar_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _page(
            session, c, "admin/calendar.html", item=row, values=_typed(form), error=error, status=status
        )

    return await or_again(request, act, again)


@router.post("/admin/calendars/{calendar_id}/import")
async def import_holidays(
    calendar_id: IdPath, request: Request, c: CanManageCalendars, session: SessionDep
) -> Response:
    form = await request.form()
    row = await queries.get_calendar(session, c.actor, calendar_id)

    async def act() -> Response:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput(N_("Choose an iCalendar (.ics) file to import."))
        data = await upload.read(MAX_ICS_BYTES + 1)
        if len(data) > MAX_ICS_BYTES:
            raise InvalidInput(N_("The iCalendar file is larger than {kb} KB."), kb=MAX_ICS_BYTES // 1024)
        added, already = await actions.do_import_holidays(session, c.actor, row, data)
        message = _("{added} holidays added ({already} were there already).", added=added, already=already)
        return done(request, f"/admin/calendars/{calendar_id}", message=message)

    async def again(error: str, status: int) -> Response:
        return await _page(session, c, "admin/calendar.html", item=row, error=error, status=status)

    return await or_again(request, act, again)


@router.post("/admin/calendars/{calendar_id}/delete")
async def delete(
    calendar_id: IdPath, request: Request, c: CanManageCalendars, session: SessionDep
) -> Response:
    row = await queries.get_calendar(session, c.actor, calendar_id)

    async def act() -> Response:
        await actions.do_delete_calendar(session, c.actor, row)
        return done(request, "/admin/calendars", message=_("The calendar {name} is deleted.", name=row.name))

    async def again(error: str, status: int) -> Response:
        return await _page(session, c, "admin/calendar.html", item=row, error=error, status=status)

    return await or_again(request, act, again)
