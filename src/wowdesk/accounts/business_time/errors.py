"""Errors of business-time calendars.

Each is an ``InvalidInput`` (a 422 problem in the caller's language when it reaches the API) and a
``ValueError`` (so plain Python callers, validators and hypothesis can treat it as bad input).
"""

from __future__ import annotations

from wowdesk.core.errors import InvalidInput


class BusinessTimeError(InvalidInput, ValueError):
    """A bad schedule, holiday, date or duration."""


class NoBusinessHours(BusinessTimeError):
    """The calendar never opens (within the search horizon), so no deadline can be computed."""


class ICalendarError(BusinessTimeError):
    """An iCalendar file that cannot be turned into holidays."""
