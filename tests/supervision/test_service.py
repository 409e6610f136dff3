"""Supervision figures over seeded rows, on SQLite and PostgreSQL: periods, scope by
organization kind and region, on-time rule at the boundary, list sizes, audit paging."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from chengxin.audit import service as audit_service
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind
from chengxin.supervision import service as supervision
from chengxin.supervision.errors import AuditEntryNotFound
from tests.supervision.fixtures import SYSTEM, Seeded, seed

PERIOD = supervision.Period(date(2026, 11, 15), date(2026, 11, 28))


def _staff(org_id: object, region: str | None = None) -> Actor:
    return Actor(ActorKind.USER, "u1", "测试用户", organization_id=org_id, region_code=region)  # type: ignore[arg-type]


def _seeded(runtime: Runtime) -> Seeded:
    with runtime.scope() as session:
        return seed(session)


def test_period_defaults_swaps_and_caps() -> None:
    today = date(2026, 11, 29)
    assert supervision.period(None, None, today=today) == supervision.Period(
        today - timedelta(days=13), today
    )
    assert supervision.period(today, date(2026, 11, 1), today=today).since == date(2026, 11, 1)
    long = supervision.period(date(2020, 1, 1), today, today=today)
    assert long.days == supervision.MAX_DAYS
    assert supervision.parse_day("2026-02-30") is None
    assert supervision.parse_day("") is None


def test_ingestion_per_organization_and_day_in_beijing(runtime: Runtime) -> None:
    seeded = _seeded(runtime)
    with runtime.scope() as session:
        days = supervision.ingestion_by_day(session, actor=SYSTEM, within=PERIOD)
    got = {(d.organization, d.day.isoformat()): (d.batches, d.accepted, d.rejected) for d in days}
    assert got == {
        (seeded.tax.name, "2026-11-20"): (2, 11, 2),
        (seeded.yichang.name, "2026-11-20"): (1, 4, 4),
        # DAY2 is 2026-11-21 23:30 UTC: already the 22nd in Beijing, the day counted.
        (seeded.tax.name, "2026-11-22"): (1, 5, 5),
        (seeded.court.name, "2026-11-22"): (1, 3, 1),
    }
    assert [d.day for d in days] == sorted(d.day for d in days)  # oldest first


def test_rejection_rates_per_department(runtime: Runtime) -> None:
    _seeded(runtime)
    with runtime.scope() as session:
        rates = supervision.rejection_rates(session, actor=SYSTEM, within=PERIOD)
    by = {r.department: (r.whole, r.part, r.rate) for r in rates}
    assert by == {"court": (4, 1, 0.25), "tax": (31, 11, round(11 / 31, 4))}


def test_on_time_rates_count_decided_cases_by_their_due_time(runtime: Runtime) -> None:
    _seeded(runtime)
    with runtime.scope() as session:
        objections = supervision.objection_on_time(session, actor=SYSTEM, within=PERIOD)
        repairs = supervision.repair_on_time(session, actor=SYSTEM, within=PERIOD)
    assert {r.department: (r.whole, r.part) for r in objections} == {
        # Decided exactly at the due instant (the midnight after the last day) is late, as the
        # sweep that escalates it then says (docs/domains/workdays.md); the open one not counted.
        "court": (1, 0),
        "tax": (2, 1),
    }
    assert {r.department: (r.whole, r.part) for r in repairs} == {"tax": (2, 1)}


def test_an_operator_sees_every_organization_a_city_operator_only_its_city(
    runtime: Runtime,
) -> None:
    seeded = _seeded(runtime)
    province = _staff(seeded.operator.id)
    city = _staff(seeded.operator.id, region="420500")
    with runtime.scope() as session:
        everyone = supervision.ingestion_by_day(session, actor=province, within=PERIOD)
        yichang = supervision.ingestion_by_day(session, actor=city, within=PERIOD)
        repairs = supervision.repair_on_time(session, actor=city, within=PERIOD)
    assert {d.organization for d in everyone} == {
        seeded.tax.name,
        seeded.court.name,
        seeded.yichang.name,
    }
    assert {d.organization for d in yichang} == {seeded.yichang.name}
    assert [(r.whole, r.part) for r in repairs] == [(1, 0)]


def test_a_provider_sees_only_its_own_figures(runtime: Runtime) -> None:
    seeded = _seeded(runtime)
    clerk = _staff(seeded.court.id)
    with runtime.scope() as session:
        days = supervision.ingestion_by_day(session, actor=clerk, within=PERIOD)
        objections = supervision.objection_on_time(session, actor=clerk, within=PERIOD)
    assert {d.organization for d in days} == {seeded.court.name}
    assert [r.department for r in objections] == ["court"]


def test_list_sizes_count_published_entries_only(runtime: Runtime) -> None:
    _seeded(runtime)
    with runtime.scope() as session:
        sizes = supervision.list_sizes(session)
    assert [dataclasses.astuple(s) for s in sizes] == [
        ("black-judgment-defaulter", "black", 2),
        ("red-media-exemplar", "red", 1),
    ]


def test_empty_figures(session: Session) -> None:
    assert supervision.ingestion_by_day(session, actor=SYSTEM, within=PERIOD) == []
    assert supervision.rejection_rates(session, actor=SYSTEM, within=PERIOD) == []
    assert supervision.Rate("tax", 0, 0).rate == 0.0


def test_frozen_organizations_and_tokens_in_the_region(runtime: Runtime) -> None:
    from chengxin.accounts.emergency import service as emergency_service
    from chengxin.organizations import service as organization_service

    seeded = _seeded(runtime)
    with runtime.scope() as session:
        emergency_service.freeze_organization(session, seeded.tax.id, reason="测试", actor=SYSTEM)
        issued = organization_service.issue_token(
            session, seeded.yichang.id, name="接口", permissions=[], valid_days=1, actor=SYSTEM
        )
        emergency_service.freeze_token(session, issued.token.id, reason="测试", actor=SYSTEM)
    with runtime.scope() as session:
        everyone = supervision.frozen_organizations(session, actor=SYSTEM)
        wuhan = supervision.frozen_tokens(session, actor=_staff(None, region="420100"))
        tokens = supervision.frozen_tokens(session, actor=SYSTEM)
    assert [o.name for o in everyone] == [seeded.tax.name]
    assert wuhan == []
    assert [(t.name, t.organization) for t in tokens] == [("接口", seeded.yichang.name)]


def test_audit_page_filters_and_pages_newest_first(runtime: Runtime) -> None:
    with runtime.scope() as session:
        for i in range(5):
            audit_service.record(
                session,
                f"test:thing:{'a' if i % 2 else 'b'}",
                actor=SYSTEM,
                object_type="thing",
                object_id=str(i),
            )
    with runtime.scope() as session:
        everything, _ = supervision.audit_page(session, supervision.AuditFilter(), limit=1000)
        total = len(everything)
        first, before = supervision.audit_page(session, supervision.AuditFilter(), limit=2)
        assert [e.seq for e in first] == [total, total - 1]
        assert before == total - 1
        rest, _ = supervision.audit_page(
            session, supervision.AuditFilter(), before_seq=before, limit=2
        )
        assert [e.seq for e in rest] == [total - 2, total - 3]
        only_a, end = supervision.audit_page(
            session, supervision.AuditFilter(action="test:thing:a"), limit=10
        )
        assert [e.object_id for e in only_a] == ["3", "1"]
        assert end is None
        none, _ = supervision.audit_page(
            session, supervision.AuditFilter(since=date(2000, 1, 1), until=date(2000, 1, 2))
        )
        assert none == []
        assert "test:thing:a" in supervision.audit_actions(session)
        assert supervision.audit_entry_or_raise(session, total).seq == total
        with pytest.raises(AuditEntryNotFound):
            supervision.audit_entry_or_raise(session, total + 10)


def test_a_period_is_whole_days_in_beijing() -> None:
    within = supervision.Period(date(2026, 11, 20), date(2026, 11, 21))
    assert within.start == datetime(2026, 11, 19, 16, tzinfo=UTC)
    assert within.end == datetime(2026, 11, 21, 16, tzinfo=UTC)
    assert supervision.day_bounds(date(2026, 11, 20), None) == (within.start, None)
