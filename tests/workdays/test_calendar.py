"""The working-day calendar as data (issue 20): a year entered through the console or the API
moves deadlines; bad entries are refused with a stable code; the dashboard asks for next year
from 1 October (Beijing date); every "day" is a day in Beijing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin import casework
from chengxin.audit.models import AuditEntry
from chengxin.notifications import service as notification_service
from chengxin.notifications.models import NotificationOutbox
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.web.operator import oversight
from chengxin.workdays import (
    Calendar,
    add_working_days,
    calendar_of,
    due_after,
    last_day,
    working_days_between,
)
from chengxin.workdays import years as calendar_years
from chengxin.workdays.days import CHINA, day_of, midnight
from chengxin.workdays.models import WorkdayDay, WorkdayYear
from tests.helpers import auth, browse_as, post_form

CALENDAR = "/console/operator/calendar"
API = "/api/v1/workdays/years"

# The test's data, NOT the official 2027 notice (the repository's shared docs hold none): 春节
# 2027-02-06 (Sat) to 2027-02-13 (Sat) off, 8 days; Sunday 2027-02-14 and Saturday 2027-02-20 are
# adjusted working days. Replace with the State Council's notice once it is published.
SPRING_2027 = {
    "year": "2027",
    "notice": "国办发明电〔2026〕99号（测试数据）",
    "holidays": "元旦 2027-01-01\n春节 2027-02-06 至 2027-02-13\n",
    "workdays": "2027-02-14 春节\n2027-02-20 春节\n",
    "reason": "",
}
WEDNESDAY = date(2027, 2, 3)
# 10 working days after Wed 3 Feb: Thu 4, Fri 5, (6–13 off), Sun 14, Mon 15 … Fri 19, Sat 20,
# Mon 22. Monday to Friday alone would give Wed 17 Feb.
TENTH_WITH_2027 = date(2027, 2, 22)
TENTH_MONDAY_TO_FRIDAY = date(2027, 2, 17)


def _post(client: TestClient, csrf: str, form: dict[str, str]) -> Any:  # type: ignore[type-arg]
    return post_form(client, f"{CALENDAR}/", csrf, **form)


def test_a_2027_calendar_entered_through_the_console_moves_a_deadline_across_spring_festival(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    filed = datetime(2027, 2, 3, 10, 0, tzinfo=CHINA).astimezone(UTC)
    with runtime.scope() as session:
        before = calendar_of(session)
        assert not before.covers(2027)
        assert add_working_days(WEDNESDAY, 10, calendar=before) == TENTH_MONDAY_TO_FRIDAY

    csrf = browse_as(client, user_for(Role.OPERATOR))
    response = _post(client, csrf, SPRING_2027)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{CALENDAR}/2027"
    page = client.get(f"{CALENDAR}/2027")
    assert page.status_code == 200
    for text in ("春节", "2027-02-06", "2027-02-13", "2027-02-14", "2027-02-20", "99号"):
        assert text in page.text
    listing = client.get(f"{CALENDAR}/")
    assert "2027" in listing.text
    assert "运营录入" in listing.text

    with runtime.scope() as session:
        calendar = calendar_of(session)
        assert calendar.covers(2027)
        assert add_working_days(WEDNESDAY, 10, calendar=calendar) == TENTH_WITH_2027
        assert working_days_between(WEDNESDAY, TENTH_WITH_2027, calendar=calendar) == 10
        # What the objection, repair and list services compute (casework.deadlines, due_after).
        due = casework.deadlines(filed, 10, remind_days_before=0, calendar=calendar).due_at
        assert due == midnight(TENTH_WITH_2027 + timedelta(days=1))
        assert last_day(due) == TENTH_WITH_2027
        assert due != due_after(filed, 10, calendar=before)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "workdays:calendar:enter")
        ).scalar_one()
        assert entry.object_id == "2027"
        assert entry.data is not None
        assert entry.data["workdays"] == 2
        assert entry.data["holidays"] == 9
        row = session.get_one(WorkdayYear, 2027)
        assert (row.source, row.notice) == ("operator", SPRING_2027["notice"])


def test_an_objection_filed_before_spring_festival_2027_is_due_after_it(
    runtime: Runtime, tmp_path: Any
) -> None:
    from chengxin.objections import service as objection_service
    from tests.objections.fixtures import build_rights

    rw = build_rights(runtime, tmp_path)
    _enter_2027(runtime)
    person = rw.aw.with_records[0]
    record = rw.record(person)
    filed = datetime(2027, 2, 3, 10, 0, tzinfo=CHINA).astimezone(UTC)
    with runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=record.id,
            reason="欠税已于认定前缴清，记录有误",
            evidence=[],
            actor=rw.citizen(person),
            settings=rw.settings,
            now=filed,
        )
        days = rw.settings.objection_provider_days  # 7: Thu 4, Fri 5, Sun 14, Mon 15 … Thu 18
        assert last_day(objection.decide_due_at) == date(2027, 2, 18)
        assert add_working_days(WEDNESDAY, days) == date(2027, 2, 12)  # Monday to Friday
    # The person's text message names the same day the page and the report show.
    with runtime.scope() as session:
        sent = session.execute(
            select(NotificationOutbox).where(NotificationOutbox.template == "objection-received")
        ).scalar_one()
        assert "于2027-02-18前答复" in notification_service.text_of(session, sent)


def _enter_2027(runtime: Runtime) -> None:
    from chengxin.security.actor import system_actor
    from chengxin.web.operator.admin_calendar import YearForm, entry_of

    with runtime.scope() as session:
        calendar_years.enter(session, entry_of(YearForm(**SPRING_2027)), actor=system_actor("t"))


def test_a_bad_year_is_refused_beside_the_form_with_a_stable_code(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    csrf = browse_as(client, user_for(Role.OPERATOR))
    bad = {
        **SPRING_2027,
        "holidays": "春节 2027-02-06 2028-01-02\n国庆 2027-10-01 2027-10-07",
        "workdays": "2027-10-02\n2027-02-17",
    }
    response = _post(client, csrf, bad)
    assert response.status_code == 422
    assert "workday-calendar-invalid" in response.text
    assert "不在 2027 年内" in response.text
    assert "既是节假日又是调休上班日" in response.text
    assert "本来就是工作日" in response.text  # 2027-02-17 is a Wednesday
    assert "2027-02-06 2028-01-02" in response.text  # the form keeps what was typed
    unreadable = _post(client, csrf, {**SPRING_2027, "holidays": "春节"})
    assert unreadable.status_code == 422
    assert "应为名称和一个或两个日期" in unreadable.text
    csrf = browse_as(client, user_for(Role.OPERATOR), "en")
    english = _post(client, csrf, bad)
    assert "is both a day off and a working day" in english.text
    with runtime.scope() as session:
        assert session.get(WorkdayYear, 2027) is None
        assert not session.execute(select(WorkdayDay).where(WorkdayDay.year == 2027)).first()


def test_the_api_enters_replaces_with_a_reason_and_refuses_bad_dates(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
) -> None:
    token = token_for(Permission.WORKDAYS_CALENDAR_MANAGE, Permission.WORKDAYS_CALENDAR_READ)
    body = {
        "notice": "国办发明电〔2026〕99号（测试数据）",
        "holidays": [{"name": "春节", "start": "2027-02-06", "end": "2027-02-13"}],
        "workdays": [{"day": "2027-02-14", "name": "春节"}, {"day": "2027-02-20"}],
    }
    created = client.put(f"{API}/2027", json=body, headers=auth(token))
    assert created.status_code == 200, created.text
    assert created.json()["holidays"] == 8
    assert created.json()["adjusted_days"][1] == {"day": "2027-02-20", "name": "春节"}
    again = client.put(f"{API}/2027", json=body, headers=auth(token))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/workday-year-exists")
    replaced = client.put(
        f"{API}/2027", json={**body, "workdays": [], "reason": "更正录入错误"}, headers=auth(token)
    )
    assert replaced.status_code == 200
    assert replaced.json()["workdays"] == 0
    bad = client.put(
        f"{API}/2027",
        json={
            **body,
            "holidays": [
                {"name": "春节", "start": "2027-02-13", "end": "2027-02-06"},
                {"name": "国庆", "start": "2026-10-01", "end": "2026-10-07"},
            ],
            "reason": "x",
        },
        headers=auth(token),
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["type"].endswith("/workday-calendar-invalid")
    assert [i["code"] for i in problem["items"]] == ["ends-before-start", "outside-year"]
    listing = client.get(API, headers=auth(token)).json()
    assert listing[0]["year"] == 2027
    assert client.get(f"{API}/2031", headers=auth(token)).status_code == 404
    reader = token_for(Permission.WORKDAYS_CALENDAR_READ)
    assert client.put(f"{API}/2027", json=body, headers=auth(reader)).status_code == 403
    with runtime.scope() as session:
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.object_type == "workday_year")
        ).scalars()
        assert list(actions) == ["workdays:calendar:enter", "workdays:calendar:replace"]


def test_the_package_years_are_the_calendar_of_a_fresh_database(
    runtime: Runtime, db_kind: str
) -> None:
    with runtime.scope() as session:
        calendar = calendar_of(session)
        assert calendar.covers(2004)
        assert calendar.covers(2026)
        assert not calendar.is_working_day(date(2026, 2, 17))  # 春节 2026
        assert calendar.is_working_day(date(2026, 2, 14))  # the adjusted Saturday
        if db_kind == "sqlite":  # PostgreSQL test runs empty every table between tests
            seeded = calendar_years.list_years(session)
            assert {y.year for y in seeded} == set(range(2004, 2027))
            assert {y.source for y in seeded} == {"package"}
            spring = calendar_years.get(session, 2026).holidays
            assert any(h.name == "春节" and h.start == date(2026, 2, 15) for h in spring)


@pytest.mark.parametrize(
    ("now", "warned"),
    [
        (datetime(2026, 9, 30, 15, 59, tzinfo=UTC), False),  # 23:59 on 30 September in Beijing
        (datetime(2026, 9, 30, 16, 0, tzinfo=UTC), True),  # 00:00 on 1 October in Beijing
        (datetime(2026, 12, 7, 9, 0, tzinfo=UTC), True),
    ],
)
def test_the_dashboard_asks_for_next_year_from_1_october_beijing_time(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    now: datetime,
    warned: bool,
) -> None:
    monkeypatch.setattr(oversight, "utcnow", lambda: now)
    browse_as(client, user_for(Role.OPERATOR))
    page = client.get("/console/operator")
    assert page.status_code == 200
    assert ('id="calendar-missing"' in page.text) is warned
    if warned:
        assert "2027 年的节假日安排尚未录入" in page.text
        _enter_2027(runtime)
        assert 'id="calendar-missing"' not in client.get("/console/operator").text


# -- Beijing days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC), date(2026, 12, 31)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_the_day_is_the_day_in_beijing(utc: datetime, day: date) -> None:
    assert day_of(utc) == day
    assert midnight(day) <= utc < midnight(day + timedelta(days=1))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))  # noqa: DTZ001
def test_from_16_00_utc_it_is_already_tomorrow_in_beijing(naive: datetime) -> None:
    moment = naive.replace(tzinfo=UTC)
    expected = moment.date() + timedelta(days=1 if moment.hour >= 16 else 0)
    assert day_of(moment) == expected
    assert midnight(day_of(moment)) <= moment < midnight(day_of(moment) + timedelta(days=1))


def test_a_deadline_s_last_day_is_the_day_before_its_midnight() -> None:
    due = midnight(date(2027, 2, 23))  # 2027-02-22 16:00 UTC
    assert last_day(due) == date(2027, 2, 22)
    assert last_day(due.replace(tzinfo=None)) == date(2027, 2, 22)  # stored naive UTC


# -- random calendars ------------------------------------------------------------------------------

COVERED = frozenset(range(2027, 2031))
DAYS_2027_2030 = st.dates(min_value=date(2027, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    holidays = draw(st.sets(DAYS_2027_2030, max_size=80))
    weekends = [d for d in draw(st.sets(DAYS_2027_2030, max_size=30)) if d.weekday() >= 5]
    return Calendar(
        COVERED,
        dict.fromkeys(holidays, "假日"),
        {d: "调休" for d in weekends if d not in holidays},
    )


@given(
    calendars(),
    st.dates(min_value=date(2027, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(min_value=0, max_value=60),
)
def test_adding_n_working_days_then_counting_back_gives_n(
    calendar: Calendar, day: date, n: int
) -> None:
    later = add_working_days(day, n, calendar=calendar)
    assert calendar.is_working_day(later)
    assert later >= day
    if n > 0:
        assert working_days_between(day, later, calendar=calendar) == n
        assert working_days_between(later, day, calendar=calendar) == -n
        assert add_working_days(day, n + 1, calendar=calendar) > later
