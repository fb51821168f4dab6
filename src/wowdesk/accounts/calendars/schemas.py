"""What the calendars take and give."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from wowdesk.core.schemas import StrictModel

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# A day's hours: ["09:00-12:00", "13:00-18:00"], or the same as one string with commas.
DayHoursIn = list[str] | str

MAX_HOLIDAYS = 2000  # per calendar: a decade of any country's public holidays
MAX_INTERVALS_PER_DAY = 24


class HolidayIn(StrictModel):
    date: str = Field(min_length=3, max_length=10, description="YYYY-MM-DD for one day, MM-DD for every year")
    name: str = Field(default="", max_length=200)
    since: int | None = Field(
        default=None, ge=1900, le=9999, description="A yearly holiday counts from this year on"
    )


class HolidayOut(BaseModel):
    date: str
    name: str
    since: int | None = None


class CalendarCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    time_zone: str = Field(min_length=1, max_length=64, description="An IANA name such as Asia/Taipei")
    weekly: dict[Weekday, DayHoursIn] = Field(
        default_factory=dict, description='Opening hours per weekday, e.g. {"mon": ["09:00-18:00"]}'
    )
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=MAX_HOLIDAYS)
    is_default: bool = False


class CalendarUpdate(StrictModel):
    """PATCH: only the fields given change; ``weekly`` and ``holidays`` replace the whole value."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    weekly: dict[Weekday, DayHoursIn] | None = None
    holidays: list[HolidayIn] | None = Field(default=None, max_length=MAX_HOLIDAYS)
    is_default: bool | None = None


class CalendarOut(BaseModel):
    id: int
    name: str
    time_zone: str
    weekly: dict[str, list[str]]
    holidays: list[HolidayOut]
    is_default: bool
    hours_per_week: float
    created_at: dt.datetime
    updated_at: dt.datetime


class HolidayImportOut(BaseModel):
    added: int = Field(description="Holidays the file added")
    already_there: int = Field(description="Holidays of the file the calendar had already")
    calendar: CalendarOut


class OpeningOut(BaseModel):
    at: dt.datetime
    open: bool
    next_open: dt.datetime | None = Field(description="When it opens next if closed (None: never)")
    holiday: str | None = Field(description="The holiday that closes the day, if any")
    time_zone: str
