"""The working-day calendar of mainland China and deadline arithmetic on it.

Holidays and adjusted working weekends are data (``workdays.calendar``): each year's State
Council notice (国务院办公厅关于部分节假日安排的通知), usually published in November of the year
before, is entered by an operator (console or API); the years the ``chinese-calendar`` package
covers are seeded from it. Every function takes the ``calendar`` to count on; callers that hold a
session pass ``calendar_of(session)`` (the database's), and without one the package's years are
used. For a year the calendar does not cover, it falls back to "Monday to Friday work, weekends
rest" and logs ``workdays.year-not-covered`` once per year and process: deadlines then come out a
few days early or late around that year's holidays, never missing. The operator dashboard warns
from 1 October when next year is not entered.

Every "day" here is a calendar day in China (Asia/Shanghai, ``workdays.days.day_of``).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import structlog
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from chengxin.workdays.calendar import Calendar, package_calendar
from chengxin.workdays.days import day_of, midnight

SQLColumn = ColumnElement[Any] | InstrumentedAttribute[Any]

log = structlog.get_logger(__name__)

_warned_years: set[int] = set()
_warned_lock = threading.Lock()


def coverage(calendar: Calendar | None = None) -> tuple[int, int]:
    """The first and last year the calendar covers (inclusive; the package's by default)."""
    found = (calendar or package_calendar()).coverage()
    return found if found is not None else (0, 0)


def _warn_not_covered(year: int, calendar: Calendar) -> None:
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    first, last = coverage(calendar)
    log.warning(
        "workdays.year-not-covered",
        year=year,
        covered_from=first,
        covered_to=last,
        fallback="weekdays work, weekends rest",
    )


def is_working_day(day: date, *, calendar: Calendar | None = None) -> bool:
    """True when ``day`` is a working day in mainland China (an adjusted working weekend is one;
    a statutory holiday on a weekday is not). Uncovered years: Monday to Friday."""
    calendar = calendar or package_calendar()
    if not calendar.covers(day.year):
        _warn_not_covered(day.year, calendar)
    return calendar.is_working_day(day)


def add_working_days(day: date, n: int, *, calendar: Calendar | None = None) -> date:
    """The ``n``-th working day after ``day``; for ``n == 0``, ``day`` itself when it is a working
    day, else the next working day."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    if n == 0:
        while not is_working_day(current, calendar=calendar):
            current += timedelta(days=1)
        return current
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current, calendar=calendar):
            n -= 1
    return current


def working_days_between(start: date, end: date, *, calendar: Calendar | None = None) -> int:
    """How many working days fall in ``(start, end]``; negative when ``end`` is before ``start``
    (working days in ``(end, start]``, counted down)."""
    if end < start:
        return -working_days_between(end, start, calendar=calendar)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, calendar=calendar):
            count += 1
    return count


def due_after(moment: datetime, days: int, *, calendar: Calendar | None = None) -> datetime:
    """The deadline of "within ``days`` working days" from ``moment`` (timezone-aware): the end of
    the ``days``-th working day after the moment's calendar day in China, given as the UTC
    instant of the following midnight China time. The bound is exclusive: a case is in time when
    its act happens strictly before it.

    The day of the moment itself is not counted (a time limit starts the next day, 民法典
    Art. 201); with ``days == 0`` the deadline is the end of that day, or of the next working day
    when it is a rest day."""
    if moment.tzinfo is None:
        raise ValueError("due_after needs a timezone-aware moment")
    last = add_working_days(day_of(moment), days, calendar=calendar)
    return midnight(last + timedelta(days=1))


def last_day(due: datetime) -> date:
    """The last day inside a deadline, in China: a deadline is the (exclusive) midnight after
    its last day, so this is the day before. The one way every message, page and PDF names a
    deadline's day (the SMS, the person's page and the report say the same date)."""
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)  # stored moments are UTC
    return day_of(due - timedelta(microseconds=1))


@overload
def in_time(at: datetime, due: datetime) -> bool: ...
@overload
def in_time(at: SQLColumn, due: SQLColumn) -> ColumnElement[bool]: ...
def in_time(at: Any, due: Any) -> Any:
    """The one rule at a deadline: an act at ``at`` is in time when strictly before ``due`` (the
    bound ``due_after`` gives is exclusive; at the instant itself the sweeps call a case overdue).
    On moments, or on SQL columns (``decided_at``, ``decide_due_at``) inside a query."""
    return at < due
