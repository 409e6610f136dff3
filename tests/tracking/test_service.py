"""Task tracking through the service: record, report, close; scope; and the daily sweep's
reminders and overdue alerts on Beijing working days, across the 2026 National Day holiday."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin import workdays
from chengxin.audit.models import AuditEntry
from chengxin.evidence.service import EvidenceFile, EvidenceInvalid
from chengxin.jobs.worker import Worker
from chengxin.tracking import seed as tracking_seed
from chengxin.tracking import service as tracking_service
from chengxin.tracking.errors import NotATaskUnit, TaskClosed, TaskInvalid, TaskNotFound
from chengxin.tracking.models import Milestone, Task, TaskUnit
from chengxin.workdays.calendar import package_calendar
from chengxin.workdays.days import midnight
from tests.tracking.fixtures import PDF, PNG, TrackingWorld, at_nine, b64, build

MilestoneInput = tracking_service.MilestoneInput


@pytest.fixture
def tw(runtime: Any) -> TrackingWorld:
    return build(runtime)


def test_create_counts_working_days_and_audits(tw: TrackingWorld) -> None:
    # Three working days from Wednesday 30 September 2026: 8 and 9 October, then Saturday
    # 10 October (an adjusted working day); 1–7 October are the National Day holiday.
    task = tw.create(
        milestones=[
            MilestoneInput("报送方案", start_on=date(2026, 9, 30), workdays=3),
            MilestoneInput("完成建档", due_on=date(2026, 12, 31)),
        ],
        now=at_nine(date(2026, 9, 30)),
    )
    with tw.scope() as session:
        milestones = tracking_service.milestones_of(session, task.id)
        assert [(m.title, m.due_on, m.start_on, m.workdays) for m in milestones] == [
            ("报送方案", date(2026, 10, 10), date(2026, 9, 30), 3),
            ("完成建档", date(2026, 12, 31), None, None),
        ]
        units = {
            (u.organization_id, u.role)
            for u in session.execute(select(TaskUnit).where(TaskUnit.task_id == task.id)).scalars()
        }
    assert units == {(tw.market_org, "lead"), (tw.education_org, "responsible")}
    assert task.number.startswith("RW-20260930-")
    (entry,) = tw.audit(task.id)
    assert entry.action == "tracking:task:create"
    assert entry.data["milestones"][0] == {"title": "报送方案", "due_on": "2026-10-10"}


def test_a_milestone_takes_a_due_date_or_working_days_not_both(tw: TrackingWorld) -> None:
    both = MilestoneInput("x", due_on=date(2026, 12, 1), workdays=3)
    with pytest.raises(TaskInvalid):
        tw.create(milestones=[both])
    with pytest.raises(TaskInvalid):
        tw.create(milestones=[MilestoneInput("x")])
    with pytest.raises(TaskInvalid):
        tw.create(lead=uuid.uuid4())
    with pytest.raises(TaskInvalid):  # a finding task names its finding
        tw.create(source="finding", assessment_id=uuid.uuid4())
    with pytest.raises(TaskInvalid):  # a manual task does not
        tw.create(indicator="on-time-feedback")


def test_units_report_with_files_others_are_refused(tw: TrackingWorld) -> None:
    task = tw.create()
    with tw.scope() as session:
        [milestone] = tracking_service.milestones_of(session, task.id)
        tracking_service.report(
            session,
            task.id,
            text="已完成方案起草",
            milestone_id=milestone.id,
            files=[
                EvidenceFile("方案.pdf", "application/pdf", b64(PDF)),
                EvidenceFile("照片.png", "image/png", b64(PNG)),
            ],
            actor=tw.education_clerk,
            now=at_nine(date(2026, 12, 1)),
        )
    with tw.scope() as session, pytest.raises(NotATaskUnit):
        # Yichang's market office is not on the task (nor sees it): it is told it is not a unit.
        tracking_service.report(session, task.id, text="x", actor=tw.yichang_clerk)
    with tw.scope() as session, pytest.raises(NotATaskUnit):
        # The operator sees every task but is not one of its units.
        tracking_service.report(session, task.id, text="x", actor=tw.operator)
    with tw.scope() as session, pytest.raises(EvidenceInvalid):
        tracking_service.report(
            session,
            task.id,
            text="x",
            actor=tw.market_clerk,
            files=[EvidenceFile("a.pdf", "application/pdf", b64(PNG))],  # not a PDF
        )
    with tw.scope() as session:
        shown = tracking_service.view(
            session,
            tracking_service.get_or_raise(session, task.id, actor=tw.operator),
            actor=tw.operator,
        )
        [report] = shown.reports
        assert (report.organization, report.milestone, report.report.text) == (
            "测试省教育厅",
            "报送方案",
            "已完成方案起草",
        )
        assert shown.milestones[0].done_on == date(2026, 12, 1)
        first, second = report.attachments
        opened = tracking_service.open_attachment(session, task.id, first.id, actor=tw.operator)
        assert (opened.filename, opened.content) == ("方案.pdf", PDF)
        assert second.size == len(PNG)
    actions = [e.action for e in tw.audit(task.id)]
    assert actions == ["tracking:task:create", "tracking:progress:submit"]


def test_close_links_back_to_the_finding_and_ends_the_task(tw: TrackingWorld) -> None:
    assessment_id = uuid.uuid4()
    task = tw.create(
        source="finding",
        assessment_id=assessment_id,
        indicator="on-time-feedback",
        unit_kind="department",
        unit_code="market",
    )
    with tw.scope() as session:
        found = tracking_service.tasks_for_assessment(session, assessment_id, actor=tw.market_clerk)
        assert [(t.id, t.indicator, t.unit_kind, t.unit_code, t.status) for t in found] == [
            (task.id, "on-time-feedback", "department", "market", "open")
        ]
        assert (
            tracking_service.tasks_for_assessment(session, assessment_id, actor=tw.yichang_clerk)
            == []
        )
        now = at_nine(date(2027, 1, 4))  # after the default milestone's 31 December

        def late() -> list[bool]:
            found = tracking_service.get_or_raise(session, task.id, actor=tw.operator)
            shown = tracking_service.view(session, found, actor=tw.operator, now=now)
            return [shown.is_late(m) for m in shown.milestones]

        assert late() == [True]
        tracking_service.close(session, task.id, note="已整改到位", actor=tw.operator)
        assert late() == [False]  # a closed task has nothing late
    url = f"/console/work/assessments/{assessment_id}#department-market-on-time-feedback"
    close = tw.audit(task.id)[-1]
    assert (close.action, close.data["finding"]) == ("tracking:task:close", url)
    with tw.scope() as session, pytest.raises(TaskClosed):
        tracking_service.report(session, task.id, text="再报", actor=tw.market_clerk)
    with tw.scope() as session, pytest.raises(TaskClosed):
        tracking_service.close(session, task.id, note="again", actor=tw.operator)


def test_scope(tw: TrackingWorld) -> None:
    wuhan = tw.create()  # market (Wuhan) + education
    yichang = tw.create(lead=tw.yichang_market_org, responsible=[])

    def seen(actor: Any) -> set[uuid.UUID]:
        with tw.scope() as session:
            return {r.task.id for r in tracking_service.listing(session, actor=actor).items}

    assert seen(tw.operator) == {wuhan.id, yichang.id}
    assert seen(tw.yichang_operator) == {yichang.id}
    assert seen(tw.market_clerk) == {wuhan.id}
    assert seen(tw.education_clerk) == {wuhan.id}
    assert seen(tw.yichang_clerk) == {yichang.id}
    with tw.scope() as session, pytest.raises(TaskNotFound):
        tracking_service.get_or_raise(session, wuhan.id, actor=tw.yichang_clerk)


def test_listing_orders_by_due_day_and_marks_overdue(tw: TrackingWorld) -> None:
    later = tw.create(title="后", milestones=[MilestoneInput("m", due_on=date(2026, 12, 30))])
    late = tw.create(title="逾期", milestones=[MilestoneInput("m", due_on=date(2026, 12, 1))])
    none = tw.create(title="无节点", milestones=[])
    with tw.scope() as session:
        page = tracking_service.listing(session, actor=tw.operator, now=at_nine(date(2026, 12, 7)))
        assert [(r.task.id, r.overdue) for r in page.items] == [
            (late.id, True),
            (later.id, False),
            (none.id, False),
        ]
        assert (page.open, page.overdue) == (3, 1)
        overdue = tracking_service.listing(
            session, actor=tw.operator, overdue_only=True, now=at_nine(date(2026, 12, 7))
        )
        assert [r.task.id for r in overdue.items] == [late.id]


def test_reminder_and_overdue_alert_fire_once_on_the_right_days_across_national_day(
    tw: TrackingWorld,
) -> None:
    """DONE-WHEN: due in 3 working days from 30 September 2026 → due Saturday 10 October (an
    adjusted working day after the holiday); reminded on Friday 9 October (the working day
    before), alerted on Sunday 11 October (the first day after). The scheduled job runs every
    morning from 30 September to 14 October."""
    task = tw.create(
        milestones=[MilestoneInput("报送方案", start_on=date(2026, 9, 30), workdays=3)],
        now=at_nine(date(2026, 9, 30)),
    )
    worker = Worker(tw.runtime, name="tracking-test")
    fired: dict[date, tuple[int, int, int]] = {}
    day = date(2026, 9, 30)
    while day <= date(2026, 10, 14):
        # The schedule runs hourly; a worker ticking at 09:00 and 15:00 runs it twice a day.
        for hour in (9, 15):
            while worker.run_once(midnight(day) + timedelta(hours=hour)):
                pass
        fired[day] = (
            len(tw.notices(tw.market_org, "task-due-soon")),
            len(tw.notices(tw.education_org, "task-overdue")),
            len(tw.notices(tw.operator_org, "task-overdue")),
        )
        day += timedelta(days=1)
    none = (0, 0, 0)
    reminded_on = [d for d, c in fired.items() if c[0] > fired.get(d - timedelta(days=1), none)[0]]
    alerted_on = [d for d, c in fired.items() if c[1] > fired.get(d - timedelta(days=1), none)[1]]
    assert reminded_on == [date(2026, 10, 9)]
    assert alerted_on == [date(2026, 10, 11)]
    assert fired[date(2026, 10, 14)] == (1, 1, 1)  # each once, to the units and the operator
    assert len(tw.notices(tw.education_org, "task-due-soon")) == 1
    assert tw.notices(tw.market_org, "task-due-soon")[0].data["due_on"] == "2026-10-10"
    actions = [e.action for e in tw.audit(task.id)]
    assert actions == [
        "tracking:task:create",
        "tracking:milestone:remind",
        "tracking:milestone:escalate",
    ]


def test_a_done_milestone_is_neither_reminded_nor_alerted(tw: TrackingWorld) -> None:
    task = tw.create(milestones=[MilestoneInput("m", due_on=date(2026, 10, 9))])
    with tw.scope() as session:
        [m] = tracking_service.milestones_of(session, task.id)
        tracking_service.report(
            session,
            task.id,
            text="完成",
            milestone_id=m.id,
            actor=tw.market_clerk,
            now=at_nine(date(2026, 9, 29)),
        )
    for day in (date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 12)):
        with tw.scope() as session:
            done = tracking_service.sweep(session, actor=tw.operator, now=at_nine(day))
            assert (done.reminded, done.alerted) == (0, 0)


def test_reminder_lead_setting(tw: TrackingWorld) -> None:
    # Two working days before Thursday 8 October: Tuesday 29 September (30 Sept is one).
    task = tw.create(milestones=[MilestoneInput("m", due_on=date(2026, 10, 8))])
    for day, expected in ((date(2026, 9, 28), 0), (date(2026, 9, 29), 1), (date(2026, 9, 30), 0)):
        with tw.scope() as session:
            done = tracking_service.sweep(
                session, actor=tw.operator, remind_workdays=2, now=at_nine(day)
            )
            assert done.reminded == expected, day
    with tw.scope() as session:
        [m] = session.execute(select(Milestone).where(Milestone.task_id == task.id)).scalars()
        assert m.reminded_at == at_nine(date(2026, 9, 29))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    due=st.dates(min_value=date(2025, 1, 10), max_value=date(2026, 12, 20)),
    before=st.integers(min_value=0, max_value=5),
)
def test_the_reminder_day_is_that_many_working_days_before(due: date, before: int) -> None:
    calendar = package_calendar()
    remind = tracking_service.reminder_day(due, before, calendar=calendar)
    assert remind <= due
    if before == 0:
        assert remind == due
    else:
        assert workdays.is_working_day(remind, calendar=calendar)
        # exactly `before` working days in (remind, due] when due is one; else before - 1 + 0
        counted = workdays.working_days_between(remind, due, calendar=calendar)
        assert counted == before - (0 if workdays.is_working_day(due, calendar=calendar) else 1)


def test_seed_tasks_load_once_and_map_departments(tw: TrackingWorld) -> None:
    with tw.scope() as session:
        first = tracking_seed.load_seed_tasks(session, actor=tw.operator)
    with tw.scope() as session:
        again = tracking_seed.load_seed_tasks(session, actor=tw.operator)
        doc = tracking_seed.seed_document()
        assert (first, again) == (len(doc.tasks), 0)
        records = session.execute(select(Task).where(Task.seed_key == "p2017-3-2")).scalar_one()
        units = set(
            session.execute(
                select(TaskUnit.organization_id).where(TaskUnit.task_id == records.id)
            ).scalars()
        )
        # 建立重点领域个人诚信记录: the policy names 省教育厅 and 省工商局 (now market regulation)
        # among the responsible units; Wuhan's market office is the provincial one.
        assert {tw.education_org, tw.market_org} <= units
        assert tw.yichang_market_org not in units
        assert records.source == "seed"
        assert "三、（二）" in records.basis
        assert "省发展改革委" in records.named_units["responsible"]
        # 强化责任落实: only 省发展改革委 leads, which has no organization here: the operator does.
        duty = session.execute(select(Task).where(Task.seed_key == "p2017-7-4")).scalar_one()
        assert duty.lead_organization_id == tw.operator_org
    count = len([e for e in _all_audit(tw) if e.action == "tracking:task:create"])
    assert count == first


def _all_audit(tw: TrackingWorld) -> list[AuditEntry]:
    with tw.scope() as session:
        rows = list(session.execute(select(AuditEntry)).scalars())
        session.expunge_all()
        return rows


def test_utc_is_never_the_day(tw: TrackingWorld) -> None:
    """At 16:30 UTC on 8 October it is already 9 October in Beijing: the reminder fires then."""
    tw.create(milestones=[MilestoneInput("m", due_on=date(2026, 10, 10))])
    with tw.scope() as session:
        early = tracking_service.sweep(
            session, actor=tw.operator, now=datetime(2026, 10, 8, 15, 30, tzinfo=UTC)
        )
        late = tracking_service.sweep(
            session, actor=tw.operator, now=datetime(2026, 10, 8, 16, 30, tzinfo=UTC)
        )
    assert (early.reminded, late.reminded) == (0, 1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 10)),
    n=st.integers(min_value=1, max_value=8),
)
def test_the_sweep_reminds_and_alerts_once_on_the_rule_days(
    tw: TrackingWorld, start: date, n: int
) -> None:
    """For any start day and working-day count: run the sweep every morning from the start to
    three days after the due day; the reminder lands on the working day before the due day (or
    the start day, when that is later), the alert on the day after the due day."""
    task = tw.create(
        milestones=[MilestoneInput("m", start_on=start, workdays=n)], now=at_nine(start)
    )
    calendar = package_calendar()
    due = workdays.add_working_days(start, n, calendar=calendar)
    day = start
    while day <= due + timedelta(days=3):
        with tw.scope() as session:
            tracking_service.sweep(session, actor=tw.operator, now=at_nine(day))
        day += timedelta(days=1)
    with tw.scope() as session:
        [m] = tracking_service.milestones_of(session, task.id)
        assert m.due_on == due
        expected = max(tracking_service.reminder_day(due, 1, calendar=calendar), start)
        assert m.reminded_at == at_nine(expected)
        assert m.overdue_alerted_at == at_nine(due + timedelta(days=1))
    assert [e.action for e in tw.audit(task.id)].count("tracking:milestone:remind") == 1
