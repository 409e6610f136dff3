"""The formulas over facts whose workflows other tests drive (repairs, tips, checks, list exits,
access alerts), on SQLite and PostgreSQL. Rows are written directly, as the supervision figures'
tests do: the formulas read tables, whatever workflow filled them. Each fact is placed on one
side of a boundary (the period, the deadline, the moment of issue) and counted by hand.

November 2026 has no holiday (working days 2–6, 9–13, 16–20, 23–27, 30)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chengxin.access.models import Alert, Query
from chengxin.assessment import service as assessment_service
from chengxin.assessment.models import Assessment
from chengxin.checks.models import Check, CheckSubject
from chengxin.lists.models import ListEntry
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.tips.models import Tip
from tests.assessment.fixtures import DEC01, DEC02, SYSTEM, beijing
from tests.supervision.fixtures import organization, repair

NOVEMBER = assessment_service.period_of("month", "2026-11")


def nov(day: int, hour: int = 10) -> datetime:
    return beijing(date(2026, 11, day), hour)


def end_of(day: date) -> datetime:
    """The exclusive deadline at the end of a Beijing day."""
    return datetime(day.year, day.month, day.day, 16, tzinfo=UTC)


def _tip(session: Session, org: Organization, acted: datetime | None, due: datetime) -> uuid.UUID:
    tip_id = uuid.uuid4()
    session.add(
        Tip(
            id=tip_id,
            reference=f"JB-{uuid.uuid4().hex[:12]}",
            secret_hash=b"0" * 32,
            domain="other",
            text_digest=uuid.uuid4().bytes * 2,
            sealed=b"x",
            key_id="k1",
            has_contact=False,
            organization_id=org.id,
            route_rule="department",
            status="closed" if acted else "received",
            received_at=due - timedelta(days=3),
            act_due_at=due,
            acted_at=acted,
        )
    )
    return tip_id


def _check(
    session: Session,
    org: Organization,
    created: datetime,
    feedback: datetime | None,
    measures: list[str],
) -> uuid.UUID:
    check_id = uuid.uuid4()
    session.add(
        Check(
            id=check_id,
            organization_id=org.id,
            actor_kind="user",
            actor_id="u",
            actor_name="测试",
            scene="administrative-licensing",
            purpose="测试",
            subject_count=1,
            found_count=1,
            measure_version="1",
            subjects_root="0" * 64,
            audit_seq=None,
            created_at=created,
            feedback_at=feedback,
        )
    )
    session.flush()
    session.add(
        CheckSubject(
            check_id=check_id,
            position=0,
            subject_id=uuid.uuid4(),
            outcome="found",
            measures=measures,
        )
    )
    return check_id


def _entry(
    session: Session, org: Organization, term_ends: datetime, exited: datetime | None
) -> str:
    reference = f"HM-{uuid.uuid4().hex[:12]}"
    session.add(
        ListEntry(
            id=uuid.uuid4(),
            reference=reference,
            list_type="black-judgment-defaulter",
            kind="black",
            domain="taxation",
            provider_id=org.id,
            record_ids=[],
            status="exited" if exited else "published",
            basis="测试",
            sealed=b"x",
            key_id="k1",
            automatic=False,
            proposed_at=term_ends - timedelta(days=400),
            proposed_by="测试",
            published_at=term_ends - timedelta(days=365),
            term_ends_at=term_ends,
            exited_at=exited,
            shown_name="张*",
            shown_id="4201**********1234",
            name_index=uuid.uuid4().bytes * 2,
        )
    )
    return reference


def _query(session: Session, org: Organization, at: datetime) -> None:
    session.add(
        Query(
            organization_id=org.id,
            actor_kind="user",
            actor_id="u",
            actor_name="测试",
            scene="administrative-licensing",
            purpose="测试",
            grant_id=None,
            kinds=[],
            subject_count=1,
            status="released",
            review_reasons=[],
            created_at=at,
        )
    )


def _alert(session: Session, org: Organization, at: datetime) -> None:
    session.add(
        Alert(organization_id=org.id, rule="volume", window_start=at, detail={}, created_at=at)
    )


def _build(session: Session) -> dict[str, Any]:
    tax = organization(session, "武汉市税务局", department="tax")
    court = organization(
        session,
        "宜昌市中级人民法院",
        department="court",
        region="420500",
        kind=OrganizationKind.COURT,
    )
    built: dict[str, Any] = {"tax": tax, "court": court}
    # Repairs by the tax office: on time; late; open past its deadline; decided after the
    # moment of issue (still open then, overdue); due in December (not counted).
    repair(session, tax, nov(10), end_of(date(2026, 11, 12)))
    repair(session, tax, nov(20), end_of(date(2026, 11, 12)))
    repair(session, tax, None, end_of(date(2026, 11, 25)))
    repair(session, tax, DEC02, end_of(date(2026, 11, 20)))
    repair(session, tax, None, end_of(date(2026, 12, 5)))
    # Tips in the court's queue: acted on in time; never acted on, overdue.
    built["tip_late"] = _tip(session, court, None, end_of(date(2026, 11, 10)))
    _tip(session, court, nov(5), end_of(date(2026, 11, 6)))
    # Checks by the tax office needing feedback within 10 working days.
    _check(session, tax, nov(2), nov(5), ["m1"])  # due end of 16 Nov: in time
    built["check_missing"] = _check(session, tax, nov(10), None, ["m1"])  # due 24 Nov: none
    _check(session, tax, nov(25), None, ["m1"])  # due 9 Dec: not yet due
    _check(session, tax, nov(3), None, [])  # no measures: no feedback asked
    # Checked 20 Oct: due at the end of 3 Nov; feedback on 20 Nov is late.
    built["check_late"] = _check(session, tax, beijing(date(2026, 10, 20)), nov(20), ["m1"])
    # List entries of the tax office whose term ended on 10 Nov (exit due within 3 working
    # days: the end of 13 Nov): exited on the 11th; never; after the moment of issue.
    _entry(session, tax, nov(10), nov(11))
    built["entry_open"] = _entry(session, tax, nov(10), None)
    built["entry_after"] = _entry(session, tax, nov(10), DEC02)
    # The court's queries and the alerts about them (one after the moment of issue).
    for day in (3, 4, 5):
        _query(session, court, nov(day))
    _alert(session, court, nov(4))
    _alert(session, court, nov(5))
    _alert(session, court, DEC02)
    session.flush()
    return built


def test_repairs_tips_checks_list_exits_and_alerts(runtime: Runtime) -> None:
    with runtime.scope() as session:
        built = _build(session)
    with runtime.scope() as session:
        row = assessment_service.issue(session, actor=SYSTEM, period=NOVEMBER, now=DEC01)
        view = assessment_service.view(session, row, actor=SYSTEM)
        units = {(u.kind, u.code): u for u in view.units}
        tax, court = units["department", "tax"], units["department", "court"]
        got = {
            code: (f.whole, f.part)
            for unit in (tax, court)
            for code, f in unit.figures.items()
            if f.whole or f.part
        }
        assert got == {
            "repairs_on_time": (4, 3),
            "check_feedback": (3, 2),
            "list_exits_on_time": (3, 2),
            "tips_on_time": (2, 1),
            "audit_anomalies": (3, 2),
        }
        assert court.figures["audit_anomalies"].value == 0.8  # 1 - 2/10
        assert court.figures["audit_anomalies"].finding  # target 1.0
        assert units["city", "420100"].figures["repairs_on_time"].whole == 4
        assert units["city", "420500"].figures["tips_on_time"].whole == 2

        def items(indicator: str, code: str) -> list[Any]:
            return assessment_service.items(
                session,
                row,
                actor=SYSTEM,
                indicator=indicator,
                unit_kind="department",
                unit_code=code,
            )

        assert sorted(i.reason for i in items("repairs_on_time", "tax")) == [
            "late",
            "open_overdue",
            "open_overdue",
        ]
        assert {(i.object_id, i.reason, str(i.due_on)) for i in items("check_feedback", "tax")} == {
            (str(built["check_missing"]), "missing", "2026-11-24"),
            (str(built["check_late"]), "late", "2026-11-03"),
        }
        assert {(i.reference, i.reason) for i in items("list_exits_on_time", "tax")} == {
            (built["entry_open"], "open_overdue"),
            (built["entry_after"], "open_overdue"),
        }
        assert [(i.object_id, i.reason) for i in items("tips_on_time", "court")] == [
            (str(built["tip_late"]), "open_overdue")
        ]
        assert len(items("audit_anomalies", "court")) == 2
        assessment_id = row.id
    with runtime.scope() as session:
        row = session.get(Assessment, assessment_id)
        assert row is not None
        assert assessment_service.recompute_digest(session, row) == row.digest


@pytest.mark.parametrize("label", ["2026-Q4", "2026"])
def test_a_quarter_and_a_year_cover_their_months(runtime: Runtime, label: str) -> None:
    with runtime.scope() as session:
        _build(session)
    kind = "quarter" if "Q" in label else "year"
    with runtime.scope() as session:
        row = assessment_service.issue(
            session, actor=SYSTEM, period=assessment_service.period_of(kind, label), now=DEC01
        )
        assert row.number == f"KH{label.replace('-', '')}-0001"
        tax = next(
            u for u in assessment_service.view(session, row, actor=SYSTEM).units if u.code == "tax"
        )
        # The repair due in December is open at the moment of issue but not yet due.
        assert tax.figures["repairs_on_time"].whole == 4
