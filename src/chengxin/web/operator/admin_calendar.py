"""The working-day calendar (/console/operator/calendar): the years entered, one year's holidays
and adjusted working days, and a form to enter next year's State Council notice.

The form's lines are read here (presentation only); entering is ``workdays.years.enter``, as the
API's ``PUT /api/v1/workdays/years/{year}``, audited there.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from pydantic import BaseModel

from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep
from chengxin.errors import DomainError
from chengxin.security.permissions import Permission
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of, n_, translator
from chengxin.web.operator.frame import BASE as CONSOLE
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other
from chengxin.workdays import years
from chengxin.workdays.days import day_of

BASE = f"{CONSOLE}/calendar"
READ = Permission.WORKDAYS_CALENDAR_READ
MANAGE = Permission.WORKDAYS_CALENDAR_MANAGE
SOURCE_LABELS = {"package": n_("工具包预置"), "operator": n_("运营录入")}

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_NOISE = re.compile(r"[\s,，、;；:：~～至到—–-]+")


class YearForm(BaseModel):
    year: str = ""
    notice: str = ""
    holidays: str = ""  # one holiday a line: 名称 起始日期 结束日期
    workdays: str = ""  # one adjusted working day a line: 日期 [名称]
    reason: str = ""


# The service's problems (``years.PROBLEM_TEXT``) in the reader's language.
PROBLEM_WORDS: dict[str, str] = {
    "year-range": n_("年份须在 {first} 至 {last} 之间"),
    "notice-length": n_("请填写通知文号（1 至 {max} 个字）"),
    "no-holiday": n_("请至少填写一个节假日"),
    "name-length": n_("{where}第 {index} 行：名称须为 1 至 {max} 个字"),
    "ends-before-start": n_("{where}第 {index} 行：结束日期早于开始日期"),
    "outside-year": n_("{where}第 {index} 行：{day} 不在 {year} 年内"),
    "day-twice": n_("{where}第 {index} 行：{day} 重复"),
    "holiday-and-workday": n_("{where}第 {index} 行：{day} 既是节假日又是调休上班日"),
    "weekday": n_("{where}第 {index} 行：{day} 是周一至周五，本来就是工作日"),
    "reason-length": n_("替换理由至多 {max} 个字"),
    "line-unreadable": n_("{where}第 {index} 行：{expected}"),
    "not-a-date": n_("{where}第 {index} 行：{day} 不是有效日期"),
}
WHERE_WORDS = {"holiday": n_("节假日"), "working day": n_("调休上班日")}
EXPECTED_WORDS = {
    "holiday": n_("应为名称和一个或两个日期（放假首日、末日）"),
    "working day": n_("应为一个日期，可加所补的节日名称"),
}


def _dates_and_name(
    line: str, at: dict[str, Any], problems: list[dict[str, Any]]
) -> tuple[list[date], str]:
    found: list[date] = []
    for raw in _DATE.findall(line):
        try:
            found.append(date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-"))))
        except ValueError:
            problems.append(years.problem("not-a-date", day=raw, **at))
    name = _NOISE.sub(" ", _DATE.sub(" ", line)).strip()
    return found, name


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def entry_of(form: YearForm) -> years.YearEntry:
    """The form's text as a year entry; ``workday-calendar-invalid`` for lines that do not read."""
    problems: list[dict[str, Any]] = []
    year = int(form.year) if form.year.strip().isdigit() else 0
    holidays: list[years.HolidaySpan] = []
    for i, line in enumerate(_lines(form.holidays), 1):
        at = {"where": "holiday", "index": i}
        found, name = _dates_and_name(line, at, problems)
        if len(found) not in {1, 2}:
            expected = "a name and one or two dates (first and last day off)"
            problems.append(years.problem("line-unreadable", expected=expected, **at))
            continue
        holidays.append(years.HolidaySpan(name, found[0], found[-1]))
    adjusted: list[years.AdjustedDay] = []
    for i, line in enumerate(_lines(form.workdays), 1):
        at = {"where": "working day", "index": i}
        found, name = _dates_and_name(line, at, problems)
        if len(found) != 1:
            expected = "one date, and the holiday's name if you like"
            problems.append(years.problem("line-unreadable", expected=expected, **at))
            continue
        adjusted.append(years.AdjustedDay(found[0], name))
    if problems:
        raise years.invalid(problems)
    return years.YearEntry(year, form.notice, holidays, adjusted, form.reason.strip() or None)


def problem_lines(error: DomainError | None, _: Any) -> list[Any]:
    """Each problem of a refused entry in the reader's language."""
    if error is None:
        return []
    lines = []
    for item in error.extra.get("items", []):
        params = dict(item)
        where = params.get("where", "")
        if "where" in params:
            params["where"] = str(_(WHERE_WORDS.get(where, where)))
        if params.get("code") == "line-unreadable":
            params["expected"] = str(_(EXPECTED_WORDS.get(where, "")))
        lines.append(_(PROBLEM_WORDS[params.pop("code")], **params))  # Markup, fields escaped
    return lines


class CalendarPages(Controller):
    path = BASE

    @get("/", guards=[page_requires(READ)], sync_to_thread=True)
    def calendar(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Every year entered, and (for operators) the form to enter one."""
        return self._calendar(request, session, actor)

    def _calendar(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        *,
        form: YearForm | None = None,
        error: DomainError | None = None,
    ) -> Response[str]:
        now = utcnow()
        following = day_of(now).year + 1
        return console_page(
            request,
            actor,
            "operator/admin/calendar.html",
            {
                "years": years.list_years(session),
                "missing": years.missing_next_year(session, now),
                "sources": SOURCE_LABELS,
                "form": form or YearForm(year=str(following)),
                "may_manage": actor.can(MANAGE),
                "error": error,
                "problems": problem_lines(error, translator(lang_of(request.cookies))),
            },
            status_code=error.status if error else 200,
        )

    @post("/", guards=[page_requires(MANAGE)], sync_to_thread=True)
    def enter(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[YearForm],
    ) -> Response[Any]:
        """Enter (or, with a reason, replace) a year, as the API."""
        try:
            entry = entry_of(data)
            years.enter(session, entry, actor=actor)
        except DomainError as exc:
            session.rollback()
            return self._calendar(request, session, actor, form=data, error=exc)
        return see_other(f"{BASE}/{entry.year}", notice=n_("工作日历已录入"))

    @get("/{year:int}", guards=[page_requires(READ)], sync_to_thread=True)
    def year(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        year: FromPath[int],
    ) -> Response[str]:
        """One year's holidays and adjusted working days, with its notice."""
        return console_page(
            request,
            actor,
            "operator/admin/calendar_year.html",
            {"detail": years.get(session, year), "sources": SOURCE_LABELS},
        )


CONTROLLERS: list[type[Controller]] = [CalendarPages]
