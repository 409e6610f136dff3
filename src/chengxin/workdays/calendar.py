"""The working-day calendar as data: which years are entered, their holidays and adjusted working
days, read from the database (tables ``workday_year`` and ``workday_day``) and kept per database
in this process until a year is entered or replaced.

Years are seeded from the ``chinese-calendar`` package (migration 0020); a year the database does
not hold but the installed package covers is still taken from the package, so a database emptied
of its calendar keeps the package's years. A year neither holds falls back to "Monday to Friday
work, weekends rest" (``service.is_working_day`` warns once per year and process).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from chinese_calendar import constants as package_data
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from chengxin.workdays.models import DayKind, WorkdayDay, WorkdayYear

_SATURDAY = 5

# The package names holidays in English; the platform shows the notice's names.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearArrangement:
    """One year's days off and adjusted working days, each with its holiday's name."""

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]


@dataclass(frozen=True)
class Calendar:
    """The holidays and adjusted working days of the years covered; other years: weekdays."""

    years: frozenset[int]
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)

    def covers(self, year: int) -> bool:
        return year in self.years

    def coverage(self) -> tuple[int, int] | None:
        """The first and last year covered (there may be gaps), None when none is."""
        return (min(self.years), max(self.years)) if self.years else None

    def is_working_day(self, day: date) -> bool:
        """A working day: an adjusted working weekend is one, a holiday on a weekday is not."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < _SATURDAY

    @classmethod
    def of(cls, arrangements: list[YearArrangement]) -> Calendar:
        holidays: dict[date, str] = {}
        workdays: dict[date, str] = {}
        for arrangement in arrangements:
            holidays.update(arrangement.holidays)
            workdays.update(arrangement.workdays)
        return cls(frozenset(a.year for a in arrangements), holidays, workdays)


@cache
def package_years() -> dict[int, YearArrangement]:
    """The installed package's years (2004–2026 for chinese-calendar 1.11), names in Chinese."""
    by_year: dict[int, tuple[dict[date, str], dict[date, str]]] = {}
    for source, index in ((package_data.holidays, 0), (package_data.workdays, 1)):
        for day, name in source.items():
            by_year.setdefault(day.year, ({}, {}))[index][day] = HOLIDAY_NAMES_ZH.get(name, name)
    return {y: YearArrangement(y, h, w) for y, (h, w) in sorted(by_year.items())}


@cache
def package_calendar() -> Calendar:
    """The package's years only: what deadline arithmetic counts on without a database's."""
    return Calendar.of(list(package_years().values()))


def load(session: Session) -> Calendar:
    """The database's years, with the package's for years the database does not hold."""
    rows = session.execute(
        select(WorkdayDay.year, WorkdayDay.day, WorkdayDay.kind, WorkdayDay.name)
    ).all()
    entered = set(session.execute(select(WorkdayYear.year)).scalars())
    days: dict[int, tuple[dict[date, str], dict[date, str]]] = {y: ({}, {}) for y in entered}
    for year, day, kind, name in rows:
        days[year][0 if kind == DayKind.HOLIDAY else 1][day] = name
    arrangements = [YearArrangement(y, h, w) for y, (h, w) in days.items()]
    arrangements += [a for y, a in package_years().items() if y not in entered]
    return Calendar.of(arrangements)


@dataclass
class _Cached:
    stamp: Any
    calendar: Calendar


_cached: weakref.WeakKeyDictionary[Engine, _Cached] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _stamp(session: Session) -> Any:
    """What changes whenever a year is entered or replaced (here or in another process)."""
    count, last = session.execute(
        select(func.count(), func.max(WorkdayYear.entered_at)).select_from(WorkdayYear)
    ).one()
    return (int(count or 0), str(last))


def calendar_of(session: Session) -> Calendar:
    """The calendar of the session's database: loaded once per database and process, loaded
    again after a year is entered or replaced (one small query tells)."""
    engine, stamp = _engine(session), _stamp(session)
    with _lock:
        cached = _cached.get(engine)
        if cached is not None and cached.stamp == stamp:
            return cached.calendar
    calendar = load(session)
    with _lock:
        _cached[engine] = _Cached(stamp, calendar)
    return calendar


def invalidate(session: Session) -> None:
    """Forget this database's calendar (after an edit in this transaction)."""
    with _lock:
        _cached.pop(_engine(session), None)
