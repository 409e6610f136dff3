"""HTTP routes of the working-day calendar: the years entered, and entering one (operators)."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody

from chengxin.deps import ActorDep, SessionDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.workdays import years
from chengxin.workdays.schemas import YearBody, YearRead, YearSummaryRead


class WorkdayCalendarController(Controller):
    path = "/api/v1/workdays/years"
    tags = ["workdays"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.WORKDAYS_CALENDAR_READ)],
        summary="The years the working-day calendar holds",
    )
    def list_years(self, session: SessionDep) -> list[YearSummaryRead]:
        """Newest first, each with its notice and who entered it."""
        return [YearSummaryRead.of(s) for s in years.list_years(session)]

    @get(
        "/{year:int}",
        sync_to_thread=True,
        guards=[requires(Permission.WORKDAYS_CALENDAR_READ)],
        summary="One year's holidays and adjusted working days",
    )
    def year(self, session: SessionDep, year: FromPath[int]) -> YearRead:
        """``workday-year-not-found`` for a year not entered."""
        return YearRead.of_detail(years.get(session, year))

    @put(
        "/{year:int}",
        sync_to_thread=True,
        guards=[requires(Permission.WORKDAYS_CALENDAR_MANAGE)],
        summary="Enter (or, with a reason, replace) a year's arrangement",
    )
    def enter(
        self, year: FromPath[int], data: JSONBody[YearBody], session: SessionDep, actor: ActorDep
    ) -> YearRead:
        """The State Council's notice for a year: holidays as date ranges, adjusted working days.
        Deadlines counted from now on use it. ``workday-calendar-invalid`` (422) lists every
        problem; ``workday-year-exists`` (409) when the year is entered and no reason is given."""
        years.enter(session, data.entry(year), actor=actor)
        return YearRead.of_detail(years.get(session, year))
