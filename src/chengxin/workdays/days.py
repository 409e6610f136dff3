"""The calendar day in China: what display windows, deadlines and working days are counted in.

China Standard Time is UTC+8 with no daylight saving, so a fixed offset is exact. Moved here
from ``records.visibility`` (issue 21): the working-day calendar is built on it, and the platform
must not import a domain to know what day it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

# Display windows are calendar dates in China (China Standard Time, UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8), "CST")


def day_of(moment: datetime) -> date:
    """The calendar day in China of a moment: the day display windows are evaluated on."""
    return moment.astimezone(CHINA).date()


def midnight(day: date) -> datetime:
    """The moment a calendar day in China begins, in UTC (the inverse of ``day_of``): when a
    display window opens or ends, and when a deadline counted in days falls."""
    return datetime.combine(day, time(0), tzinfo=CHINA).astimezone(UTC)
