"""The working-day calendar of mainland China and deadline arithmetic on it.

Holidays and adjusted working weekends come from the maintained ``chinese-calendar`` package,
which carries each year's State Council notice (国务院办公厅关于部分节假日安排的通知) once it is
published, usually in November of the year before. For a year the installed package does not
cover, the calendar falls back to "Monday to Friday work, weekends rest" and logs
``workdays.year-not-covered`` once per year and process: deadlines then come out a few days
early or late around that year's holidays, never missing. Upgrade the package (and its pin)
when the notice for the next year is out.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, overload

import chinese_calendar
import structlog
from chinese_calendar import constants as calendar_data
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from chengxin.records.visibility import day_of, midnight

SQLColumn = ColumnElement[Any] | InstrumentedAttribute[Any]

log = structlog.get_logger(__name__)

_SATURDAY = 5
_warned_years: set[int] = set()
_warned_lock = threading.Lock()


@cache
def coverage() -> tuple[int, int]:
    """The first and last year the installed holiday data covers (inclusive)."""
    years = [day.year for day in calendar_data.holidays]
    return min(years), max(years)


def _warn_not_covered(year: int) -> None:
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    first, last = coverage()
    log.warning(
        "workdays.year-not-covered",
        year=year,
        covered_from=first,
        covered_to=last,
        fallback="weekdays work, weekends rest",
    )


@lru_cache(maxsize=8192)
def _is_working_day(day: date) -> bool:
    first, last = coverage()
    if first <= day.year <= last:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < _SATURDAY


def is_working_day(day: date) -> bool:
    """True when ``day`` is a working day in mainland China (an adjusted working weekend is one;
    a statutory holiday on a weekday is not). Uncovered years: Monday to Friday."""
    first, last = coverage()
    if not first <= day.year <= last:
        _warn_not_covered(day.year)
    return _is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``; for ``n == 0``, ``day`` itself when it is a working
    day, else the next working day."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    if n == 0:
        while not is_working_day(current):
            current += timedelta(days=1)
        return current
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """How many working days fall in ``(start, end]``; negative when ``end`` is before ``start``
    (working days in ``(end, start]``, counted down)."""
    if end < start:
        return -working_days_between(end, start)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def due_after(moment: datetime, days: int) -> datetime:
    """The deadline of "within ``days`` working days" from ``moment`` (timezone-aware): the end of
    the ``days``-th working day after the moment's calendar day in China, given as the UTC
    instant of the following midnight China time. The bound is exclusive: a case is in time when
    its act happens strictly before it.

    The day of the moment itself is not counted (a time limit starts the next day, 民法典
    Art. 201); with ``days == 0`` the deadline is the end of that day, or of the next working day
    when it is a rest day."""
    if moment.tzinfo is None:
        raise ValueError("due_after needs a timezone-aware moment")
    last = add_working_days(day_of(moment), days)
    return midnight(last + timedelta(days=1))


@overload
def in_time(at: datetime, due: datetime) -> bool: ...
@overload
def in_time(at: SQLColumn, due: SQLColumn) -> ColumnElement[bool]: ...
def in_time(at: Any, due: Any) -> Any:
    """The one rule at a deadline: an act at ``at`` is in time when strictly before ``due`` (the
    bound ``due_after`` gives is exclusive; at the instant itself the sweeps call a case overdue).
    On moments, or on SQL columns (``decided_at``, ``decide_due_at``) inside a query."""
    return at < due
