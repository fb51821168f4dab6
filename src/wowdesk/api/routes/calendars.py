"""Business-hour calendars over the API: every agent may read them, admins manage them (and import
holidays from an iCalendar file)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from starlette.datastructures import UploadFile

from wowdesk.accounts.calendars import actions, queries
from wowdesk.accounts.calendars.schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarUpdate,
    HolidayImportOut,
    OpeningOut,
)
from wowdesk.api.idempotency import create_once
from wowdesk.api.responses import JSON, model_response
from wowdesk.core.errors import InvalidInput, UnsupportedMediaType
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now
from wowdesk.http.deps import ActorDep, IdPath, SessionDep
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/calendars", tags=["calendars"], route_class=StandardJSONRoute)
_LIST = TypeAdapter(list[CalendarOut])
ICS_TYPES = ("text/calendar", "application/octet-stream", "text/plain")


@router.get("", response_model=list[CalendarOut], summary="The workspace's calendars, the default first")
async def list_calendars(session: SessionDep, actor: ActorDep) -> Response:
    rows = await queries.list_calendars(session, actor)
    return Response(_LIST.dump_json([queries.calendar_out(r) for r in rows]), media_type=JSON)


@router.post("", response_model=CalendarOut, status_code=201, summary="Create a calendar (admins)")
async def create_calendar(
    data: CalendarCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> CalendarOut:
        return queries.calendar_out(await actions.do_create_calendar(session, actor, data))

    return await create_once(request, session, actor, data, create)


@router.get("/{calendar_id}", response_model=CalendarOut)
async def get_calendar(calendar_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    return model_response(queries.calendar_out(await queries.get_calendar(session, actor, calendar_id)))


@router.patch(
    "/{calendar_id}",
    response_model=CalendarOut,
    summary="Rename a calendar, change its time zone, weekly hours or holidays (admins)",
)
async def update_calendar(
    calendar_id: IdPath, data: CalendarUpdate, session: SessionDep, actor: ActorDep
) -> Response:
    row = await queries.get_calendar(session, actor, calendar_id)
    return model_response(queries.calendar_out(await actions.do_update_calendar(session, actor, row, data)))


@router.delete(
    "/{calendar_id}", status_code=204, summary="Delete a calendar no SLA policy uses (admins; 409 otherwise)"
)
async def delete_calendar(calendar_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await actions.do_delete_calendar(session, actor, await queries.get_calendar(session, actor, calendar_id))
    return Response(status_code=204)


async def _ics_of(request: Request) -> bytes:
    """The iCalendar file of the request: a multipart form's `file` field, or the body itself."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput(N_("Send the iCalendar file in the form field file."))
        return await upload.read()
    if kind in ICS_TYPES:
        return await request.body()
    raise UnsupportedMediaType(N_("Send an iCalendar file: text/calendar, or a form with the field file."))


@router.post(
    "/{calendar_id}/holidays/import",
    response_model=HolidayImportOut,
    summary="Add the all-day events of an iCalendar (.ics) file as holidays (admins)",
    description="The file as a `text/calendar` body, or as the field `file` of a multipart form. "
    "An event that is not all-day or repeats in a way a holiday cannot is a 422 naming it; "
    "then nothing is added.",
)
async def import_holidays(
    calendar_id: IdPath, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    row = await queries.get_calendar(session, actor, calendar_id)
    added, already = await actions.do_import_holidays(session, actor, row, await _ics_of(request))
    return model_response(
        HolidayImportOut(added=added, already_there=already, calendar=queries.calendar_out(row))
    )


@router.get(
    "/{calendar_id}/opening",
    response_model=OpeningOut,
    summary="Is the calendar open at a moment (default: now), and if not, when does it open?",
)
async def opening(
    calendar_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    at: dt.datetime | None = Query(None, description="An ISO 8601 moment with its UTC offset"),
) -> Response:
    row = await queries.get_calendar(session, actor, calendar_id)
    if at is not None and at.tzinfo is None:
        raise InvalidInput(
            N_("The date and time {value} has no time zone; give it a UTC offset."), value=str(at)
        )
    return model_response(queries.opening(row, at or now(session)))
