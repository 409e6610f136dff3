"""Working days in mainland China: holidays, adjusted working weekends, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chinese_calendar import constants as calendar_data
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from chengxin.workdays import (
    add_working_days,
    coverage,
    due_after,
    is_working_day,
    working_days_between,
)
from chengxin.workdays import service as workdays_service
from chengxin.workdays.days import CHINA


def _china(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc,arg-type]


def test_2026_is_covered_by_the_installed_holiday_data() -> None:
    first, last = coverage()
    assert first <= 2026 <= last


def test_spring_festival_2026_matches_the_package_data() -> None:
    # 春节 2026: Feb 15–23 off (Sun–Mon), Saturdays Feb 14 and Feb 28 are working days.
    for offset in range(9):
        day = date(2026, 2, 15) + timedelta(days=offset)
        assert day in calendar_data.holidays
        assert not is_working_day(day)
    assert date(2026, 2, 14) in calendar_data.workdays
    assert date(2026, 2, 28) in calendar_data.workdays
    assert is_working_day(date(2026, 2, 14))
    assert is_working_day(date(2026, 2, 28))
    assert is_working_day(date(2026, 2, 13))
    assert is_working_day(date(2026, 2, 24))


def test_national_day_2026_matches_the_package_data() -> None:
    # 国庆 2026: Oct 1–7 off; Sunday Sep 20 and Saturday Oct 10 are working days.
    for offset in range(7):
        assert not is_working_day(date(2026, 10, 1) + timedelta(days=offset))
    assert is_working_day(date(2026, 9, 20))
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 8))


def test_counting_across_spring_festival() -> None:
    friday = date(2026, 2, 13)
    assert add_working_days(friday, 1) == date(2026, 2, 14)  # the adjusted Saturday
    assert add_working_days(friday, 2) == date(2026, 2, 24)  # after the nine days off
    assert add_working_days(friday, 5) == date(2026, 2, 27)
    assert add_working_days(friday, 6) == date(2026, 2, 28)  # the second adjusted Saturday
    assert add_working_days(friday, 7) == date(2026, 3, 2)
    assert working_days_between(friday, date(2026, 2, 24)) == 2
    assert working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0
    assert working_days_between(date(2026, 2, 24), friday) == -2


def test_counting_across_national_day() -> None:
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)  # Friday → the Sunday
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 8, 9, 10


def test_zero_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 24)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 2, 13), -1)


def test_due_after_spans_the_holiday_and_ends_at_midnight_china_time() -> None:
    # Submitted on Friday Feb 13 2026, 17:30 in China: 5 working days are Feb 14, 24, 25, 26, 27;
    # the deadline is the end of Feb 27, i.e. midnight Feb 28 China time = Feb 27 16:00 UTC.
    submitted = _china(2026, 2, 13, 17, 30).astimezone(UTC)
    due = due_after(submitted, 5)
    assert due == datetime(2026, 2, 27, 16, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_due_after_uses_the_calendar_day_in_china_not_in_utc() -> None:
    # 2026-02-13 20:00 UTC is already Saturday Feb 14 (a working day) in China.
    late = datetime(2026, 2, 13, 20, 0, tzinfo=UTC)
    assert due_after(late, 1) == _china(2026, 2, 25).astimezone(UTC)  # end of Feb 24
    assert due_after(late, 0) == _china(2026, 2, 15).astimezone(UTC)  # end of Feb 14


def test_due_after_refuses_a_naive_moment() -> None:
    with pytest.raises(ValueError):
        due_after(datetime(2026, 2, 13, 12, 0), 1)  # noqa: DTZ001


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.integers(min_value=1, max_value=40),
)
def test_add_working_days_is_a_working_day_monotone_and_inverted_by_counting(
    day: date, n: int
) -> None:
    later = add_working_days(day, n)
    assert is_working_day(later)
    assert later > day
    assert add_working_days(day, n + 1) > later
    assert working_days_between(day, later) == n
    assert working_days_between(later, day) == -n


def test_an_uncovered_year_falls_back_to_weekdays_and_warns_once() -> None:
    year = coverage()[1] + 1
    workdays_service._warned_years.discard(year)
    first_monday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 0)
    with capture_logs() as logs:
        assert is_working_day(first_monday)
        assert not is_working_day(first_monday + timedelta(days=5))  # Saturday
        assert add_working_days(first_monday, 5) == first_monday + timedelta(days=7)
    warnings = [e for e in logs if e["event"] == "workdays.year-not-covered"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert warnings[0]["year"] == year
