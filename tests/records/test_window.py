"""The display window (RULES.md §1) — properties over all dates and periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.catalog.schema import Category, DisplayPeriod
from chengxin.records import window

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def periods(draw: st.DrawFn) -> DisplayPeriod:
    low = draw(st.integers(0, 60))
    high = draw(st.integers(low, 120))
    default = draw(st.none() | st.integers(low, high))
    anchor = draw(st.sampled_from(["finding_date", "act_date"]))
    return DisplayPeriod(min_months=low, max_months=high, default_months=default, anchor=anchor)


def test_add_months_clamps_to_the_month_end() -> None:
    assert window.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert window.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert window.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


@given(dates, st.integers(0, 600), st.integers(0, 600))
def test_add_months_is_monotone(day: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert window.add_months(day, low) <= window.add_months(day, high)


@given(periods(), dates, dates, st.sampled_from(list(Category)), st.data())
def test_the_window_lies_within_the_kinds_bounds(
    period: DisplayPeriod, finding: date, act: date, category: Category, data: st.DataObject
) -> None:
    act = min(act, finding)
    months = data.draw(st.none() | st.integers(period.min_months, period.max_months))
    w = window.display_window(period, category, finding_on=finding, act_on=act, months=months)
    anchor = act if period.anchor == "act_date" else finding
    assert w.from_on == finding  # never shown before its finding date, whatever the anchor
    assert window.add_months(anchor, period.min_months) <= w.until_on
    assert w.until_on <= window.add_months(anchor, period.max_months)
    assert w.months == (period.default if months is None else months)
    # Past the maximum, nothing is displayed, whatever day it is (RULES.md §1: automatic stop).
    assert not window.is_displayed(
        w.until_on, w.from_on, window.add_months(anchor, period.max_months)
    )
    assert (w.repair_from_on is not None) == (category is Category.DISHONEST)


@given(periods(), dates, st.integers(-50, 200))
def test_periods_outside_the_bounds_are_refused(
    period: DisplayPeriod, day: date, months: int
) -> None:
    inside = period.min_months <= months <= period.max_months
    if inside:
        window.display_window(period, Category.GOOD, finding_on=day, act_on=day, months=months)
    else:
        with pytest.raises(window.PeriodOutOfRange):
            window.display_window(period, Category.GOOD, finding_on=day, act_on=day, months=months)


def test_a_window_anchored_on_the_act_opens_on_the_finding_date() -> None:
    # Financial data: the months count from the act's end, display starts at the finding.
    period = DisplayPeriod(min_months=12, max_months=60, default_months=60, anchor="act_date")
    w = window.display_window(
        period, Category.DISHONEST, finding_on=date(2026, 3, 10), act_on=date(2025, 11, 30)
    )
    assert w.from_on == date(2026, 3, 10)
    assert w.until_on == date(2030, 11, 30)
    assert w.repair_from_on == date(2026, 11, 30)
