"""Business-hour calendars stored per workspace (a Taipei team's, a London team's …): weekly hours
in one time zone and holidays, turned into ``accounts.business_time.Calendar`` for arithmetic."""
