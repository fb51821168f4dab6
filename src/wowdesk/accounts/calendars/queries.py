"""Reads of calendars: for people (permission checked, shaped for the API) and for other domains
(``business_calendar``: the arithmetic object of a stored calendar, cached while it is unchanged)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.business_time import Calendar, Holiday, NoBusinessHours, WeeklySchedule
from wowdesk.accounts.calendars.models import CalendarRow
from wowdesk.accounts.calendars.repository import MAX_CALENDARS, CalendarsRepository
from wowdesk.accounts.calendars.schemas import CalendarOut, HolidayOut, OpeningOut
from wowdesk.accounts.permissions import AGENTS_READ
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_

__all__ = ["MAX_CALENDARS", "CalendarRow"]

ALWAYS_OPEN = Calendar("UTC", WeeklySchedule.always_open())  # the clock of a policy without a calendar
_CACHE_SIZE = 256
# (calendar id, updated_at) → its Calendar: every change moves updated_at, so an entry is never stale,
# and a Calendar keeps the days it has worked out (ticket writes reuse them).
_built: dict[tuple[int, dt.datetime], Calendar] = {}


def holidays_of(stored: list[dict[str, Any]]) -> list[Holiday]:
    out = []
    for h in stored:
        holiday = Holiday.parse(str(h["date"]), str(h.get("name") or ""))
        if holiday.year is None and h.get("since"):
            holiday = Holiday.yearly(holiday.month, holiday.day, holiday.name, since=int(h["since"]))
        out.append(holiday)
    return out


def build_calendar(row: CalendarRow) -> Calendar:
    """The arithmetic object of a stored calendar (cached by id and version)."""
    key = (row.id, row.updated_at)
    found = _built.get(key)
    if found is None:
        found = Calendar(row.time_zone, WeeklySchedule(row.weekly), holidays_of(row.holidays))
        if len(_built) >= _CACHE_SIZE:
            _built.clear()
        _built[key] = found
    return found


async def business_calendar(session: AsyncSession, workspace_id: int, calendar_id: int | None) -> Calendar:
    """The calendar a business-time clock runs on: the stored one, or around the clock for None
    (and for a calendar that no longer exists)."""
    if calendar_id is None:
        return ALWAYS_OPEN
    row = await CalendarsRepository(session, workspace_id).calendar(calendar_id)
    return ALWAYS_OPEN if row is None else build_calendar(row)


async def find_calendar(session: AsyncSession, workspace_id: int, calendar_id: int) -> CalendarRow | None:
    return await CalendarsRepository(session, workspace_id).calendar(calendar_id)


async def get_calendar(session: AsyncSession, actor: Actor, calendar_id: int) -> CalendarRow:
    actor.require(AGENTS_READ)
    row = await CalendarsRepository(session, actor.workspace_id).calendar(calendar_id)
    if row is None:
        raise NotFound(N_("Calendar not found."))
    return row


async def list_calendars(session: AsyncSession, actor: Actor) -> list[CalendarRow]:
    """The workspace's calendars, the default first, then by name (at most MAX_CALENDARS + 1)."""
    actor.require(AGENTS_READ)
    return await CalendarsRepository(session, actor.workspace_id).calendars()


async def calendar_names(session: AsyncSession, workspace_id: int) -> dict[int, str]:
    return {r.id: r.name for r in await CalendarsRepository(session, workspace_id).calendars()}


def calendar_out(row: CalendarRow) -> CalendarOut:
    weekly = WeeklySchedule(row.weekly)
    return CalendarOut(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        weekly=weekly.as_dict(),
        holidays=[
            HolidayOut(date=h["date"], name=h.get("name") or "", since=h.get("since")) for h in row.holidays
        ],
        is_default=row.is_default,
        hours_per_week=round(weekly.minutes_per_week / 60, 2),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def opening(row: CalendarRow, at: dt.datetime) -> OpeningOut:
    """Whether the calendar is open at `at`, when it opens next if not, and the holiday if that is why."""
    calendar = build_calendar(row)
    at = at.astimezone(dt.UTC)
    is_open = calendar.is_open(at)
    next_open = None
    if not is_open:
        try:
            next_open = calendar.next_open(at)
        except NoBusinessHours:
            next_open = None
    local_day = at.astimezone(zoneinfo.ZoneInfo(row.time_zone)).date()
    holiday = calendar.holiday_on(local_day) if not is_open else None
    return OpeningOut(
        at=at,
        open=is_open,
        next_open=next_open,
        holiday=holiday.name if holiday is not None else None,
        time_zone=row.time_zone,
    )
