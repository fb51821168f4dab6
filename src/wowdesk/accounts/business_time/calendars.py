"""Business-time arithmetic on a calendar: is it open, when does it open, what moment is N business
hours after a start, how much business time lies between two moments.

How local days become real time. Each local date ``d`` owns the span of real time from "local
midnight of d" to "local midnight of d+1", and each opening interval ``s-e`` of that day becomes the
real interval from the instant the wall clock first reads ``d s`` to the instant it first reads
``d e``. "First reads" settles the clock changes:

* a wall time skipped when clocks go forward (London 01:30 on 2026-03-29) is reached at the
  moment of the jump, so 00:00-24:00 that day is 23 real hours and 01:15-01:45 is empty;
* a wall time that happens twice when clocks go back counts from its first occurrence, so
  00:00-24:00 on 2026-10-25 is 25 real hours, and a shop open 09:00-18:00 is open 9 hours on
  both days (the change happens at night).

The days' spans tile the time line, so every instant belongs to exactly one local date, and the
real intervals of all days are sorted and never overlap. Everything below walks them day by day
(cached per date); whole weeks with no clock change are skipped using the weekly totals.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from wowdesk.accounts.business_time.errors import BusinessTimeError, NoBusinessHours
from wowdesk.accounts.business_time.schedule import Holiday, WeeklySchedule
from wowdesk.core.i18n import N_

HORIZON_YEARS = 10
_HORIZON = timedelta(days=3653)  # ten years: a calendar closed that long is treated as never open
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_WEEK_DAYS = tuple(timedelta(days=n) for n in range(7))
_EPOCH = datetime(1970, 1, 1)
_CACHE_LIMIT = 4096  # dates (about eleven years) per calendar, then the caches start over

Span = tuple[datetime, datetime]


class _Day(NamedTuple):
    intervals: tuple[Span, ...]  # real (UTC) open intervals, sorted, non-empty, end excluded
    total: timedelta


_CLOSED = _Day((), _ZERO)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _utc(at: datetime) -> datetime:
    if not isinstance(at, datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise BusinessTimeError(
            N_("The date and time {value} has no time zone; give it a UTC offset."), value=at.isoformat()
        )
    return at.astimezone(UTC)


def _out_of_range() -> BusinessTimeError:
    return BusinessTimeError(N_("The date is too far in the past or the future for a calendar."))


def _never_open() -> NoBusinessHours:
    return NoBusinessHours(
        N_("This calendar has no business hours in the next {years} years."), years=HORIZON_YEARS
    )


class Calendar:
    """Weekly opening hours in one IANA time zone, minus holidays.

    Every method takes time-zone-aware datetimes (any zone) and returns datetimes in UTC. Open
    intervals include their start and exclude their end.
    """

    __slots__ = (
        "_days",
        "_full_week",
        "_midnights",
        "_minutes",
        "_one_off",
        "_walls",
        "_yearly",
        "_zone",
        "holidays",
        "time_zone",
        "weekly",
    )

    def __init__(self, time_zone: str, weekly: WeeklySchedule, holidays: Iterable[Holiday] = ()) -> None:
        if not isinstance(time_zone, str) or time_zone not in _zone_names():
            raise BusinessTimeError(N_("Unknown time zone (use an IANA name such as Asia/Taipei)."))
        self.time_zone = time_zone
        self.weekly = weekly
        self.holidays = tuple(holidays)
        self._zone = zoneinfo.ZoneInfo(time_zone)
        self._walls = tuple(
            tuple((timedelta(minutes=i.start), timedelta(minutes=i.end)) for i in day) for day in weekly
        )
        self._minutes = tuple(sum(i.minutes for i in day) for day in weekly)
        self._full_week = timedelta(minutes=sum(self._minutes))
        self._one_off: dict[date, Holiday] = {}
        self._yearly: dict[tuple[int, int], list[Holiday]] = {}
        for holiday in self.holidays:
            if holiday.year is None:
                self._yearly.setdefault((holiday.month, holiday.day), []).append(holiday)
            else:
                self._one_off.setdefault(date(holiday.year, holiday.month, holiday.day), holiday)
        self._days: dict[date, _Day] = {}
        self._midnights: dict[date, datetime] = {}

    def __repr__(self) -> str:
        return f"Calendar({self.time_zone!r}, {self.weekly!r}, {len(self.holidays)} holidays)"

    # -- days -------------------------------------------------------------------------------------

    def holiday_on(self, day: date) -> Holiday | None:
        """The holiday that closes this local date, if any."""
        found = self._one_off.get(day)
        if found is not None:
            return found
        for holiday in self._yearly.get((day.month, day.day), ()):
            if holiday.since is None or day.year >= holiday.since:
                return holiday
        return None

    def is_holiday(self, day: date) -> bool:
        return self.holiday_on(day) is not None

    def open_intervals(self, day: date) -> list[Span]:
        """The real (UTC) open intervals of a local date, after clock changes and holidays."""
        try:
            return list(self._day(day).intervals)
        except OverflowError:
            raise _out_of_range() from None

    # -- questions --------------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        t = _utc(at)
        try:
            return any(a <= t < b for a, b in self._day(self._day_of(t)).intervals)
        except OverflowError:
            raise _out_of_range() from None

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) if the calendar is open then, else the next opening."""
        t = _utc(at)
        if not self._full_week:
            raise _never_open()
        try:
            d = self._day_of(t)
            last = d + _HORIZON
            while d <= last:
                for a, b in self._day(d).intervals:
                    if t < b:
                        return max(a, t)
                d += _DAY
        except OverflowError:
            raise _out_of_range() from None
        raise _never_open()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The first moment at which ``duration`` of business time has passed since ``start``.

        A positive duration ends inside an open interval or exactly at its end (not at the next
        opening); a zero duration returns ``start``.
        """
        t = _utc(start)
        if not isinstance(duration, timedelta):
            raise TypeError(f"expected a timedelta, got {type(duration).__name__}")
        if duration < _ZERO:
            raise BusinessTimeError(N_("A business-time duration cannot be negative."))
        if not duration:
            return t
        if not self._full_week:
            raise _never_open()
        try:
            return self._add(t, duration)
        except OverflowError:
            raise _out_of_range() from None

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b``; zero if ``b`` is not after ``a``."""
        start, end = _utc(a), _utc(b)
        if end <= start:
            return _ZERO
        try:
            return self._between(start, end)
        except OverflowError:
            raise _out_of_range() from None

    # -- the walk ---------------------------------------------------------------------------------

    def _add(self, t: datetime, remaining: timedelta) -> datetime:
        d = self._day_of(t)
        for a, b in self._day(d).intervals:
            if b <= t:
                continue
            a = max(a, t)
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        d += _DAY
        give_up = d + _HORIZON  # pushed forward whenever business time is found
        while d <= give_up:
            if remaining > self._full_week:  # the end is beyond this week even without holidays
                week = self._week_total(d)
                if week is not None:
                    remaining -= week
                    d += _WEEK
                    if week:
                        give_up = d + _HORIZON
                    continue
            day = self._day(d)
            if day.total:
                if remaining <= day.total:
                    return _land(day, remaining)
                remaining -= day.total
                give_up = d + _HORIZON
            d += _DAY
        raise _never_open()

    def _between(self, start: datetime, end: datetime) -> timedelta:
        first, last = self._day_of(start), self._day_of(end)
        total = _ZERO
        for a, b in self._day(first).intervals:
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                total += hi - lo
        if first == last:
            return total
        for a, b in self._day(last).intervals:
            hi = min(b, end)
            if a < hi:
                total += hi - a
        d = first + _DAY
        while d < last:
            if last - d >= _WEEK:
                week = self._week_total(d)
                if week is not None:
                    total += week
                    d += _WEEK
                    continue
            total += self._day(d).total
            d += _DAY
        return total

    def _week_total(self, d: date) -> timedelta | None:
        """Business time of the local dates d … d+6, or None if the clocks change during them."""
        if self._midnight(d + _WEEK) - self._midnight(d) != _WEEK:
            return None
        minutes = 0
        for offset in _WEEK_DAYS:
            day = d + offset
            open_minutes = self._minutes[day.weekday()]
            if open_minutes and self.holiday_on(day) is None:
                minutes += open_minutes
        return timedelta(minutes=minutes)

    def _day(self, d: date) -> _Day:
        found = self._days.get(d)
        if found is not None:
            return found
        walls = self._walls[d.weekday()]
        if not walls or self.holiday_on(d) is not None:
            day = _CLOSED
        else:
            midnight, next_midnight = self._midnight(d), self._midnight(d + _DAY)
            if next_midnight - midnight == _DAY:  # no clock change today: wall minutes are real minutes
                spans = tuple((midnight + s, midnight + e) for s, e in walls)
            else:
                base = datetime(d.year, d.month, d.day)
                pairs = ((self._instant(base + s), self._instant(base + e)) for s, e in walls)
                spans = tuple(pair for pair in pairs if pair[0] < pair[1])
            day = _Day(spans, sum((b - a for a, b in spans), _ZERO))
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        self._days[d] = day
        return day

    def _day_of(self, t: datetime) -> date:
        """The local date whose span holds the instant ``t``.

        Never earlier than t's wall-clock date (whose midnight was first reached before t), but
        later when the clock went back across midnight: the second 23:30 belongs to the next day.
        """
        d = t.astimezone(self._zone).date()
        while t >= self._midnight(d + _DAY):
            d += _DAY
        return d

    def _midnight(self, d: date) -> datetime:
        found = self._midnights.get(d)
        if found is None:
            found = self._instant(datetime(d.year, d.month, d.day))
            if len(self._midnights) >= _CACHE_LIMIT:
                self._midnights.clear()
            self._midnights[d] = found
        return found

    def _instant(self, wall: datetime) -> datetime:
        """The first instant (UTC) at which the local wall clock reads ``wall`` (naive) or later."""
        zone = self._zone
        before = _offset(zone, wall)  # fold=0: the offset in force before a change
        after = _offset(zone, wall.replace(fold=1))
        if before >= after:  # an ordinary time, or one that happens twice: its first occurrence
            return (wall - before).replace(tzinfo=UTC)
        # Skipped by a change of the clocks: find the moment of the jump (whole seconds).
        lo = int(((wall - after) - _EPOCH).total_seconds())  # still before the jump
        hi = int(((wall - before) - _EPOCH).total_seconds())  # already after it
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return datetime.fromtimestamp(hi, UTC)


def _offset(zone: zoneinfo.ZoneInfo, wall: datetime) -> timedelta:
    offset = zone.utcoffset(wall)
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def _land(day: _Day, remaining: timedelta) -> datetime:
    for a, b in day.intervals:
        if remaining <= b - a:
            return a + remaining
        remaining -= b - a
    raise AssertionError("the remaining time is more than the day holds")  # pragma: no cover
