"""Writes of calendars (admins: ``calendars.manage``). Every calendar is checked by building it
with the business-time engine first, so a bad time zone, hours that overlap or a date that does
not exist is a 422 and nothing is written.

Deleting: other domains that point at calendars (SLA policies) say whether one is in use. The
composition root lists their checks in the unit of work's context under ``IN_USE_CHECKS``; each
is ``async check(session, workspace_id, calendar_id)`` and raises ``Conflict`` naming the user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.business_time import Calendar, Holiday, WeeklySchedule, holidays_from_ics
from wowdesk.accounts.calendars.models import CalendarRow
from wowdesk.accounts.calendars.queries import holidays_of
from wowdesk.accounts.calendars.repository import MAX_CALENDARS, CalendarsRepository
from wowdesk.accounts.calendars.schemas import (
    MAX_HOLIDAYS,
    MAX_INTERVALS_PER_DAY,
    CalendarCreate,
    CalendarUpdate,
    DayHoursIn,
    HolidayIn,
)
from wowdesk.accounts.permissions import CALENDARS_MANAGE
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import context, now

IN_USE_CHECKS = "calendars.in_use_checks"
InUseCheck = Callable[[AsyncSession, int, int], Awaitable[None]]


def _weekly(days: dict[str, DayHoursIn]) -> dict[str, list[str]]:
    """The hours as the engine reads them back: sorted, touching intervals joined."""
    for value in days.values():
        parts = value.split(",") if isinstance(value, str) else value
        if len(parts) > MAX_INTERVALS_PER_DAY:
            raise InvalidInput(N_("At most {max} opening intervals a day."), max=MAX_INTERVALS_PER_DAY)
    return WeeklySchedule(dict(days)).as_dict()


def _holiday_key(h: Holiday) -> str:
    when = f"{h.month:02d}-{h.day:02d}"
    return f"{h.year:04d}-{when}" if h.year is not None else when


def _stored(h: Holiday) -> dict[str, Any]:
    out: dict[str, Any] = {"date": _holiday_key(h), "name": h.name}
    if h.since is not None:
        out["since"] = h.since
    return out


def _holidays(items: Iterable[Holiday]) -> list[dict[str, Any]]:
    """One holiday per date (the first named wins), one-off dates first, each kind in date order."""
    by_date: dict[str, Holiday] = {}
    for h in items:
        by_date.setdefault(_holiday_key(h), h)
    if len(by_date) > MAX_HOLIDAYS:
        raise InvalidInput(N_("A calendar holds at most {max} holidays."), max=MAX_HOLIDAYS)
    ordered = sorted(by_date.values(), key=lambda h: (h.year is None, _holiday_key(h)))
    return [_stored(h) for h in ordered]


def _parse_holidays(items: list[HolidayIn]) -> list[Holiday]:
    out = []
    for item in items:
        h = Holiday.parse(item.date, item.name)
        if item.since is not None:
            if h.year is not None:
                raise InvalidInput(N_("Only a yearly holiday (MM-DD) counts from a year on."))
            h = Holiday.yearly(h.month, h.day, h.name, since=item.since)
        out.append(h)
    return out


def _check(time_zone: str, weekly: dict[str, list[str]], holidays: list[dict[str, Any]]) -> None:
    """Refuse what the engine would refuse (unknown zone, bad hours or dates) before writing, and
    a calendar that never opens (no deadline could ever be counted on it)."""
    schedule = WeeklySchedule(weekly)
    Calendar(time_zone, schedule, holidays_of(holidays))
    if not schedule.minutes_per_week:
        raise InvalidInput(N_("A calendar needs opening hours on at least one day."))


async def _unique_name(repo: CalendarsRepository, name: str, own_id: int | None) -> None:
    found = await repo.by_name(name)
    if found is not None and found.id != own_id:
        raise Conflict(N_("A calendar named {name} exists already."), name=name)


async def do_create_calendar(session: AsyncSession, actor: Actor, data: CalendarCreate) -> CalendarRow:
    actor.require(CALENDARS_MANAGE)
    weekly = _weekly({str(k): v for k, v in data.weekly.items()})
    holidays = _holidays(_parse_holidays(data.holidays))
    _check(data.time_zone, weekly, holidays)
    repo = CalendarsRepository(session, actor.workspace_id)
    await _unique_name(repo, data.name, None)
    existing = await repo.calendars()
    if len(existing) >= MAX_CALENDARS:
        raise Conflict(N_("A workspace has at most {max} calendars."), max=MAX_CALENDARS)
    t = now(session)
    row = await repo.insert(
        CalendarRow(
            id=0,
            workspace_id=actor.workspace_id,
            name=data.name,
            time_zone=data.time_zone,
            weekly=weekly,
            holidays=holidays,
            is_default=data.is_default or not existing,  # the first calendar is the default
            created_at=t,
            updated_at=t,
        )
    )
    if row.is_default:
        await repo.clear_default(row.id)
    return row


async def do_update_calendar(
    session: AsyncSession, actor: Actor, row: CalendarRow, data: CalendarUpdate
) -> CalendarRow:
    actor.require(CALENDARS_MANAGE)
    fields = data.model_fields_set
    columns: set[str] = set()
    repo = CalendarsRepository(session, actor.workspace_id)
    if "name" in fields and data.name is not None and data.name != row.name:
        await _unique_name(repo, data.name, row.id)
        row.name = data.name
        columns.add("name")
    if "time_zone" in fields and data.time_zone is not None:
        row.time_zone = data.time_zone
        columns.add("time_zone")
    if "weekly" in fields and data.weekly is not None:
        row.weekly = _weekly({str(k): v for k, v in data.weekly.items()})
        columns.add("weekly")
    if "holidays" in fields and data.holidays is not None:
        row.holidays = _holidays(_parse_holidays(data.holidays))
        columns.add("holidays")
    _check(row.time_zone, row.weekly, row.holidays)
    if "is_default" in fields and data.is_default is not None and data.is_default != row.is_default:
        row.is_default = data.is_default
        columns.add("is_default")
    row.updated_at = now(session)
    await repo.update(row, columns | {"updated_at"})
    if row.is_default:
        await repo.clear_default(row.id)
    return row


async def do_import_holidays(
    session: AsyncSession, actor: Actor, row: CalendarRow, ics: bytes | str
) -> tuple[int, int]:
    """Add the all-day events of an iCalendar file as holidays; (added, already there). A file the
    engine cannot read is a 422 naming the event, and nothing is added."""
    actor.require(CALENDARS_MANAGE)
    found = holidays_from_ics(ics)
    have = {h["date"] for h in row.holidays}
    fresh = [h for h in found if _holiday_key(h) not in have]
    added = len({_holiday_key(h) for h in fresh})
    row.holidays = _holidays([*holidays_of(row.holidays), *fresh])
    row.updated_at = now(session)
    await CalendarsRepository(session, actor.workspace_id).update(row, {"holidays", "updated_at"})
    return added, len(found) - len(fresh)


async def do_delete_calendar(session: AsyncSession, actor: Actor, row: CalendarRow) -> None:
    actor.require(CALENDARS_MANAGE)
    checks: list[InUseCheck] = context(session).get(IN_USE_CHECKS, [])
    for check in checks:
        await check(session, actor.workspace_id, row.id)
    await CalendarsRepository(session, actor.workspace_id).delete(row)
