"""Chinese working days (工作日): statutory holidays and adjusted working weekends (调休), for
deadlines counted in working days (RULES.md §2–§3: objections, repair)."""

from chengxin.workdays.service import (
    add_working_days,
    coverage,
    due_after,
    in_time,
    is_working_day,
    working_days_between,
)

__all__ = [
    "add_working_days",
    "coverage",
    "due_after",
    "in_time",
    "is_working_day",
    "working_days_between",
]
