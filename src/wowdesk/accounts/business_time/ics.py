"""Holidays from an iCalendar (RFC 5545) file, e.g. a government's public-holiday calendar.

Every all-day VEVENT becomes holidays: one per day it covers (DTEND is exclusive). An event that
repeats ``RRULE:FREQ=YEARLY`` on its own date without an end becomes yearly holidays from its
first year on; a yearly rule with COUNT or UNTIL is expanded into one-off dates (honouring
INTERVAL and EXDATE). RDATE dates are added as one-off dates; cancelled events are skipped.
Anything else (timed events, other repeat rules, an endless rule with INTERVAL or EXDATE, which a
yearly holiday cannot express) is refused rather than imported wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import TypeVar

import icalendar

from wowdesk.accounts.business_time.errors import ICalendarError
from wowdesk.accounts.business_time.schedule import Holiday
from wowdesk.core.i18n import N_

MAX_HOLIDAYS = 10_000  # dates in one file, after expansion
_MAX_YEAR = 9999
_FIXED_DATE_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "WKST"}
T = TypeVar("T")


def holidays_from_ics(data: bytes | str) -> list[Holiday]:
    """The holidays of every all-day event in an iCalendar file, without duplicates, in file order."""
    try:
        parsed = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ICalendarError(N_("This is not an iCalendar (.ics) file.")) from exc
    calendars = parsed if isinstance(parsed, list) else [parsed]
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        raise ICalendarError(N_("This is not an iCalendar (.ics) file."))
    events = [event for c in calendars for event in c.walk("VEVENT") if isinstance(event, icalendar.Event)]
    if not events:
        raise ICalendarError(N_("The iCalendar file contains no events."))
    found: dict[Holiday, None] = {}
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        try:
            for holiday in _event_holidays(event):
                found.setdefault(holiday, None)
                if len(found) > MAX_HOLIDAYS:
                    raise ICalendarError(
                        N_("The iCalendar file has too many holiday dates (more than {limit})."),
                        limit=MAX_HOLIDAYS,
                    )
        except OverflowError:
            raise ICalendarError(
                N_("The date is too far in the past or the future for a calendar.")
            ) from None
    return list(found)


def _event_holidays(event: icalendar.Event) -> Iterator[Holiday]:
    name = str(event.get("SUMMARY", "")).strip()
    label = name or str(event.get("UID", "")).strip() or "?"
    start, days = _whole_days(event, label)

    extra = [_all_day(value, label) for value in _read(event, "RDATE", label, lambda: event.rdates)]
    skipped = {_as_date(value, label) for value in _read(event, "EXDATE", label, lambda: event.exdates)}
    rules = _read(event, "RRULE", label, lambda: event.rrules)

    if not rules:
        firsts = [start]
    elif len(rules) == 1:
        count, until, interval = _yearly_rule(rules[0], start, label)
        if count is None and until is None:  # forever: a yearly holiday (per day of the event)
            if interval != 1 or skipped:
                raise _unsupported(label)
            for n in range(days):
                day = start + timedelta(days=n)
                yield Holiday.yearly(day.month, day.day, name, since=day.year)
            firsts = []
        else:
            firsts = list(_expand(start, count, until, interval))
    else:
        raise _unsupported(label)

    for first in [*firsts, *extra]:
        if first in skipped:
            continue
        for n in range(days):
            yield Holiday.on(first + timedelta(days=n), name)


def _read(event: icalendar.Event, prop: str, label: str, get: Callable[[], Iterable[T]]) -> list[T]:
    """A recurrence property; a value that cannot be read is the file's fault."""
    try:
        values = list(get())
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _unsupported(label) from None
    if any(p == prop for p, _msg in event.errors):
        raise _unsupported(label)
    return values


def _whole_days(event: icalendar.Event, label: str) -> tuple[date, int]:
    """The first day of an all-day event and how many days it lasts."""
    if event.get("DTSTART") is None or any(p == "DTSTART" for p, _msg in event.errors):
        raise ICalendarError(N_("The event {name} has no valid start date."), name=label)
    try:
        start = event.start
    except ValueError:  # DTSTART a date, DTEND a time: not an all-day event
        raise _not_all_day(label) from None
    if isinstance(start, datetime):
        raise _not_all_day(label)
    if not isinstance(start, date):
        raise ICalendarError(N_("The event {name} has no valid start date."), name=label)
    if event.get("DTEND") is None and event.get("DURATION") is None:
        return start, 1
    try:
        end, length = event.end, event.duration
    except ValueError:
        raise _not_all_day(label) from None
    if isinstance(end, datetime) or length.seconds or length.microseconds:
        raise _not_all_day(label)
    return start, max(length.days, 1)  # DTEND equal to DTSTART: one day, as calendar apps show it


def _yearly_rule(rule: icalendar.vRecur, start: date, label: str) -> tuple[int | None, date | None, int]:
    """COUNT, UNTIL and INTERVAL of a rule that repeats every N years on the start date."""
    if [str(f).upper() for f in rule.get("FREQ", [])] != ["YEARLY"] or not set(rule) <= _FIXED_DATE_PARTS:
        raise _unsupported(label)
    if any(
        list(rule.get(part, [value])) != [value]
        for part, value in (("BYMONTH", start.month), ("BYMONTHDAY", start.day))
    ):
        raise _unsupported(label)
    try:
        interval = int(rule.get("INTERVAL", [1])[0])
        count = int(rule["COUNT"][0]) if "COUNT" in rule else None
        until = _as_date(rule["UNTIL"][0], label) if "UNTIL" in rule else None
    except (ValueError, TypeError, IndexError):
        raise _unsupported(label) from None
    if interval < 1 or (count is not None and count < 1):
        raise _unsupported(label)
    return count, until, interval


def _expand(start: date, count: int | None, until: date | None, interval: int) -> Iterator[date]:
    """The dates of a yearly rule; 29 February only in leap years (RFC 5545 skips invalid dates)."""
    produced = 0
    year = start.year
    while year <= _MAX_YEAR and (count is None or produced < count):
        try:
            day = date(year, start.month, start.day)
        except ValueError:
            day = None
        if day is not None:
            if until is not None and day > until:
                return
            yield day
            produced += 1
            if produced > MAX_HOLIDAYS:
                raise ICalendarError(
                    N_("The iCalendar file has too many holiday dates (more than {limit})."),
                    limit=MAX_HOLIDAYS,
                )
        year += interval


def _as_date(value: object, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise _unsupported(label)


def _all_day(rdate: tuple[object, object], label: str) -> date:
    value, end = rdate
    if isinstance(value, datetime) or not isinstance(value, date) or end is not None:
        raise _not_all_day(label)
    return value


def _not_all_day(label: str) -> ICalendarError:
    return ICalendarError(
        N_("The event {name} is not an all-day event; only whole days can be imported as holidays."),
        name=label,
    )


def _unsupported(label: str) -> ICalendarError:
    return ICalendarError(
        N_(
            "The event {name} repeats in a way that cannot be imported; "
            "only yearly repeats on the event's own date are supported."
        ),
        name=label,
    )
