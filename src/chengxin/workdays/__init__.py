"""Chinese working days (工作日): statutory holidays and adjusted working weekends (调休), for
deadlines counted in working days (RULES.md §2–§3: objections, repair). The calendar is data
entered per year (``workdays.calendar``, ``workdays.years``)."""

from chengxin.workdays.calendar import Calendar, calendar_of
from chengxin.workdays.service import (
    add_working_days,
    coverage,
    due_after,
    in_time,
    is_working_day,
    last_day,
    working_days_between,
)

__all__ = [
    "Calendar",
    "add_working_days",
    "calendar_of",
    "coverage",
    "due_after",
    "in_time",
    "is_working_day",
    "last_day",
    "working_days_between",
]
