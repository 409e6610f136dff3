"""Errors of the working-day calendar."""

from __future__ import annotations

from chengxin.errors import Conflict, InvalidInput, NotFound


class CalendarInvalid(InvalidInput):
    code = "workday-calendar-invalid"
    title = "The year's arrangement does not validate"


class CalendarYearExists(Conflict):
    code = "workday-year-exists"
    title = "This year is already entered; replacing it needs a reason"


class CalendarYearNotFound(NotFound):
    code = "workday-year-not-found"
    title = "No arrangement is entered for this year"
