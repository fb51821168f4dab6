"""The parts of a business-hours calendar: opening intervals, the weekly schedule, holidays.

Times are local wall-clock times, kept as whole minutes after local midnight (0 … 1440, where 1440
is 24:00, the end of the day). An interval never crosses midnight: 22:00-02:00 is written as
22:00-24:00 on one day and 00:00-02:00 on the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, time

from wowdesk.accounts.business_time.errors import BusinessTimeError
from wowdesk.core.i18n import N_

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_minute(value: str | time, *, end: bool) -> int:
    """Minutes after midnight of "HH:MM" (or a ``time``); 24:00 (or ``time(0)`` as an end) is 1440."""
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise BusinessTimeError(
                N_("Opening hours must be on the minute (got {value})."), value=str(value)
            )
        minute = value.hour * 60 + value.minute
        return MINUTES_PER_DAY if end and minute == 0 else minute
    match = _TIME_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise BusinessTimeError(
            N_(
                "{value} is not a valid time here; use HH:MM from 00:00 to 23:59, "
                "or 24:00 as the end of a day."
            ),
            value=str(value),
        )
    hours, minutes = int(match[1]), int(match[2])
    seconds = int(match[3] or 0)
    if hours > 24 or minutes > 59 or seconds > 59 or (hours == 24 and (minutes or seconds or not end)):
        raise BusinessTimeError(
            N_(
                "{value} is not a valid time here; use HH:MM from 00:00 to 23:59, "
                "or 24:00 as the end of a day."
            ),
            value=value,
        )
    if seconds:
        raise BusinessTimeError(N_("Opening hours must be on the minute (got {value})."), value=value)
    return hours * 60 + minutes


@dataclass(frozen=True, slots=True, order=True)
class OpenInterval:
    """Open from ``start`` to ``end`` (minutes after local midnight, end excluded, 1440 = 24:00)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for minute in (self.start, self.end):
            if type(minute) is not int or not 0 <= minute <= MINUTES_PER_DAY:
                raise BusinessTimeError(
                    N_(
                        "{value} is not a valid time here; use HH:MM from 00:00 to 23:59, "
                        "or 24:00 as the end of a day."
                    ),
                    value=str(minute),
                )
        if self.start == self.end:
            raise BusinessTimeError(
                N_("The opening hours {interval} must end after they start."), interval=str(self)
            )
        if self.start > self.end:
            raise BusinessTimeError(
                N_(
                    "The opening hours {interval} cross midnight; split them at 24:00 "
                    "(for example 22:00-24:00 on one day and 00:00-02:00 on the next)."
                ),
                interval=str(self),
            )

    @classmethod
    def parse(cls, text: str) -> OpenInterval:
        """``"09:00-12:00"``; ``"18:00-24:00"`` runs to the end of the day."""
        parts = text.split("-") if isinstance(text, str) else []
        if len(parts) != 2:
            raise BusinessTimeError(
                N_("Opening hours are written as HH:MM-HH:MM, for example 09:00-18:00 (got {value})."),
                value=str(text),
            )
        return cls(_parse_minute(parts[0], end=False), _parse_minute(parts[1], end=True))

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{_format_minute(self.start)}-{_format_minute(self.end)}"


IntervalLike = OpenInterval | str | tuple[str | time, str | time]
DayHours = str | Iterable[IntervalLike]
DaysLike = Mapping[int, DayHours] | Mapping[str, DayHours] | Mapping[int | str, DayHours]


def _interval(value: IntervalLike) -> OpenInterval:
    if isinstance(value, OpenInterval):
        return value
    if isinstance(value, str):
        return OpenInterval.parse(value)
    if isinstance(value, tuple) and len(value) == 2:
        return OpenInterval(_parse_minute(value[0], end=False), _parse_minute(value[1], end=True))
    raise BusinessTimeError(
        N_("Opening hours are written as HH:MM-HH:MM, for example 09:00-18:00 (got {value})."),
        value=str(value),
    )


def weekday_number(value: int | str) -> int:
    """0 (Monday) … 6 (Sunday) from a number or an English name ("mon", "Monday")."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in WEEKDAYS:
            return WEEKDAYS.index(key)
        if key in _FULL_NAMES:
            return _FULL_NAMES.index(key)
    raise BusinessTimeError(
        N_("Unknown weekday {value}; use 0-6 (0 is Monday) or mon, tue, wed, thu, fri, sat, sun."),
        value=str(value),
    )


class WeeklySchedule:
    """Opening hours per weekday, in the calendar's local time.

    ``WeeklySchedule({"mon": ["09:00-12:00", "13:00-18:00"], "sat": "10:00-14:00"})``; keys are
    0-6 (Monday is 0) or weekday names; a day's value is a list of intervals or one string with
    intervals separated by commas. Missing days are closed. Touching intervals (09:00-12:00 and
    12:00-13:00) are joined; overlapping ones are an error.
    """

    __slots__ = ("_days",)

    def __init__(self, days: DaysLike | None = None) -> None:
        collected: list[list[OpenInterval]] = [[] for _ in WEEKDAYS]
        items_of_days: Iterable[tuple[int | str, DayHours]] = days.items() if days else ()
        for key, value in items_of_days:
            items: Iterable[IntervalLike] = (
                [part for part in value.split(",") if part.strip()] if isinstance(value, str) else value
            )
            collected[weekday_number(key)].extend(_interval(item) for item in items)
        self._days: tuple[tuple[OpenInterval, ...], ...] = tuple(_join(day) for day in collected)

    @classmethod
    def always_open(cls) -> WeeklySchedule:
        """24 hours a day, 7 days a week."""
        return cls({day: [OpenInterval(0, MINUTES_PER_DAY)] for day in range(7)})

    @classmethod
    def weekdays(cls, *intervals: IntervalLike) -> WeeklySchedule:
        """The same hours Monday to Friday, closed at the weekend."""
        return cls({day: list(intervals) for day in range(5)})

    def on(self, weekday: int | str) -> tuple[OpenInterval, ...]:
        return self._days[weekday_number(weekday)]

    def minutes(self, weekday: int | str) -> int:
        """Open wall-clock minutes on that weekday."""
        return sum(interval.minutes for interval in self.on(weekday))

    @property
    def minutes_per_week(self) -> int:
        return sum(self.minutes(day) for day in range(7))

    def as_dict(self) -> dict[str, list[str]]:
        """``{"mon": ["09:00-12:00", …], …}`` for the open days; ``WeeklySchedule(d)`` reads it back."""
        return {WEEKDAYS[n]: [str(i) for i in day] for n, day in enumerate(self._days) if day}

    def __iter__(self) -> Iterator[tuple[OpenInterval, ...]]:
        return iter(self._days)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WeeklySchedule) and self._days == other._days

    def __hash__(self) -> int:
        return hash(self._days)

    def __repr__(self) -> str:
        return f"WeeklySchedule({self.as_dict()!r})"


def _join(intervals: list[OpenInterval]) -> tuple[OpenInterval, ...]:
    joined: list[OpenInterval] = []
    for interval in sorted(intervals):
        if joined and interval.start < joined[-1].end:
            raise BusinessTimeError(
                N_("The opening hours {first} and {second} overlap."),
                first=str(joined[-1]),
                second=str(interval),
            )
        if joined and interval.start == joined[-1].end:
            joined[-1] = OpenInterval(joined[-1].start, interval.end)
        else:
            joined.append(interval)
    return tuple(joined)


_HOLIDAY_RE = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True, slots=True)
class Holiday:
    """A day on which the calendar is closed all day (local time).

    One-off: ``year`` set (``Holiday.on(date(2026, 2, 16), "Lunar New Year's Eve")``). Yearly:
    ``year`` is None (``Holiday.yearly(10, 10, "National Day")``), from the year ``since`` on if
    given. A yearly 02-29 falls in leap years only.
    """

    name: str
    month: int
    day: int
    year: int | None = None
    since: int | None = None

    def __post_init__(self) -> None:
        if self.year is not None and self.since is not None:
            raise ValueError("`since` is only for yearly holidays")
        try:
            date(2000 if self.year is None else self.year, self.month, self.day)  # 2000 is a leap year
            if self.since is not None:
                date(self.since, 1, 1)
        except (ValueError, TypeError):
            value = f"{self.month:02d}-{self.day:02d}" if isinstance(self.month, int) else str(self.month)
            if self.year is not None:
                value = f"{self.year}-{value}"
            raise BusinessTimeError(N_("{value} is not a valid date."), value=value) from None

    @classmethod
    def on(cls, day: date, name: str) -> Holiday:
        return cls(name, day.month, day.day, year=day.year)

    @classmethod
    def yearly(cls, month: int, day: int, name: str, *, since: int | None = None) -> Holiday:
        return cls(name, month, day, since=since)

    @classmethod
    def parse(cls, text: str, name: str) -> Holiday:
        """``"2026-02-16"`` is one day; ``"10-10"`` is every 10 October."""
        match = _HOLIDAY_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise BusinessTimeError(
                N_("{value} is not a holiday date; use YYYY-MM-DD for one day or MM-DD for every year."),
                value=str(text),
            )
        year = int(match[1]) if match[1] else None
        return cls(name, int(match[2]), int(match[3]), year=year)

    @property
    def is_yearly(self) -> bool:
        return self.year is None

    def falls_on(self, day: date) -> bool:
        if day.month != self.month or day.day != self.day:
            return False
        if self.year is not None:
            return day.year == self.year
        return self.since is None or day.year >= self.since

    def __str__(self) -> str:
        when = f"{self.month:02d}-{self.day:02d}"
        return f"{self.year}-{when} {self.name}" if self.year is not None else f"{when} {self.name}"
