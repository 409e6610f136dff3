"""The display window of a record (RULES.md §1): computed here and nowhere else.

The period runs from the finding document's date (or, for financial credit data, the end of the
act, though nothing is shown before the finding date) for a number of months the kind allows; the
provider may ask for a period within the kind's minimum and maximum, else the kind's default
applies. At the end of the window display stops automatically. The earliest repair application is
the minimum period after the anchor date.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import NamedTuple

from chengxin.catalog.schema import Category, DisplayPeriod


class Window(NamedTuple):
    months: int
    from_on: date
    until_on: date  # last day shown is the day before
    repair_from_on: date | None


class PeriodOutOfRange(ValueError):
    """The provider asked for a period the kind does not allow."""

    def __init__(self, months: int, period: DisplayPeriod) -> None:
        super().__init__(f"{months} months is outside {period.min_months}–{period.max_months}")
        self.months = months
        self.period = period


def add_months(day: date, months: int) -> date:
    """Calendar months later; the 31st of a shorter month becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def display_window(
    period: DisplayPeriod,
    category: Category,
    *,
    finding_on: date,
    act_on: date | None,
    months: int | None = None,
) -> Window:
    """The window for a record of a kind with this period; ``months`` is the provider's ask.

    The months count from the anchor (the act's end for financial credit data), but nothing is
    shown before the finding: the window never opens before ``finding_on``."""
    if months is None:
        months = period.default
    elif not period.min_months <= months <= period.max_months:
        raise PeriodOutOfRange(months, period)
    anchor = act_on if period.anchor == "act_date" and act_on is not None else finding_on
    repair = add_months(anchor, period.min_months) if category is Category.DISHONEST else None
    return Window(months, max(anchor, finding_on), add_months(anchor, months), repair)


def is_displayed(until_on: date, from_on: date, today: date) -> bool:
    """Inside the window: from its first day up to (not including) its end."""
    return from_on <= today < until_on
