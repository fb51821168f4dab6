"""Business-hour calendars and business-time arithmetic (the clock of SLA targets).

Pure Python: no database, no web framework. A ``Calendar`` is weekly opening hours in one IANA
time zone minus holidays (one-off or yearly, importable from iCalendar)::

    taipei = Calendar(
        "Asia/Taipei",
        WeeklySchedule.weekdays("09:00-12:00", "13:00-18:00"),
        [Holiday.yearly(10, 10, "National Day")],
    )
    due = taipei.add(ticket_created_at, timedelta(hours=8))  # eight business hours later, in UTC
"""

from wowdesk.accounts.business_time.calendars import HORIZON_YEARS, Calendar
from wowdesk.accounts.business_time.errors import BusinessTimeError, ICalendarError, NoBusinessHours
from wowdesk.accounts.business_time.ics import holidays_from_ics
from wowdesk.accounts.business_time.schedule import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    DayHours,
    Holiday,
    OpenInterval,
    WeeklySchedule,
    weekday_number,
)

__all__ = [
    "HORIZON_YEARS",
    "MINUTES_PER_DAY",
    "WEEKDAYS",
    "BusinessTimeError",
    "Calendar",
    "DayHours",
    "Holiday",
    "ICalendarError",
    "NoBusinessHours",
    "OpenInterval",
    "WeeklySchedule",
    "holidays_from_ics",
    "weekday_number",
]
