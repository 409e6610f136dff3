"""Assessments over a month of real activity (tests/assessment/fixtures.py), on SQLite and
PostgreSQL: each figure equals the count worked out by hand, the drill-down lists exactly the
late facts, the signed document is reproduced as of its moment after more activity, and
readers see only the units of their scope."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.assessment import rules
from chengxin.assessment import service as assessment_service
from chengxin.assessment.errors import (
    AssessmentNotFound,
    AssessmentPeriodInvalid,
    AssessmentUnitInvalid,
)
from chengxin.assessment.models import Assessment
from chengxin.audit.models import AuditEntry
from chengxin.demo import generator
from chengxin.errors import Forbidden
from chengxin.ingestion.models import IngestBatch
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from tests.assessment.fixtures import (
    DEC01,
    DEC02,
    NOV27,
    SYSTEM,
    Month,
    beijing,
    build_month,
    clerk,
    tax_row,
)

NOVEMBER = assessment_service.period_of("month", "2026-11")
WEIGHTS = {i.code: i.weight for i in rules.compile_set(rules.shipped()).indicators}


@pytest.fixture
def month(runtime: Runtime, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Month:
    return build_month(runtime, tmp_path, monkeypatch)


def _issue(runtime: Runtime, now: Any = DEC01, actor: Actor = SYSTEM) -> uuid.UUID:
    with runtime.scope() as session:
        return assessment_service.issue(session, actor=actor, period=NOVEMBER, now=now).id


def _view(runtime: Runtime, assessment_id: uuid.UUID, actor: Actor = SYSTEM) -> Any:
    with runtime.scope() as session:
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        return assessment_service.view(session, row, actor=actor)


def _items(
    runtime: Runtime,
    assessment_id: uuid.UUID,
    indicator: str,
    kind: str,
    code: str,
    *,
    actor: Actor = SYSTEM,
) -> list[Any]:
    with runtime.scope() as session:
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        return assessment_service.items(
            session, row, actor=actor, indicator=indicator, unit_kind=kind, unit_code=code
        )


def _operator(runtime: Runtime, region: str | None = None) -> Actor:
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(uuid.uuid4().int), registration="11", region_code=region or "420100"
            ),
            name=f"信用中心 {uuid.uuid4().hex[:6]}",
            kind=OrganizationKind.OPERATOR,
            region_code=region or "420100",
            actor=SYSTEM,
        )
        return Actor(
            ActorKind.USER,
            "op",
            "operator",
            org.id,
            ROLE_PERMISSIONS[Role.OPERATOR],
            region_code=region,
        )


# Worked out by hand from the fixture's docstring and comments: (whole, part) per indicator.
TAX = {
    "push_timeliness": (5, 2),
    "rejection_rate": (7, 2),
    "notice_share": (6, 1),
    "objections_on_time": (3, 2),
    "repairs_on_time": (0, 0),
}
EDUCATION = {
    "push_timeliness": (2, 1),
    "rejection_rate": (3, 1),
    "notice_share": (3, 1),
    "objections_on_time": (0, 0),
}


def _expected_total(counts: dict[str, tuple[int, int]]) -> float:
    total = 0.0
    for code, weight in WEIGHTS.items():
        whole, part = counts.get(code, (0, 0))
        value = round(1 - part / whole, 4) if whole else 1.0
        total += round(value * weight, 4)
    return round(total, 4)


def test_each_figure_is_the_count_of_the_month_and_the_drill_down_its_late_facts(
    month: Month,
) -> None:
    assessment_id = _issue(month.runtime)
    view = _view(month.runtime, assessment_id)
    units = {(u.kind, u.code): u for u in view.units}
    tax, education = units["department", "tax"], units["department", "education"]
    city = units["city", "420100"]
    for unit, expected in ((tax, TAX), (education, EDUCATION)):
        for code, (whole, part) in expected.items():
            figure = unit.figures[code]
            assert (figure.whole, figure.part) == (whole, part), code
            assert figure.value == (round(1 - part / whole, 4) if whole else 1.0)
            assert figure.finding == (whole > 0 and figure.value < figure.target)
    for code in TAX:  # the city sums its departments
        assert city.figures[code].whole == TAX[code][0] + EDUCATION.get(code, (0, 0))[0]
        assert city.figures[code].part == TAX[code][1] + EDUCATION.get(code, (0, 0))[1]
    assert tax.total == _expected_total(TAX)
    assert education.total == _expected_total(EDUCATION)
    assert (tax.rank, education.rank) == ((2, 1) if tax.total < education.total else (1, 2))
    assert [u.kind for u in view.units] == sorted(
        (u.kind for u in view.units), key=["department", "city"].index
    )

    late_pushes = _items(month.runtime, assessment_id, "push_timeliness", "department", "tax")
    assert {i.object_id for i in late_pushes} == {
        str(month.sources["T4"]),
        str(month.sources["T5"]),
    }
    assert {(i.reference, i.reason, str(i.due_on), str(i.done_on)) for i in late_pushes} == {
        ("T4", "late", "2026-10-29", "2026-11-10"),
        ("T5", "late", "2026-10-29", "2026-11-10"),
    }
    assert {i.organization for i in late_pushes} == {"测试税务局"}
    late_objections = _items(
        month.runtime, assessment_id, "objections_on_time", "department", "tax"
    )
    assert {(i.object_id, i.reason) for i in late_objections} == {
        (str(month.objections["late"]), "late"),
        (str(month.objections["open"]), "open_overdue"),
    }
    [notice] = _items(month.runtime, assessment_id, "notice_share", "department", "tax")
    assert (notice.object_type, notice.reference) == ("ingest_rejection", "T6")
    with month.runtime.scope() as session:
        tax_batch = session.execute(
            select(IngestBatch.id).where(IngestBatch.filename == "tax-november.csv")
        ).scalar_one()
    [rejected] = _items(month.runtime, assessment_id, "rejection_rate", "department", "tax")
    assert rejected.object_id == str(tax_batch)
    assert _items(month.runtime, assessment_id, "repairs_on_time", "department", "tax") == []
    with pytest.raises(AssessmentUnitInvalid):
        _items(month.runtime, assessment_id, "no_such_indicator", "department", "tax")
    with month.runtime.scope() as session:
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.action == "assessment:assessment:issue")
        ).scalars()
        assert entry.object_id == str(assessment_id)


def test_the_document_is_reproduced_as_of_its_moment_after_more_activity(
    month: Month, tmp_path: Any
) -> None:
    assessment_id = _issue(month.runtime)
    with month.runtime.scope() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        digest = row.digest
        assert row.number == "KH202611-0001"
        assert assessment_service.verify(session, row)
    # December: the open objection is decided, the tax office corrects T2 and pushes more.
    month.decide("open", DEC02)
    p = month.world.people
    month.push(
        tmp_path,
        DEC02,
        [
            tax_row(p[5], "T2", amount="2000", 认定日期="2026-11-02", 告知日期="2026-11-03"),
            tax_row(p[14], "T8", 认定日期="2026-11-20", 告知日期="2026-11-21"),
            tax_row(p[15], "T9", 认定日期="2026-11-20", 告知日期=""),
        ],
        name="tax-december",
    )
    with month.runtime.scope() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        assert assessment_service.recompute_digest(session, row) == digest
        assert assessment_service.verify(session, row)
    # Issued again now, the decided objection is no longer open at the moment of issue.
    again = _view(month.runtime, _issue(month.runtime, now=beijing(DEC02.date(), 18)))
    tax_again = next(u for u in again.units if u.code == "tax")
    assert (tax_again.figures["objections_on_time"].whole, again.assessment.number) == (
        2,
        "KH202611-0002",
    )
    # Tampering with the stored document or its signature is seen.
    with month.runtime.scope() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        document = dict(row.document)
        document["units"] = [{**u, "total": "100.0000"} for u in document["units"]]
        row.document = document
    with month.runtime.scope() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        assert not assessment_service.verify(session, row)
        assert assessment_service.recompute_digest(session, row) == digest  # the facts still hold
        row.document = again.assessment.document  # another assessment's own document …
        assert not assessment_service.verify(session, row)  # … not signed for this number


def test_readers_see_the_units_of_their_scope(month: Month) -> None:
    assessment_id = _issue(month.runtime)
    tax_clerk = clerk("tax-clerk", month.world.tax_org_id)
    mine = _view(month.runtime, assessment_id, tax_clerk)
    assert [(u.kind, u.code) for u in mine.units] == [("department", "tax")]
    own = _items(
        month.runtime, assessment_id, "push_timeliness", "department", "tax", actor=tax_clerk
    )
    assert len(own) == 2
    with pytest.raises(AssessmentUnitInvalid):
        _items(
            month.runtime,
            assessment_id,
            "push_timeliness",
            "department",
            "education",
            actor=tax_clerk,
        )
    with pytest.raises(AssessmentUnitInvalid):
        _items(month.runtime, assessment_id, "push_timeliness", "city", "420100", actor=tax_clerk)
    province = _operator(month.runtime)
    assert {u.code for u in _view(month.runtime, assessment_id, province).units} >= {
        "tax",
        "education",
        "420100",
    }
    yichang = _operator(month.runtime, "420500")
    assert _view(month.runtime, assessment_id, yichang).units == []  # no Yichang unit assessed
    wuhan = _operator(month.runtime, "420100")
    assert [(u.kind, u.code) for u in _view(month.runtime, assessment_id, wuhan).units] == [
        ("city", "420100")
    ]
    # A city-bound operator issues its city's assessment: its departments there and the city.
    city_id = _issue(month.runtime, now=NOV27, actor=wuhan)
    city_view = _view(month.runtime, city_id, wuhan)
    assert city_view.assessment.region_code == "420100"
    assert {(u.kind, u.code) for u in city_view.units} >= {
        ("department", "tax"),
        ("city", "420100"),
    }
    with month.runtime.scope() as session:
        listed = assessment_service.list_assessments(session, actor=yichang)
        assert [a.id for a in listed] == [assessment_id]  # not Wuhan's own
        with pytest.raises(AssessmentNotFound):
            assessment_service.get_or_raise(session, city_id, actor=yichang)
        with pytest.raises(AssessmentNotFound):
            assessment_service.get_or_raise(session, uuid.uuid4(), actor=province)
        with pytest.raises(Forbidden):
            assessment_service.issue(session, actor=tax_clerk, period=NOVEMBER, now=DEC01)


def test_trend_follows_the_latest_issue_of_each_period(month: Month) -> None:
    _issue(month.runtime)
    second = _issue(month.runtime, now=beijing(DEC01.date(), 12))
    with month.runtime.scope() as session:
        october = assessment_service.period_of("month", "2026-10")
        assessment_service.issue(session, actor=SYSTEM, period=october, now=DEC01)
    latest = {u.code: u.total for u in _view(month.runtime, second).units}
    with month.runtime.scope() as session:
        trend = assessment_service.trend(session, actor=SYSTEM, kind="month")
        assert [label for label, _ in trend] == ["2026-10", "2026-11"]
        november = {u.code: u.total for u in trend[1][1]}
        assert november == latest
        assert assessment_service.trend(session, actor=SYSTEM, kind="quarter") == []
        assert len(assessment_service.trend(session, actor=SYSTEM, kind="month", limit=1)) == 1


@pytest.mark.parametrize(
    ("kind", "label", "since", "until"),
    [
        ("month", "2026-02", "2026-02-01", "2026-02-28"),
        ("month", "2024-02", "2024-02-01", "2024-02-29"),
        ("quarter", "2026-Q4", "2026-10-01", "2026-12-31"),
        ("year", "2026", "2026-01-01", "2026-12-31"),
    ],
)
def test_periods(kind: str, label: str, since: str, until: str) -> None:
    period = assessment_service.period_of(kind, label)
    assert (str(period.since), str(period.until)) == (since, until)


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("month", "2026-13"),
        ("month", "2026-1"),
        ("quarter", "2026-Q5"),
        ("year", "26"),
        ("week", "2026-01"),
        ("month", ""),
        ("year", "0000"),
        ("quarter", "9999-Q4"),
        ("month", "２０２６-11"),
    ],
)
def test_bad_periods(kind: str, label: str) -> None:
    with pytest.raises(AssessmentPeriodInvalid) as caught:
        assessment_service.period_of(kind, label)
    assert caught.value.code == "assessment-period-invalid"


def test_previous_period() -> None:
    from datetime import date

    assert assessment_service.previous_period("month", date(2027, 1, 5)).label == "2026-12"
    assert assessment_service.previous_period("quarter", date(2027, 2, 1)).label == "2026-Q4"
    assert assessment_service.previous_period("quarter", date(2026, 12, 7)).label == "2026-Q3"
    assert assessment_service.previous_period("year", date(2026, 12, 7)).label == "2025"
