"""Entering a year's arrangement (国务院办公厅关于部分节假日安排的通知) into the calendar: the
holidays as date ranges with their names, the adjusted working days (调休上班, weekend days), and
the notice's reference. The console and the API call ``enter``; each entry or replacement is an
audit entry, as a catalog activation is.

A year already entered is replaced only with a reason (a corrected notice, a typing error); the
dashboard warns from 1 October (in China) while next year is not entered (``missing_next_year``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.security.actor import Actor
from chengxin.workdays import calendar as workday_calendar
from chengxin.workdays.days import day_of
from chengxin.workdays.errors import CalendarInvalid, CalendarYearExists, CalendarYearNotFound
from chengxin.workdays.models import DayKind, Source, WorkdayDay, WorkdayYear

TABLE = "workday_year"
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_NAME, MAX_NOTICE, MAX_REASON = 100, 200, 500
WARN_FROM = (10, 1)  # month, day: from 1 October the dashboard asks for next year's notice
_SATURDAY = 5


@dataclass(frozen=True)
class HolidaySpan:
    """A holiday's days off, both ends included (the weekend days inside it too)."""

    name: str
    start: date
    end: date

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class AdjustedDay:
    """A weekend day that is a working day, with the holiday it makes up for."""

    day: date
    name: str


@dataclass(frozen=True)
class YearEntry:
    """What an operator enters for a year."""

    year: int
    notice: str
    holidays: list[HolidaySpan]
    workdays: list[AdjustedDay] = field(default_factory=list)
    reason: str | None = None  # required to replace a year already entered


@dataclass(frozen=True)
class YearSummary:
    year: int
    notice: str
    source: str
    entered_by: str
    entered_at: datetime
    reason: str | None
    holidays: int
    workdays: int


@dataclass(frozen=True)
class YearDetail:
    summary: YearSummary
    holidays: list[HolidaySpan]  # consecutive days of one name joined into one span
    workdays: list[AdjustedDay]


# What can be wrong with an entry, in English (the API's ``problems``); the console words each
# code in the reader's language from the same ``items`` (``{"code", "where", "index", …}``).
PROBLEM_TEXT: dict[str, str] = {
    "year-range": "year: between {first} and {last}",
    "notice-length": "notice: the notice's reference, 1 to {max} characters",
    "no-holiday": "holidays: at least one holiday",
    "name-length": "{where} {index}: a name of 1 to {max} characters",
    "ends-before-start": "{where} {index}: ends before it starts",
    "outside-year": "{where} {index}: {day} is not inside {year}",
    "day-twice": "{where} {index}: {day} is given twice",
    "holiday-and-workday": "{where} {index}: {day} is both a holiday and a working day",
    "weekday": "{where} {index}: {day} is a weekday, which is a working day anyway",
    "reason-length": "reason: at most {max} characters",
    "line-unreadable": "{where} line {index}: {expected}",
    "not-a-date": "{where} line {index}: {day} is not a date",
}


def problem(code: str, **params: Any) -> dict[str, Any]:
    """One problem of an entry: its code and what the message names (``where``: ``holiday`` or
    ``working day``, ``index`` counted from 1, ``day``, …)."""
    return {"code": code, **{k: str(v) for k, v in params.items()}}


def problem_text(item: dict[str, Any]) -> str:
    return PROBLEM_TEXT[item["code"]].format(**item)


def invalid(items: list[dict[str, Any]]) -> CalendarInvalid:
    """``workday-calendar-invalid`` with every problem: ``problems`` in English, ``items`` coded."""
    texts = [problem_text(i) for i in items]
    return CalendarInvalid("; ".join(texts), problems=texts, items=items)


def _holiday_problems(entry: YearEntry, seen: dict[date, str]) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    if not entry.holidays:
        problems.append(problem("no-holiday"))
    for i, span in enumerate(entry.holidays, 1):
        at = {"where": "holiday", "index": i}
        if not span.name.strip() or len(span.name.strip()) > MAX_NAME:
            problems.append(problem("name-length", max=MAX_NAME, **at))
        if span.end < span.start:
            problems.append(problem("ends-before-start", **at))
        elif span.start.year != entry.year or span.end.year != entry.year:
            day = span.start if span.start.year != entry.year else span.end
            problems.append(problem("outside-year", day=day, year=entry.year, **at))
        else:
            for day in span.days():
                if day in seen:
                    problems.append(problem("day-twice", day=day, **at))
                seen[day] = span.name.strip()
    return problems


def _workday_problem(
    extra: AdjustedDay, year: int, seen: dict[date, str], adjusted: set[date]
) -> tuple[str, dict[str, Any]] | None:
    if extra.day.year != year:
        return "outside-year", {"day": extra.day, "year": year}
    if extra.day in seen:
        return "holiday-and-workday", {"day": extra.day}
    if extra.day in adjusted:
        return "day-twice", {"day": extra.day}
    if extra.day.weekday() < _SATURDAY:
        return "weekday", {"day": extra.day}
    if len(extra.name.strip()) > MAX_NAME:
        return "name-length", {"max": MAX_NAME}
    return None


def _problems(entry: YearEntry) -> list[dict[str, Any]]:
    if not FIRST_YEAR <= entry.year <= LAST_YEAR:
        return [problem("year-range", first=FIRST_YEAR, last=LAST_YEAR)]
    problems: list[dict[str, Any]] = []
    if not entry.notice.strip() or len(entry.notice.strip()) > MAX_NOTICE:
        problems.append(problem("notice-length", max=MAX_NOTICE))
    seen: dict[date, str] = {}
    problems += _holiday_problems(entry, seen)
    adjusted: set[date] = set()
    for i, extra in enumerate(entry.workdays, 1):
        found = _workday_problem(extra, entry.year, seen, adjusted)
        if found is not None:
            problems.append(problem(found[0], where="working day", index=i, **found[1]))
        adjusted.add(extra.day)
    if entry.reason is not None and len(entry.reason.strip()) > MAX_REASON:
        problems.append(problem("reason-length", max=MAX_REASON))
    return problems


def validate(entry: YearEntry) -> None:
    """``workday-calendar-invalid`` listing every problem, or nothing."""
    problems = _problems(entry)
    if problems:
        raise invalid(problems)


def _digest(entry: YearEntry) -> str:
    canonical = {
        "year": entry.year,
        "holidays": [
            [s.name.strip(), s.start.isoformat(), s.end.isoformat()]
            for s in sorted(entry.holidays, key=lambda s: s.start)
        ],
        "workdays": sorted([w.day.isoformat(), w.name.strip()] for w in entry.workdays),
    }
    raw = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def _default_name(entry: YearEntry, day: date) -> str:
    """An adjusted working day given without a name takes the nearest holiday's."""
    if not entry.holidays:
        return ""
    nearest = min(
        entry.holidays, key=lambda s: min(abs((day - s.start).days), abs((day - s.end).days))
    )
    return nearest.name.strip()


def enter(
    session: Session, entry: YearEntry, *, actor: Actor, now: datetime | None = None
) -> WorkdayYear:
    """Enter a year (or replace one already entered, with a reason), audited; deadlines counted
    from now on use it."""
    now = now or utcnow()
    validate(entry)
    row = session.get(WorkdayYear, entry.year, with_for_update=True)
    reason = (entry.reason or "").strip() or None
    replaced = row is not None
    if row is not None:
        if reason is None:
            raise CalendarYearExists(
                f"{entry.year} is already entered ({row.notice})", year=entry.year
            )
        session.execute(delete(WorkdayDay).where(WorkdayDay.year == entry.year))
    else:
        row = WorkdayYear(year=entry.year)
        session.add(row)
    row.notice, row.source, row.entered_by, row.entered_at, row.reason = (
        entry.notice.strip(),
        Source.OPERATOR,
        actor.name,
        now,
        reason,
    )
    session.flush()
    for span in entry.holidays:
        for day in span.days():
            session.add(
                WorkdayDay(day=day, year=entry.year, kind=DayKind.HOLIDAY, name=span.name.strip())
            )
    for extra in entry.workdays:
        name = extra.name.strip() or _default_name(entry, extra.day)
        session.add(WorkdayDay(day=extra.day, year=entry.year, kind=DayKind.WORKDAY, name=name))
    session.flush()
    audit.record(
        session,
        "workdays:calendar:replace" if replaced else "workdays:calendar:enter",
        actor=actor,
        object_type=TABLE,
        object_id=str(entry.year),
        at=now,
        data={
            "notice": row.notice,
            "digest": _digest(entry),
            "holidays": sum(len(s.days()) for s in entry.holidays),
            "workdays": len(entry.workdays),
            "reason": reason,
        },
    )
    workday_calendar.invalidate(session)
    return row


def _summaries(session: Session, years: list[WorkdayYear]) -> list[YearSummary]:
    counts: dict[tuple[int, str], int] = {
        (y, k): int(n)
        for y, k, n in session.execute(
            select(WorkdayDay.year, WorkdayDay.kind, func.count()).group_by(
                WorkdayDay.year, WorkdayDay.kind
            )
        ).all()
    }
    return [
        YearSummary(
            r.year,
            r.notice,
            r.source,
            r.entered_by,
            r.entered_at,
            r.reason,
            counts.get((r.year, DayKind.HOLIDAY), 0),
            counts.get((r.year, DayKind.WORKDAY), 0),
        )
        for r in years
    ]


def list_years(session: Session) -> list[YearSummary]:
    """Every year entered, newest first."""
    rows = list(session.execute(select(WorkdayYear).order_by(WorkdayYear.year.desc())).scalars())
    return _summaries(session, rows)


def get(session: Session, year: int) -> YearDetail:
    """One entered year with its holidays (as spans) and adjusted working days."""
    row = session.get(WorkdayYear, year)
    if row is None:
        raise CalendarYearNotFound(f"{year} is not entered", year=year)
    days = session.execute(
        select(WorkdayDay).where(WorkdayDay.year == year).order_by(WorkdayDay.day)
    ).scalars()
    spans: list[HolidaySpan] = []
    adjusted: list[AdjustedDay] = []
    for d in days:
        if d.kind == DayKind.WORKDAY:
            adjusted.append(AdjustedDay(d.day, d.name))
        elif spans and spans[-1].name == d.name and spans[-1].end + timedelta(days=1) == d.day:
            spans[-1] = HolidaySpan(d.name, spans[-1].start, d.day)
        else:
            spans.append(HolidaySpan(d.name, d.day, d.day))
    return YearDetail(_summaries(session, [row])[0], spans, adjusted)


def missing_next_year(session: Session, now: datetime) -> int | None:
    """Next year, when today (in China) is on or after 1 October and the calendar does not cover
    next year yet; else None."""
    today = day_of(now)
    if (today.month, today.day) < WARN_FROM:
        return None
    following = today.year + 1
    if workday_calendar.calendar_of(session).covers(following):
        return None
    return following
