"""Objection deadlines pinned to calendar dates written by hand, across the 2026 Spring Festival
and National Day (RULES.md §3; docs/domains/workdays.md).

The dates below were read off the State Council notices as chinese-calendar 1.11 carries them,
not computed with ``workdays``:
- 春节 2026: rest Sun 15 Feb – Mon 23 Feb; adjusted working Saturdays 14 Feb and 28 Feb.
- 中秋 2026: rest Fri 25 Sep – Sun 27 Sep; 国庆 2026: rest Thu 1 Oct – Wed 7 Oct; adjusted
  working days Sun 20 Sep and Sat 10 Oct.
A deadline is the end of the N-th working day after the filing day in China (UTC+8), stored as the
UTC instant of the following midnight: "end of 2 Mar" is 2026-03-03 00:00 +08:00 = 2026-03-02
16:00 UTC. The bound is exclusive: at the deadline instant a case is overdue (the sweep's
``decide_due_at <= now``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.audit.models import AuditEntry
from chengxin.catalog import service as catalog_service
from chengxin.objections import service as objection_service
from chengxin.objections.models import ObjectionOutcome, ObjectionRoute
from chengxin.security.actor import system_actor
from tests.objections.fixtures import RightsWorld, build_rights

SWEEPER = system_actor("objections-sweep")
SECOND = timedelta(seconds=1)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Filed Friday 13 Feb 2026, 10:00 in Beijing, the last working Friday before 春节.
SPRING = _utc(2026, 2, 13, 2, 0)
# Filed Wednesday 30 Sep 2026, 10:00 in Beijing, the last working day before 国庆.
NATIONAL = _utc(2026, 9, 30, 2, 0)

# filed → (forward due, remind at, provider decide due, platform decide due), by hand:
# 春节: working days after 13 Feb: 14 Feb (Sat), 24, 25, 26, 27, 28 Feb (Sat), 2 Mar, …
#   forward 1 → end of 14 Feb; remind (6) → end of 28 Feb; provider 7 → end of 2 Mar;
#   platform 5 → end of 27 Feb.
# 国庆: working days after 30 Sep: 8, 9, 10 (Sat), 12, 13, 14, 15 Oct, …
#   forward 1 → end of 8 Oct; remind (6) → end of 14 Oct; provider 7 → end of 15 Oct;
#   platform 5 → end of 13 Oct.
PINNED = {
    SPRING: (
        _utc(2026, 2, 14, 16, 0),
        _utc(2026, 2, 28, 16, 0),
        _utc(2026, 3, 2, 16, 0),
        _utc(2026, 2, 27, 16, 0),
    ),
    NATIONAL: (
        _utc(2026, 10, 8, 16, 0),
        _utc(2026, 10, 14, 16, 0),
        _utc(2026, 10, 15, 16, 0),
        _utc(2026, 10, 13, 16, 0),
    ),
}


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def _file(rw: RightsWorld, person: Any, now: datetime, **kw: Any) -> Any:
    record = rw.record(person)
    actor = kw.pop("actor", rw.citizen(person))
    settings = kw.pop("settings", rw.settings)
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=record.id,
            reason="欠税已于认定前缴清，记录有误",
            evidence=[],
            actor=actor,
            settings=settings,
            now=now,
            **kw,
        )
        session.expunge(objection)
        return objection


@pytest.mark.parametrize("filed", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
def test_provider_route_deadlines_are_pinned_dates(rw: RightsWorld, filed: datetime) -> None:
    forward_due, remind_at, decide_due, _ = PINNED[filed]
    objection = _file(rw, rw.aw.with_records[0], filed)
    assert objection.forward_due_at == forward_due
    assert objection.remind_at == remind_at
    assert objection.decide_due_at == decide_due


@pytest.mark.parametrize("filed", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
def test_platform_route_deadline_is_a_pinned_date(rw: RightsWorld, filed: datetime) -> None:
    forward_due, _, _, platform_due = PINNED[filed]
    objection = _file(
        rw, rw.aw.with_records[0], filed, actor=rw.operator, route=ObjectionRoute.PLATFORM
    )
    assert objection.forward_due_at == forward_due
    assert objection.decide_due_at == platform_due


def _financial(monkeypatch: pytest.MonkeyPatch, kind_code: str) -> None:
    """Mark the record's kind as financial credit data in the active catalog."""
    original = catalog_service.active_document

    def active_document(session: Any) -> Any:
        row, document = original(session)
        kinds = [
            k.model_copy(update={"financial": True}) if k.code == kind_code else k
            for k in document.kinds
        ]
        return row, document.model_copy(update={"kinds": kinds})

    monkeypatch.setattr(catalog_service, "active_document", active_document)


@pytest.mark.parametrize("financial", [0, 1], ids=["ordinary", "financial"])
def test_the_financial_ceiling_is_20_calendar_days_across_spring_festival(
    rw: RightsWorld, monkeypatch: pytest.MonkeyPatch, financial: int
) -> None:
    """15 working days after 13 Feb end on 12 Mar (14 Feb, 24–28 Feb, 2–6 Mar, 9–12 Mar); the
    ceiling of 20 calendar days from the filing instant cuts that to 5 Mar, 10:00 in Beijing."""
    person = rw.aw.with_records[0]
    kind_code = rw.record(person).kind_code
    settings = rw.settings.model_copy(update={"objection_days_by_kind": {kind_code: 15}})
    if financial:
        _financial(monkeypatch, kind_code)
    objection = _file(rw, person, SPRING, settings=settings)
    assert objection.financial is bool(financial)
    expected = _utc(2026, 3, 5, 2, 0) if financial else _utc(2026, 3, 12, 16, 0)
    assert objection.decide_due_at == expected
    # The ceiling does not move the forwarding deadline.
    assert objection.forward_due_at == _utc(2026, 2, 14, 16, 0)


def test_the_financial_ceiling_flips_the_sweep_at_its_instant(
    rw: RightsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = rw.aw.with_records[0]
    kind_code = rw.record(person).kind_code
    settings = rw.settings.model_copy(update={"objection_days_by_kind": {kind_code: 15}})
    _financial(monkeypatch, kind_code)
    _file(rw, person, SPRING, settings=settings)
    ceiling = _utc(2026, 3, 5, 2, 0)
    with rw.runtime.scope() as session:
        before = objection_service.sweep(session, actor=SWEEPER, now=ceiling - SECOND)
        at = objection_service.sweep(session, actor=SWEEPER, now=ceiling)
    assert before.escalated == 0
    assert at.escalated == 1


# One second before the deadline the case is open and not overdue; at the deadline instant and
# one second after it is overdue (the bound is exclusive) and the sweep escalates it.
@pytest.mark.parametrize("filed", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
@pytest.mark.parametrize(
    ("offset", "overdue"),
    [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)],
    ids=["second-before", "at-deadline", "second-after"],
)
def test_the_sweep_escalates_exactly_at_the_decide_deadline(
    rw: RightsWorld, filed: datetime, offset: timedelta, overdue: int
) -> None:
    _, _, decide_due, _ = PINNED[filed]
    _file(rw, rw.aw.with_records[0], filed)
    when = decide_due + offset
    with rw.runtime.scope() as session:
        swept = objection_service.sweep(session, actor=SWEEPER, now=when)
        queue = objection_service.queue(session, actor=rw.tax_clerk, now=when)
    assert swept.forwarded == 1
    assert swept.escalated == overdue
    assert (queue.open, queue.overdue) == (1, overdue)
    assert len(rw.notices(rw.operator.organization_id, "objection-overdue")) == overdue


@pytest.mark.parametrize("filed", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
@pytest.mark.parametrize(
    ("offset", "reminded"),
    [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)],
    ids=["second-before", "at-reminder", "second-after"],
)
def test_the_sweep_reminds_exactly_at_the_reminder(
    rw: RightsWorld, filed: datetime, offset: timedelta, reminded: int
) -> None:
    _, remind_at, _, _ = PINNED[filed]
    _file(rw, rw.aw.with_records[0], filed)
    with rw.runtime.scope() as session:
        swept = objection_service.sweep(session, actor=SWEEPER, now=remind_at + offset)
    assert (swept.reminded, swept.escalated) == (reminded, 0)


# Decided around the 春节 provider deadline, end of 2 Mar (2026-03-02 16:00 UTC). The deadline
# instant itself is late: the deadline is the midnight after the last day, when the sweep calls the
# case overdue (docs/domains/workdays.md: in time only when decided strictly before it).
@pytest.mark.parametrize(
    ("decided", "on_time"),
    [
        (_utc(2026, 3, 2, 15, 59, 59), 1),
        (_utc(2026, 3, 2, 16, 0), 0),
        (_utc(2026, 3, 2, 16, 0, 1), 0),
    ],
    ids=["second-before", "at-deadline", "second-after"],
)
def test_on_time_is_recorded_for_a_pinned_decision(
    rw: RightsWorld, decided: datetime, on_time: int
) -> None:
    objection = _file(rw, rw.aw.with_records[0], SPRING)
    with rw.runtime.scope() as session:
        objection_service.sweep(session, actor=SWEEPER, now=SPRING + timedelta(minutes=1))
        objection_service.decide(
            session,
            objection.id,
            outcome=ObjectionOutcome.UPHELD,
            note="已与原始文书核对",
            actor=rw.tax_clerk,
            settings=rw.settings,
            now=decided,
        )
        [logged] = session.execute(
            select(AuditEntry.data).where(AuditEntry.action == "objections:objection:decide")
        ).scalars()
    assert logged["on_time"] is bool(on_time)
    with rw.runtime.scope() as session:
        [figure] = objection_service.figures(session, actor=rw.operator, now=decided)
    assert (figure.decided, figure.on_time) == (1, on_time)
