"""Business-hour calendars: the clock that SLA targets will run on.

What a user notices: a target of a few business hours skips the night, the lunch break, the
weekend and the holidays; a Taipei team and a London team with the same hours are open at
different moments; a 09:00-18:00 day stays 9 hours when the clocks change at night, while a 24-hour
day really is 23 or 25 hours long; public holidays can be imported from an iCalendar file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wowdesk.accounts.business_time import (
    BusinessTimeError,
    Calendar,
    DayHours,
    Holiday,
    ICalendarError,
    NoBusinessHours,
    OpenInterval,
    WeeklySchedule,
    holidays_from_ics,
)
from wowdesk.core.errors import InvalidInput

TAIPEI, LONDON, NEW_YORK = ZoneInfo("Asia/Taipei"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
OFFICE = WeeklySchedule.weekdays("09:00-12:00", "13:00-18:00")  # 8 hours a day, Monday to Friday
H = timedelta(hours=1)


def local(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int
) -> datetime:
    second, micro = (*rest, 0, 0)[:2]
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def office(zone: str = "Asia/Taipei", holidays: list[Holiday] | None = None) -> Calendar:
    return Calendar(zone, OFFICE, holidays or [])


# -- a working week ---------------------------------------------------------------------------------


def test_a_target_runs_through_the_lunch_break() -> None:
    due = office().add(local(TAIPEI, 2026, 6, 1, 11, 0), 2 * H)  # Monday 11:00
    assert due == local(TAIPEI, 2026, 6, 1, 14, 0)
    assert due.tzinfo is UTC


def test_friday_afternoon_continues_on_monday_morning() -> None:
    cal = office()
    due = cal.add(local(TAIPEI, 2026, 3, 6, 17, 0), 2 * H)  # Friday 17:00
    assert due == local(TAIPEI, 2026, 3, 9, 10, 0)
    assert cal.between(local(TAIPEI, 2026, 3, 6, 17, 0), due) == 2 * H
    assert cal.between(local(TAIPEI, 2026, 3, 6, 18, 0), local(TAIPEI, 2026, 3, 9, 9, 0)) == timedelta(0)


def test_a_ticket_that_arrives_at_night_starts_its_clock_at_opening() -> None:
    assert office().add(local(TAIPEI, 2026, 6, 1, 7, 0), H) == local(TAIPEI, 2026, 6, 1, 10, 0)


def test_a_target_that_ends_at_closing_time_is_due_at_closing_not_next_morning() -> None:
    assert office().add(local(TAIPEI, 2026, 6, 1, 17, 0), H) == local(TAIPEI, 2026, 6, 1, 18, 0)
    assert office().add(local(TAIPEI, 2026, 6, 1, 9, 0), 3 * H) == local(TAIPEI, 2026, 6, 1, 12, 0)


def test_a_zero_target_is_due_at_once_even_when_closed() -> None:
    saturday = local(TAIPEI, 2026, 6, 6, 10, 0)
    assert office().add(saturday, timedelta(0)) == saturday


def test_open_and_next_opening_at_the_edges_of_the_hours() -> None:
    cal = office()
    assert cal.is_open(local(TAIPEI, 2026, 6, 1, 9, 0))
    assert cal.is_open(local(TAIPEI, 2026, 6, 1, 11, 59, 59, 999_999))
    assert not cal.is_open(local(TAIPEI, 2026, 6, 1, 12, 0))
    assert not cal.is_open(local(TAIPEI, 2026, 6, 6, 10, 0))  # Saturday
    assert cal.next_open(local(TAIPEI, 2026, 6, 1, 10, 30)) == local(TAIPEI, 2026, 6, 1, 10, 30)
    assert cal.next_open(local(TAIPEI, 2026, 6, 1, 12, 0)) == local(TAIPEI, 2026, 6, 1, 13, 0)
    assert cal.next_open(local(TAIPEI, 2026, 6, 5, 18, 0)) == local(TAIPEI, 2026, 6, 8, 9, 0)
    assert cal.next_open(local(TAIPEI, 2026, 6, 6, 10, 0)).tzinfo is UTC


def test_thirty_business_days_end_six_weeks_later() -> None:
    cal = office()
    start = local(TAIPEI, 2026, 1, 5, 9, 0)  # Monday
    due = cal.add(start, 30 * 8 * H)
    assert due == local(TAIPEI, 2026, 2, 13, 18, 0)  # the sixth Friday, at closing
    assert cal.between(start, due) == 240 * H


def test_any_time_zone_in_gives_the_same_answer_in_utc() -> None:
    cal = office()
    in_taipei = local(TAIPEI, 2026, 6, 1, 11, 0)
    in_offset = in_taipei.astimezone(timezone(timedelta(hours=-3)))
    assert cal.add(in_offset, 2 * H) == cal.add(in_taipei, 2 * H) == utc(2026, 6, 1, 6, 0)


def test_a_schedule_with_other_hours_at_the_weekend() -> None:
    shop = Calendar(
        "Asia/Taipei", WeeklySchedule({"sat": "10:00-14:00", "mon": ["09:00-18:00"], "fri": "09:00-18:00"})
    )
    assert shop.add(local(TAIPEI, 2026, 6, 5, 17, 0), 2 * H) == local(TAIPEI, 2026, 6, 6, 11, 0)  # Fri→Sat
    assert shop.add(local(TAIPEI, 2026, 6, 6, 13, 0), 2 * H) == local(TAIPEI, 2026, 6, 8, 10, 0)  # Sat→Mon


# -- holidays ----------------------------------------------------------------------------------------


def test_one_off_holidays_are_skipped() -> None:
    new_year = [Holiday.on(date(2026, 2, day), "Lunar New Year") for day in (16, 17, 18)]
    cal = office(holidays=new_year)
    assert cal.add(local(TAIPEI, 2026, 2, 13, 17, 0), 2 * H) == local(TAIPEI, 2026, 2, 19, 10, 0)
    assert cal.between(local(TAIPEI, 2026, 2, 16), local(TAIPEI, 2026, 2, 19)) == timedelta(0)
    assert cal.holiday_on(date(2026, 2, 17)) == new_year[1]
    assert not cal.is_open(local(TAIPEI, 2026, 2, 17, 10, 0))


def test_yearly_holidays_come_back_every_year() -> None:
    cal = office(holidays=[Holiday.yearly(10, 10, "National Day")])
    assert cal.add(local(TAIPEI, 2025, 10, 9, 17, 0), 2 * H) == local(TAIPEI, 2025, 10, 13, 10, 0)  # Fri 10th
    assert not cal.is_open(local(TAIPEI, 2030, 10, 10, 10, 0))  # a Thursday
    assert cal.is_open(local(TAIPEI, 2030, 10, 11, 10, 0))
    assert cal.next_open(local(TAIPEI, 2030, 10, 10, 10, 0)) == local(TAIPEI, 2030, 10, 11, 9, 0)


def test_a_yearly_holiday_can_start_in_a_given_year_and_29_february_is_only_in_leap_years() -> None:
    cal = office(holidays=[Holiday.yearly(10, 10, "New day", since=2027), Holiday.yearly(2, 29, "Leap day")])
    assert not cal.is_holiday(date(2025, 10, 10))
    assert cal.is_holiday(date(2030, 10, 10))
    assert cal.is_holiday(date(2028, 2, 29))
    assert not cal.is_holiday(date(2027, 2, 28)) and not cal.is_holiday(date(2027, 3, 1))


def test_a_holiday_closes_the_whole_local_day_of_a_24_hour_calendar() -> None:
    cal = Calendar("Europe/London", WeeklySchedule.always_open(), [Holiday.parse("2026-03-29", "Closed")])
    assert cal.is_open(utc(2026, 3, 28, 23, 59))
    assert not cal.is_open(utc(2026, 3, 29, 0, 0))
    assert cal.is_open(utc(2026, 3, 29, 23, 0))  # Monday 00:00 BST
    assert cal.between(local(LONDON, 2026, 3, 28), local(LONDON, 2026, 3, 30)) == 24 * H


def test_holiday_dates_are_written_as_iso_dates_or_month_day() -> None:
    assert Holiday.parse("10-10", "National Day") == Holiday.yearly(10, 10, "National Day")
    assert Holiday.parse("2026-02-16", "Eve") == Holiday.on(date(2026, 2, 16), "Eve")
    assert Holiday.parse("02-29", "Leap").is_yearly


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Holiday.yearly(2, 30, "x"), "02-30 is not a valid date."),
        (lambda: Holiday.yearly(13, 1, "x"), "13-01 is not a valid date."),
        (lambda: Holiday.parse("2027-02-29", "x"), "2027-02-29 is not a valid date."),
        (lambda: Holiday.parse("next friday", "x"), "next friday is not a holiday date"),
    ],
)
def test_impossible_holiday_dates_are_refused(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(BusinessTimeError, match=message):
        make()


# -- time zones and clock changes -------------------------------------------------------------------


def test_taipei_london_and_new_york_teams_with_the_same_hours_answer_differently() -> None:
    arrived = utc(2026, 6, 1, 8, 0)  # Taipei 16:00, London 09:00, New York 04:00
    assert office("Asia/Taipei").add(arrived, 4 * H) == local(TAIPEI, 2026, 6, 2, 11, 0)
    assert office("Europe/London").add(arrived, 4 * H) == local(LONDON, 2026, 6, 1, 14, 0)
    assert office("America/New_York").add(arrived, 4 * H) == local(NEW_YORK, 2026, 6, 1, 14, 0)
    assert office("America/New_York").next_open(arrived) == utc(2026, 6, 1, 13, 0)


def test_between_the_american_and_european_changes_new_york_is_only_four_hours_behind_london() -> None:
    london, new_york = office("Europe/London"), office("America/New_York")
    assert london.is_open(utc(2026, 3, 2, 13, 30)) and not new_york.is_open(utc(2026, 3, 2, 13, 30))
    assert london.is_open(utc(2026, 3, 16, 13, 30)) and new_york.is_open(utc(2026, 3, 16, 13, 30))


@pytest.mark.parametrize(
    ("zone", "friday", "monday_10"),
    [
        (NEW_YORK, (2026, 3, 6), utc(2026, 3, 9, 14, 0)),  # US spring forward, 8 March
        (LONDON, (2026, 3, 27), utc(2026, 3, 30, 9, 0)),  # EU spring forward, 29 March
        (LONDON, (2026, 10, 23), utc(2026, 10, 26, 10, 0)),  # EU fall back, 25 October
        (NEW_YORK, (2026, 10, 30), utc(2026, 11, 2, 15, 0)),  # US fall back, 1 November
    ],
)
def test_office_hours_over_a_clock_change_weekend(
    zone: ZoneInfo, friday: tuple[int, int, int], monday_10: datetime
) -> None:
    cal = office(str(zone))
    start = local(zone, *friday, 17, 0)
    assert cal.add(start, 2 * H) == monday_10
    assert monday_10.astimezone(zone).hour == 10
    # A 09:00-18:00 day is nine real hours on the Sunday of the change too: it happens at night.
    every_day = Calendar(str(zone), WeeklySchedule({day: "09:00-18:00" for day in range(7)}))
    sunday = monday_10.astimezone(zone).date() - timedelta(days=1)
    sunday_start = local(zone, sunday.year, sunday.month, sunday.day)
    assert every_day.between(sunday_start, monday_10 - 10 * H) == 9 * H
    assert every_day.add(sunday_start, 9 * H) == local(zone, sunday.year, sunday.month, sunday.day, 18, 0)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (NEW_YORK, date(2026, 3, 8), 23),
        (LONDON, date(2026, 3, 29), 23),
        (LONDON, date(2026, 10, 25), 25),
        (NEW_YORK, date(2026, 11, 1), 25),
        (LONDON, date(2026, 4, 5), 24),
        (TAIPEI, date(2026, 3, 29), 24),
    ],
)
def test_a_24_hour_day_really_lasts_23_or_25_hours_when_the_clocks_change(
    zone: ZoneInfo, day: date, hours: int
) -> None:
    cal = Calendar(str(zone), WeeklySchedule.always_open())
    midnight = local(zone, day.year, day.month, day.day)
    next_midnight = local(zone, *(day + timedelta(days=1)).timetuple()[:3])
    assert cal.between(midnight, next_midnight) == hours * H
    assert cal.add(midnight, hours * H) == next_midnight


def test_a_24x7_calendar_counts_real_time() -> None:
    cal = Calendar("Europe/London", WeeklySchedule.always_open())
    start = local(LONDON, 2026, 3, 28, 12, 0)  # Saturday noon, before the clocks go forward
    assert cal.add(start, 24 * H) == start.astimezone(UTC) + 24 * H == local(LONDON, 2026, 3, 29, 13, 0)
    assert cal.between(start, start.astimezone(UTC) + 1000 * H) == 1000 * H
    assert cal.next_open(start) == start and cal.is_open(utc(2026, 10, 25, 1, 30))
    assert WeeklySchedule.always_open().as_dict()["sun"] == ["00:00-24:00"]


def test_a_night_shift_that_covers_the_change_is_shorter_or_longer() -> None:
    cal = Calendar("Europe/London", WeeklySchedule({"sun": "00:00-06:00"}))
    assert cal.open_intervals(date(2026, 3, 29)) == [(utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 5, 0))]
    assert cal.open_intervals(date(2026, 10, 25)) == [(utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 6, 0))]
    assert cal.open_intervals(date(2026, 4, 5)) == [(utc(2026, 4, 4, 23, 0), utc(2026, 4, 5, 5, 0))]


def test_hours_that_the_clock_skips_open_at_the_jump() -> None:
    # London, 29 March 2026: at 01:00 GMT the clocks jump to 02:00 BST.
    cal = Calendar("Europe/London", WeeklySchedule({"sun": ["01:30-02:30", "05:00-06:00"]}))
    assert cal.open_intervals(date(2026, 3, 29)) == [
        (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)),
        (utc(2026, 3, 29, 4, 0), utc(2026, 3, 29, 5, 0)),
    ]
    skipped = Calendar("Europe/London", WeeklySchedule({"sun": "01:15-01:45"}))
    assert skipped.open_intervals(date(2026, 3, 29)) == []
    assert skipped.next_open(utc(2026, 3, 28)) == local(LONDON, 2026, 4, 5, 1, 15)


def test_hours_that_the_clock_repeats_are_counted_both_times() -> None:
    # London, 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT.
    cal = Calendar("Europe/London", WeeklySchedule({"sun": "01:00-02:00"}))
    assert cal.between(utc(2026, 10, 24), utc(2026, 10, 26)) == 2 * H
    assert cal.is_open(utc(2026, 10, 25, 0, 30)) and cal.is_open(utc(2026, 10, 25, 1, 30))
    assert not cal.is_open(utc(2026, 10, 25, 2, 0))


def test_clock_changes_at_midnight_make_the_day_longer_or_shorter() -> None:
    # Santiago, 5 April 2026: at Sunday 00:00 (-03) the clocks go back to Saturday 23:00 (-04),
    # so Saturday has two 23:30s and is 25 hours long.
    santiago = ZoneInfo("America/Santiago")
    saturday_evening = Calendar("America/Santiago", WeeklySchedule({"sat": "20:00-24:00"}))
    second_2330 = utc(2026, 4, 5, 3, 30)
    assert second_2330.astimezone(santiago).hour == 23
    assert saturday_evening.is_open(second_2330)
    assert saturday_evening.between(utc(2026, 4, 4), utc(2026, 4, 6)) == 5 * H
    # 6 September 2026: Sunday 00:00 (-04) does not exist, the day starts at 01:00 (-03).
    always = Calendar("America/Santiago", WeeklySchedule.always_open())
    assert always.open_intervals(date(2026, 9, 6)) == [(utc(2026, 9, 6, 4, 0), utc(2026, 9, 7, 3, 0))]


def test_when_the_clock_goes_back_past_midnight_the_moments_belong_to_the_day_already_begun() -> None:
    # Juneau, October 1867 (Alaska changed sides of the date line): on Saturday 19 October at
    # about 15:00 the clocks went back a whole day, to Friday 18 October 15:00.
    saturdays = Calendar("America/Juneau", WeeklySchedule({"sat": "00:00-24:00"}))
    second_friday = utc(1867, 10, 19, 1, 0)
    assert second_friday.astimezone(ZoneInfo("America/Juneau")).weekday() == 4
    assert saturdays.is_open(second_friday)
    assert saturdays.between(second_friday, second_friday + H) == H


def test_between_over_many_years_counts_every_working_day() -> None:
    holidays = [Holiday.yearly(1, 1, "New Year"), Holiday.yearly(10, 10, "National Day")]
    cal = office(holidays=holidays)
    first, last = date(2020, 1, 1), date(2035, 1, 1)
    days = (first + timedelta(days=n) for n in range((last - first).days))
    working = sum(1 for d in days if d.weekday() < 5 and (d.month, d.day) not in {(1, 1), (10, 10)})
    assert cal.between(local(TAIPEI, 2020, 1, 1), local(TAIPEI, 2035, 1, 1)) == working * 8 * H


# -- calendars that never open, and bad input ------------------------------------------------------


def test_a_calendar_without_hours_refuses_to_compute_a_deadline() -> None:
    closed = Calendar("Asia/Taipei", WeeklySchedule())
    with pytest.raises(NoBusinessHours, match="no business hours in the next 10 years"):
        closed.add(utc(2026, 1, 1), H)
    with pytest.raises(NoBusinessHours):
        closed.next_open(utc(2026, 1, 1))
    assert closed.between(utc(2026, 1, 1), utc(2027, 1, 1)) == timedelta(0)
    assert not closed.is_open(utc(2026, 1, 1))


def test_a_calendar_closed_by_holidays_for_ten_years_gives_up_but_two_years_is_fine() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(11 * 53)]
    never = Calendar(
        "UTC", WeeklySchedule({"mon": "09:00-10:00"}), [Holiday.on(d, "Closed") for d in mondays]
    )
    with pytest.raises(NoBusinessHours):
        never.add(utc(2026, 1, 1), H)
    with pytest.raises(NoBusinessHours):
        never.next_open(utc(2026, 1, 1))
    later = Calendar(
        "UTC", WeeklySchedule({"mon": "09:00-10:00"}), [Holiday.on(d, "x") for d in mondays[:104]]
    )
    assert later.add(utc(2026, 1, 1), H) == utc(2028, 1, 3, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: cal.add(datetime(2026, 1, 1, 9), H),
        lambda cal: cal.between(datetime(2026, 1, 1), utc(2026, 1, 2)),
        lambda cal: cal.between(utc(2026, 1, 1), datetime(2026, 1, 2)),
        lambda cal: cal.is_open(datetime(2026, 1, 1)),
        lambda cal: cal.next_open(datetime(2026, 1, 1)),
    ],
)
def test_a_date_and_time_without_a_time_zone_is_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="has no time zone"):
        call(office())


def test_bad_durations_and_time_zones_are_refused() -> None:
    with pytest.raises(BusinessTimeError, match="cannot be negative"):
        office().add(utc(2026, 1, 1), -H)
    with pytest.raises(BusinessTimeError, match="Unknown time zone") as caught:
        Calendar("Mars/Olympus_Mons", OFFICE)
    assert caught.value.localized("zh-Hant") != ""  # an existing, translated message


def test_dates_at_the_end_of_time_are_refused_clearly() -> None:
    with pytest.raises(BusinessTimeError, match="too far in the past or the future"):
        office().add(utc(9999, 12, 30), 30 * 8 * H)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"mon": ["12:00-09:00"]}, "12:00-09:00 cross midnight; split them at 24:00"),
        ({"fri": ["22:00-02:00"]}, "22:00-02:00 cross midnight"),
        ({"mon": ["09:00-09:00"]}, "09:00-09:00 must end after they start"),
        ({"mon": ["0900 to 1700"]}, "written as HH:MM-HH:MM"),
        ({"mon": [42]}, "written as HH:MM-HH:MM"),
        ({"mon": ["9-17"]}, "9 is not a valid time here"),
        ({"mon": ["25:00-26:00"]}, "25:00 is not a valid time here"),
        ({"mon": ["09:00-24:30"]}, "24:30 is not a valid time here"),
        ({"mon": ["24:00-24:00"]}, "24:00 is not a valid time here"),
        ({"mon": ["09:00:30-10:00"]}, "must be on the minute"),
        ({"mon": [(time(9, 0, 30), time(10))]}, "must be on the minute"),
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "09:00-12:00 and 11:00-13:00 overlap"),
        ({"mon": "09:00-12:00", 0: ["11:30-12:30"]}, "overlap"),
        ({"funday": ["09:00-12:00"]}, "Unknown weekday funday"),
        ({7: ["09:00-12:00"]}, "Unknown weekday 7"),
    ],
)
def test_bad_opening_hours_are_refused_with_a_clear_message(
    days: dict[int | str, object], message: str
) -> None:
    with pytest.raises(BusinessTimeError, match=message) as caught:
        WeeklySchedule(days)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InvalidInput)
    assert caught.value.status == 422


def test_opening_hours_can_be_written_in_several_ways_and_read_back() -> None:
    days: dict[int | str, DayHours] = {
        "Monday": "09:00-12:00, 13:00-18:00",
        "tue": [("09:00", "12:00"), OpenInterval(13 * 60, 18 * 60)],
        2: [(time(9), time(12)), "12:00-13:00", "13:00-18:00"],  # touching hours join
        "sat": [(time(20), time(0))],  # a time of 00:00 as the end is midnight
    }
    schedule = WeeklySchedule(days)
    assert schedule.as_dict() == {
        "mon": ["09:00-12:00", "13:00-18:00"],
        "tue": ["09:00-12:00", "13:00-18:00"],
        "wed": ["09:00-18:00"],
        "sat": ["20:00-24:00"],
    }
    assert WeeklySchedule(schedule.as_dict()) == schedule
    assert schedule.minutes_per_week == 8 * 60 * 2 + 9 * 60 + 4 * 60


# -- iCalendar ----------------------------------------------------------------------------------------


def ics(*events: str) -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\r\n{e.strip().replace(chr(10), chr(13) + chr(10))}\r\nEND:VEVENT\r\n" for e in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def test_an_official_holiday_calendar_is_imported() -> None:
    data = ics(
        "UID:1\nSUMMARY:Peace Memorial Day\nDTSTART;VALUE=DATE:20260227\nDTEND;VALUE=DATE:20260228",
        "UID:2\nSUMMARY:National Day\nDTSTART;VALUE=DATE:20200110\nRRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=10",
        "UID:3\nSUMMARY:Lunar New Year\nDTSTART;VALUE=DATE:20260216\nDTEND;VALUE=DATE:20260219",
        "UID:4\nSUMMARY:Founding Day\nDTSTART;VALUE=DATE:20260101",
    )
    assert holidays_from_ics(data) == [
        Holiday.on(date(2026, 2, 27), "Peace Memorial Day"),
        Holiday.yearly(1, 10, "National Day", since=2020),
        Holiday.on(date(2026, 2, 16), "Lunar New Year"),
        Holiday.on(date(2026, 2, 17), "Lunar New Year"),
        Holiday.on(date(2026, 2, 18), "Lunar New Year"),
        Holiday.on(date(2026, 1, 1), "Founding Day"),
    ]
    cal = office(holidays=holidays_from_ics(data))
    assert cal.add(local(TAIPEI, 2026, 2, 13, 17, 0), 2 * H) == local(TAIPEI, 2026, 2, 19, 10, 0)
    assert not cal.is_open(local(TAIPEI, 2031, 1, 10, 10, 0))


def test_a_yearly_multi_day_event_repeats_every_day_of_it() -> None:
    data = ics("SUMMARY:Spring break\nDTSTART;VALUE=DATE:20251231\nDURATION:P2D\nRRULE:FREQ=YEARLY")
    assert holidays_from_ics(data) == [
        Holiday.yearly(12, 31, "Spring break", since=2025),
        Holiday.yearly(1, 1, "Spring break", since=2026),
    ]


def test_a_yearly_event_with_an_end_becomes_its_dates() -> None:
    data = ics(
        "SUMMARY:Fair\nDTSTART;VALUE=DATE:20260505\nRRULE:FREQ=YEARLY;COUNT=3\nEXDATE;VALUE=DATE:20270505",
        "SUMMARY:Leap\nDTSTART;VALUE=DATE:20240229\nRRULE:FREQ=YEARLY;UNTIL=20330101",
        "SUMMARY:Expo\nDTSTART;VALUE=DATE:20260601\nRRULE:FREQ=YEARLY;INTERVAL=2;COUNT=2\nRDATE;VALUE=DATE:20300601",
    )
    assert [(h.name, h.year, h.month, h.day) for h in holidays_from_ics(data)] == [
        ("Fair", 2026, 5, 5),
        ("Fair", 2028, 5, 5),
        ("Leap", 2024, 2, 29),
        ("Leap", 2028, 2, 29),
        ("Leap", 2032, 2, 29),
        ("Expo", 2026, 6, 1),
        ("Expo", 2028, 6, 1),
        ("Expo", 2030, 6, 1),
    ]


def test_cancelled_and_repeated_events_are_left_out() -> None:
    data = ics(
        "SUMMARY:Day\nDTSTART;VALUE=DATE:20260101",
        "SUMMARY:Day\nDTSTART;VALUE=DATE:20260101",
        "SUMMARY:Gone\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20260102",
    )
    assert holidays_from_ics(data) == [Holiday.on(date(2026, 1, 1), "Day")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a calendar", "not an iCalendar"),
        (b"", "not an iCalendar"),
        (b"\xff\xfe\x00garbage", "not an iCalendar"),
        (b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nEND:VEVENT\r\n", "not an iCalendar"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "contains no events"),
        (
            ics("SUMMARY:Meeting\nDTSTART:20260101T090000Z\nDTEND:20260101T100000Z"),
            "Meeting is not an all-day",
        ),
        (ics("SUMMARY:Odd\nDTSTART;VALUE=DATE:20260101\nDTEND:20260102T100000Z"), "Odd is not an all-day"),
        (ics("SUMMARY:Half\nDTSTART;VALUE=DATE:20260101\nDURATION:PT12H"), "Half is not an all-day"),
        (ics("SUMMARY:Nothing\nUID:abc"), "Nothing has no valid start date"),
        (ics("UID:u-1\nDTSTART:yesterday"), "u-1 has no valid start date"),
        (ics("SUMMARY:Weekly\nDTSTART;VALUE=DATE:20260105\nRRULE:FREQ=WEEKLY"), "Weekly repeats in a way"),
        (ics("SUMMARY:Thanksgiving\nDTSTART;VALUE=DATE:20261126\nRRULE:FREQ=YEARLY;BYDAY=4TH"), "repeats"),
        (ics("SUMMARY:Gap\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;INTERVAL=2"), "Gap repeats"),
        (
            ics("SUMMARY:Big\nDTSTART;VALUE=DATE:20260101\nDURATION:P3D\nRRULE:FREQ=YEARLY;COUNT=5000"),
            "too many",
        ),
        (ics("SUMMARY:Long\nDTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20600101"), "too many"),
        (ics("SUMMARY:End\nDTSTART;VALUE=DATE:99991230\nDURATION:P5D"), "too far in the past or the future"),
    ],
)
def test_files_that_cannot_be_imported_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ICalendarError, match=message) as caught:
        holidays_from_ics(data)
    assert isinstance(caught.value, ValueError) and caught.value.status == 422


# -- properties -----------------------------------------------------------------------------------------

ZONES = [
    "Asia/Taipei",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # clocks move by 30 minutes
    "America/Santiago",  # clocks change at midnight
    "Asia/Kathmandu",  # +05:45
    "UTC",
]
NO_MIDNIGHT_CHANGES = set(ZONES) - {"America/Santiago"}
CHANGES = [  # instants near clock changes of the zones above
    utc(2026, 3, 8, 7),
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 11, 1, 6),
    utc(2026, 4, 4, 15),
    utc(2026, 10, 3, 15, 30),
    utc(2026, 4, 5, 3),
    utc(2026, 9, 6, 4),
]
DST_HEAVY_MINUTES = st.sampled_from([0, 30, 60, 90, 120, 150, 180, 1380, 1410, 1440])

instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda base, minutes, micro: base + timedelta(minutes=minutes, microseconds=micro),
        st.sampled_from(CHANGES),
        st.integers(-4 * 1440, 4 * 1440) | st.integers(-120, 120),
        st.just(0) | st.integers(0, 59_999_999),
    ),
)


@st.composite
def schedules(draw: st.DrawFn, minutes: st.SearchStrategy[int]) -> WeeklySchedule:
    if draw(st.integers(0, 9)) == 0:
        return WeeklySchedule.always_open()
    days: dict[int | str, list[OpenInterval]] = {}
    for weekday in range(7):
        n = draw(st.integers(0, 3))
        points = sorted(draw(st.lists(minutes, min_size=2 * n, max_size=2 * n, unique=True)))
        days[weekday] = [OpenInterval(points[i], points[i + 1]) for i in range(0, 2 * n, 2)]
    if not any(days.values()):
        days[draw(st.integers(0, 6))] = [OpenInterval(9 * 60, 17 * 60)]
    return WeeklySchedule(days)


holidays = st.one_of(
    st.builds(Holiday.on, st.dates(date(2025, 1, 1), date(2029, 12, 31)), st.just("one-off")),
    st.builds(Holiday.yearly, st.integers(1, 12), st.integers(1, 28), st.just("yearly")),
    st.just(Holiday.yearly(2, 29, "leap")),
)


@st.composite
def calendars(
    draw: st.DrawFn, zones: list[str] = ZONES, minutes: st.SearchStrategy[int] | None = None
) -> Calendar:
    if minutes is None:
        minutes = st.one_of(DST_HEAVY_MINUTES, st.integers(0, 1440))
    return Calendar(
        draw(st.sampled_from(zones)), draw(schedules(minutes)), draw(st.lists(holidays, max_size=8))
    )


def durations(cal: Calendar) -> st.SearchStrategy[timedelta]:
    """Up to five weeks of the calendar's business time (long enough to skip whole weeks)."""
    week = cal.weekly.minutes_per_week * 60_000_000
    return st.integers(0, 5 * week).map(lambda us: timedelta(microseconds=us))


PROPERTY = settings(max_examples=80, deadline=None)


@PROPERTY
@given(cal=calendars(), start=instants, data=st.data())
def test_property_between_undoes_add(cal: Calendar, start: datetime, data: st.DataObject) -> None:
    duration = data.draw(durations(cal))
    due = cal.add(start, duration)
    assert cal.between(start, due) == duration
    if duration:  # and no earlier moment would do
        assert cal.between(start, due - timedelta(microseconds=1)) < duration


@PROPERTY
@given(cal=calendars(), start=instants, data=st.data())
def test_property_add_is_monotonic(cal: Calendar, start: datetime, data: st.DataObject) -> None:
    shorter, longer = sorted([data.draw(durations(cal)), data.draw(durations(cal))])
    assert start <= cal.add(start, shorter) <= cal.add(start, longer)


@PROPERTY
@given(cal=calendars(), start=instants, data=st.data())
def test_property_a_deadline_is_in_business_hours_never_on_a_holiday(
    cal: Calendar, start: datetime, data: st.DataObject
) -> None:
    duration = data.draw(durations(cal).filter(bool))
    due = cal.add(start, duration)
    last_moment = due - timedelta(microseconds=1)  # the due moment is open or ends an open interval
    assert cal.is_open(last_moment)
    assert cal.is_open(due) or due in {end for _start, end in cal.open_intervals(_owner(cal, last_moment))}
    assert not cal.is_holiday(_owner(cal, last_moment))
    if cal.time_zone in NO_MIDNIGHT_CHANGES:
        assert not cal.is_holiday(last_moment.astimezone(ZoneInfo(cal.time_zone)).date())


def _owner(cal: Calendar, t: datetime) -> date:
    """The local date whose open intervals hold t."""
    near = t.astimezone(ZoneInfo(cal.time_zone)).date()
    owners = [
        d
        for d in (near - timedelta(days=1), near, near + timedelta(days=1))
        if any(a <= t < b for a, b in cal.open_intervals(d))
    ]
    assert len(owners) == 1
    return owners[0]


@PROPERTY
@given(cal=calendars(), times=st.lists(instants, min_size=3, max_size=3))
def test_property_business_time_adds_up(cal: Calendar, times: list[datetime]) -> None:
    a, b, c = sorted(times)
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(c, a) == timedelta(0)
    assert cal.between(a, c) <= c - a


@PROPERTY
@given(cal=calendars(), start=instants)
def test_property_next_open_is_the_first_open_moment(cal: Calendar, start: datetime) -> None:
    opening = cal.next_open(start)
    assert opening >= start and cal.is_open(opening)
    assert cal.between(start, opening) == timedelta(0)
    assert cal.is_open(start) == (opening == start)


minute_instants = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from([*CHANGES[:4], utc(2026, 6, 15), utc(2027, 1, 1)]),
    st.integers(-3 * 1440, 3 * 1440),
)


@settings(max_examples=40, deadline=None)
@given(
    cal=calendars(
        zones=["Asia/Taipei", "Europe/London", "America/New_York"],
        minutes=st.sampled_from([m for m in range(0, 1441, 30) if m != 90]),  # none inside a repeated hour
    ),
    start=minute_instants,
    minutes=st.integers(0, 3 * 1440),
)
def test_property_between_matches_the_wall_clock_minute_by_minute(
    cal: Calendar, start: datetime, minutes: int
) -> None:
    zone = ZoneInfo(cal.time_zone)

    def open_at(t: datetime) -> bool:
        wall = t.astimezone(zone)
        minute = wall.hour * 60 + wall.minute
        return not cal.is_holiday(wall.date()) and any(
            i.start <= minute < i.end for i in cal.weekly.on(wall.weekday())
        )

    moments = [start + timedelta(minutes=k) for k in range(minutes)]
    assert cal.between(start, start + timedelta(minutes=minutes)) == timedelta(
        minutes=sum(map(open_at, moments))
    )
    for t in moments[:: max(1, minutes // 50)]:
        assert cal.is_open(t) == open_at(t)
