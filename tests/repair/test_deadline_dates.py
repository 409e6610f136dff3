"""Repair deadlines pinned to calendar dates written by hand, across the 2026 Spring Festival and
National Day (RULES.md §2: decide within 3 working days, answer within 10).

Calendar facts (State Council notices, as chinese-calendar 1.11 carries them), not computed with
``workdays``:
- 春节 2026: rest Sun 15 Feb – Mon 23 Feb; adjusted working Saturdays 14 Feb and 28 Feb.
- 中秋 2026: rest Fri 25 Sep – Sun 27 Sep; 国庆 2026: rest Thu 1 Oct – Wed 7 Oct; adjusted
  working days Sun 20 Sep and Sat 10 Oct.
A deadline is the end of the N-th working day after the filing day in China (UTC+8), stored as the
UTC instant of the following midnight. At the deadline instant an application is overdue (the
sweep's ``decide_due_at <= now``)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.audit.models import AuditEntry
from chengxin.evidence.service import EvidenceFile
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairBasis, RepairStatus
from chengxin.security.actor import system_actor
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PDF = EvidenceFile("完税证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 test").decode())
SWEEPER = system_actor("repair-sweep")
SECOND = timedelta(seconds=1)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Applied Friday 13 Feb 2026 and Wednesday 30 Sep 2026, both 10:00 in Beijing.
SPRING = _utc(2026, 2, 13, 2, 0)
NATIONAL = _utc(2026, 9, 30, 2, 0)

# applied → (remind at, decide due, answer due), by hand:
# 春节: working days after 13 Feb: 14 Feb (Sat), 24, 25, 26, 27, 28 Feb (Sat), 2, 3, 4, 5 Mar.
#   remind (2) → end of 24 Feb; decide 3 → end of 25 Feb; answer 10 → end of 5 Mar.
# 国庆: working days after 30 Sep: 8, 9, 10 (Sat), 12, 13, 14, 15, 16, 19, 20 Oct.
#   remind (2) → end of 9 Oct; decide 3 → end of Sat 10 Oct; answer 10 → end of 20 Oct.
PINNED = {
    SPRING: (_utc(2026, 2, 24, 16, 0), _utc(2026, 2, 25, 16, 0), _utc(2026, 3, 5, 16, 0)),
    NATIONAL: (_utc(2026, 10, 9, 16, 0), _utc(2026, 10, 10, 16, 0), _utc(2026, 10, 20, 16, 0)),
}
DATES = pytest.mark.parametrize(
    "applied", [SPRING, NATIONAL], ids=["spring-festival", "national-day"]
)


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    """A serious tax finding of 2024-06-01: repairable from 2025-06-01, shown until 2027-06-01,
    so an application on either pinned date is eligible."""
    world = build_rights(runtime, tmp_path)
    row = old_tax_row(
        world.aw.people[10],
        "OLD-2024",
        note="已全额补缴",
        认定日期="2024-06-01",
        行为日期="2024-05-01",
        告知日期="2024-06-05",
    )
    assert world.push(tmp_path, [row], "old").created == 1
    return world


def _apply(rw: RightsWorld, now: datetime) -> Any:
    person = rw.aw.people[10]
    record = rw.record(person)
    with rw.runtime.scope() as session:
        application = repair_service.apply(
            session,
            record_id=record.id,
            basis=RepairBasis.OBLIGATION_PERFORMED,
            explanation="欠税及滞纳金已全部缴清",
            commitment_accepted=True,
            evidence=[PDF],
            actor=rw.citizen(person),
            settings=rw.settings,
            now=now,
        )
        session.expunge(application)
        return application


@DATES
def test_decide_and_answer_deadlines_are_pinned_dates(rw: RightsWorld, applied: datetime) -> None:
    remind_at, decide_due, answer_due = PINNED[applied]
    application = _apply(rw, applied)
    assert application.acknowledged_at == applied
    assert application.decide_due_at == decide_due
    assert application.remind_at == remind_at
    assert application.answer_due_at == answer_due


@DATES
@pytest.mark.parametrize(
    ("offset", "overdue"),
    [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)],
    ids=["second-before", "at-deadline", "second-after"],
)
def test_the_sweep_escalates_exactly_at_the_decide_deadline(
    rw: RightsWorld, applied: datetime, offset: timedelta, overdue: int
) -> None:
    _, decide_due, _ = PINNED[applied]
    _apply(rw, applied)
    when = decide_due + offset
    with rw.runtime.scope() as session:
        swept = repair_service.sweep(session, actor=SWEEPER, now=when)
        queue = repair_service.queue(session, actor=rw.tax_clerk, now=when)
        [figure] = repair_service.figures(session, actor=rw.operator, now=when)
    assert swept.escalated == overdue
    assert (queue.open, queue.overdue) == (1, overdue)
    assert (figure.open, figure.overdue) == (1, overdue)
    assert len(rw.notices(rw.operator.organization_id, "repair-overdue")) == overdue


@DATES
@pytest.mark.parametrize(
    ("offset", "reminded"),
    [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)],
    ids=["second-before", "at-reminder", "second-after"],
)
def test_the_sweep_reminds_exactly_at_the_reminder(
    rw: RightsWorld, applied: datetime, offset: timedelta, reminded: int
) -> None:
    remind_at, _, _ = PINNED[applied]
    _apply(rw, applied)
    with rw.runtime.scope() as session:
        swept = repair_service.sweep(session, actor=SWEEPER, now=remind_at + offset)
    assert (swept.reminded, swept.escalated) == (reminded, 0)


# Decided (approved) at a pinned instant around the 国庆 deadline, end of Sat 10 Oct. The deadline
# instant itself is late: the deadline is the midnight after the last day, when the sweep calls the
# case overdue (docs/domains/workdays.md: in time only when decided strictly before it).
@pytest.mark.parametrize(
    ("decided", "on_time", "answered_on_time"),
    [
        (_utc(2026, 10, 10, 15, 59, 59), 1, 1),  # a second before the decide deadline
        (_utc(2026, 10, 10, 16, 0), 0, 1),  # at it: late (the sweep escalates then)
        (_utc(2026, 10, 10, 16, 0, 1), 0, 1),  # a second late to decide, in time to answer
        (_utc(2026, 10, 20, 16, 0, 1), 0, 0),  # a second after the answer deadline too
    ],
    ids=["second-before", "at-deadline", "second-after", "after-the-answer-deadline"],
)
def test_on_time_and_answered_on_time_for_pinned_decisions(
    rw: RightsWorld, decided: datetime, on_time: int, answered_on_time: int
) -> None:
    application = _apply(rw, NATIONAL)
    with rw.runtime.scope() as session:
        repair_service.decide(
            session,
            application.id,
            outcome=RepairStatus.APPROVED,
            reasons=None,
            actor=rw.tax_clerk,
            now=decided,
        )
        [logged] = session.execute(
            select(AuditEntry.data).where(AuditEntry.action == "repair:application:decide")
        ).scalars()
    assert logged["on_time"] is bool(on_time)
    with rw.runtime.scope() as session:
        [figure] = repair_service.figures(session, actor=rw.operator, now=decided)
    assert (figure.decided, figure.on_time, figure.answered_on_time) == (
        1,
        on_time,
        answered_on_time,
    )
