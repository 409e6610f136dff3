"""Objections end to end on both databases: filing marks the record in dispute everywhere at once;
deadlines in working days; forwarding, reminders and escalation by the sweep; the four outcomes;
recipients of a corrected or deleted record told from the audit log; statements travel."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.access.scenes import Scene
from chengxin.audit.models import AuditEntry
from chengxin.casework.errors import RecordNotFound
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile, EvidenceNotFound
from chengxin.identity import resolve as identity_resolve
from chengxin.objections import disputes, statements
from chengxin.objections import service as objection_service
from chengxin.objections.errors import (
    CorrectionMissing,
    ObjectionAlreadyOpen,
    ObjectionClosed,
    ObjectionInputInvalid,
    ObjectionNotFound,
    ObjectionNotYours,
)
from chengxin.objections.models import ObjectionOutcome, ObjectionRoute, ObjectionStatus
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.reports.content import RecordMark
from chengxin.security.actor import system_actor
from tests.ingestion.fixtures import tax_row
from tests.objections.fixtures import RightsWorld, build_rights

SWEEPER = system_actor("objections-sweep")
PDF = EvidenceFile("完税证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 test").decode())


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def _file(rw: RightsWorld, person: Any, *, now: datetime | None = None, **kw: Any) -> Any:
    record = rw.record(person)
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=record.id,
            reason=kw.pop("reason", "欠税已于认定前缴清，记录有误"),
            evidence=kw.pop("evidence", []),
            actor=kw.pop("actor", rw.citizen(person)),
            settings=rw.settings,
            now=now,
            **kw,
        )
        session.expunge(objection)
        return objection


def _decide(rw: RightsWorld, objection_id: Any, outcome: ObjectionOutcome, **kw: Any) -> Any:
    with rw.runtime.scope() as session:
        objection = objection_service.decide(
            session,
            objection_id,
            outcome=outcome,
            note=kw.pop("note", "已与原始文书核对"),
            actor=kw.pop("actor", rw.tax_clerk),
            settings=rw.settings,
            **kw,
        )
        session.expunge(objection)
        return objection


def _marks(report: Any, record_id: Any) -> list[RecordMark]:
    for line in report.dishonest:
        if line.id == record_id:
            return list(line.marks)
    raise AssertionError("record not in report")


def test_filing_marks_the_record_in_dispute_everywhere_at_once(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    objection = _file(rw, person)
    assert objection.status == ObjectionStatus.FILED.value
    with rw.runtime.scope() as session:
        assert disputes.open_disputes(session, [record.id]) == {record.id}
    assert RecordMark.IN_DISPUTE in _marks(rw.government_report(person), record.id)
    own = rw.own_report(person)
    assert RecordMark.IN_DISPUTE in _marks(own, record.id)
    [line] = own.objections
    assert (line.case, line.reference, line.status) == ("objection", objection.reference, "filed")
    assert "objection-received" in rw.messages(person)
    with rw.runtime.scope() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "objections:objection:file")
        ).scalar_one()
        assert entry.subject_id == record.subject_id
        assert person.id_number not in str(entry.data)
        assert person.name not in str(entry.data)


def test_deadlines_are_working_days_and_financial_data_has_a_ceiling(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    # Friday 25 Sep 2026, 10:00 in Beijing: 中秋 (rest 25–27 Sep), then 国庆 (rest 1–7 Oct, Sat 10
    # Oct a working day). Working days after it: 28, 29, 30 Sep, 8, 9, 10, 12 Oct. Dates by hand
    # (tests/objections/test_deadline_dates.py pins more).
    filed = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    objection = _file(rw, person, now=filed)
    assert objection.forward_due_at == datetime(2026, 9, 28, 16, 0, tzinfo=UTC)  # end of 28 Sep
    assert objection.decide_due_at == datetime(2026, 10, 12, 16, 0, tzinfo=UTC)  # end of 12 Oct
    # Across the holidays the 7 working days take 17½ calendar days.
    assert objection.decide_due_at - filed == timedelta(days=17, hours=14)
    # A kind configured per kind, and the financial ceiling (20 calendar days) in the rule itself.
    from chengxin import casework

    capped = casework.deadlines(filed, 30, remind_days_before=1, ceiling=timedelta(days=20))
    assert capped.due_at == datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
    assert capped.remind_at == capped.due_at  # the reminder (29 working days) lies past the cap


def test_sweep_forwards_reminds_and_escalates_once(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    filed = utcnow() - timedelta(days=40)
    objection = _file(rw, person, now=filed)
    with rw.runtime.scope() as session:
        first = objection_service.sweep(session, actor=SWEEPER, now=filed + timedelta(minutes=1))
    assert (first.forwarded, first.reminded, first.escalated) == (1, 0, 0)
    assert [n.topic for n in rw.notices(rw.tax_clerk.organization_id)] == ["objection-received"]
    reminder_time = objection.remind_at + timedelta(minutes=1)
    with rw.runtime.scope() as session:
        second = objection_service.sweep(session, actor=SWEEPER, now=reminder_time)
        again = objection_service.sweep(session, actor=SWEEPER, now=reminder_time)
    assert (second.forwarded, second.reminded, second.escalated) == (0, 1, 0)
    assert (again.forwarded, again.reminded, again.escalated) == (0, 0, 0)
    late = objection.decide_due_at + timedelta(seconds=1)
    with rw.runtime.scope() as session:
        third = objection_service.sweep(session, actor=SWEEPER, now=late)
        queue = objection_service.queue(session, actor=rw.tax_clerk, now=late)
        assert (queue.open, queue.overdue) == (1, 1)
        assert objection_service.sweep(session, actor=SWEEPER, now=late).escalated == 0
    assert third.escalated == 1
    assert rw.notices(rw.operator.organization_id, "objection-overdue")
    with rw.runtime.scope() as session:
        figures = objection_service.figures(session, actor=rw.operator, now=late)
    assert [(f.open, f.overdue, f.decided) for f in figures] == [(1, 1, 0)]


def test_correction_tells_everyone_who_received_the_record(rw: RightsWorld, tmp_path: Any) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    rw.government_report(person)  # the government consumer received the record
    other = rw.aw.with_records[1]
    rw.government_report(other)  # received another person's record: not told
    objection = _file(rw, person)
    with pytest.raises(CorrectionMissing):
        _decide(rw, objection.id, ObjectionOutcome.CORRECTED)
    assert rw.push(tmp_path, [tax_row(person, "S0", amount="1")], "fix").corrected == 1
    corrected = rw.record(person)
    assert corrected.version == record.version + 1
    decided = _decide(
        rw, objection.id, ObjectionOutcome.CORRECTED, corrected_record_id=corrected.id
    )
    assert decided.status == ObjectionStatus.DECIDED.value
    assert decided.notified_organizations == 1
    assert decided.appeal_route == rw.settings.objection_appeal_route
    [notice] = rw.notices(rw.aw.government.organization_id, "record-corrected")
    assert notice.object_id == str(corrected.id)
    assert notice.data["masked_id_number"].count("*") > 0
    assert person.id_number not in str(notice.data)
    assert "objection-decided" in rw.messages(person)
    with rw.runtime.scope() as session:
        assert disputes.open_disputes(session, [record.id, corrected.id]) == set()
    own = rw.own_report(person)
    [line] = own.objections
    assert (line.status, line.outcome, line.appeal_route) == (
        "decided",
        "corrected",
        rw.settings.objection_appeal_route,
    )


def test_deletion_revokes_the_record_with_an_event(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    rw.government_report(person)
    objection = _file(rw, person)
    _decide(rw, objection.id, ObjectionOutcome.DELETED)
    with rw.runtime.scope() as session:
        stored = session.get_one(CreditRecord, record.id)
        assert stored.status == "revoked"
        events = session.execute(
            select(RecordEvent.action).where(RecordEvent.record_id == record.id)
        ).scalars()
        assert list(events) == ["created", "revoked"]
    assert rw.government_report(person).dishonest == []
    assert rw.notices(rw.aw.government.organization_id, "record-deleted")


@pytest.mark.parametrize("outcome", [ObjectionOutcome.UPHELD, ObjectionOutcome.UNVERIFIABLE])
def test_upheld_and_unverifiable_remove_the_mark_and_keep_the_record(
    rw: RightsWorld, outcome: ObjectionOutcome
) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    objection = _file(rw, person)
    _decide(rw, objection.id, outcome, appeal_route="向湖北省税务局申请行政复议")
    assert _marks(rw.government_report(person), record.id) == [RecordMark.DISPLAYED]
    with rw.runtime.scope() as session:
        shown = objection_service.view(
            session, objection_service.get(session, objection.id, actor=rw.citizen(person))
        )
    assert shown.decision_note == "已与原始文书核对"
    assert shown.objection.appeal_route == "向湖北省税务局申请行政复议"
    assert shown.reason == "欠税已于认定前缴清，记录有误"


def test_who_may_file_read_and_decide(rw: RightsWorld) -> None:
    person, stranger = rw.aw.with_records[0], rw.aw.with_records[1]
    with pytest.raises(RecordNotFound):
        _file(rw, person, actor=rw.citizen(stranger))
    with pytest.raises(ObjectionInputInvalid):
        _file(rw, person, reason="  ")
    objection = _file(rw, person)
    with pytest.raises(ObjectionAlreadyOpen):
        _file(rw, person)
    with pytest.raises(ObjectionNotYours):
        _decide(rw, objection.id, ObjectionOutcome.UPHELD, actor=rw.operator)  # provider route
    with rw.runtime.scope() as session:
        assert objection_service.queue(session, actor=rw.other_clerk).items == []
        assert len(objection_service.queue(session, actor=rw.tax_clerk).items) == 1
        assert len(objection_service.queue(session, actor=rw.operator).items) == 1
    # The platform route: operators decide, the provider does not.
    other = _file(rw, stranger, actor=rw.operator, route=ObjectionRoute.PLATFORM)
    with pytest.raises(ObjectionNotYours):
        _decide(rw, other.id, ObjectionOutcome.UPHELD)
    _decide(rw, other.id, ObjectionOutcome.UPHELD, actor=rw.operator)
    with pytest.raises(ObjectionClosed):
        _decide(rw, other.id, ObjectionOutcome.UPHELD, actor=rw.operator)
    with rw.runtime.scope() as session:
        objection_service.withdraw(session, objection.id, actor=rw.citizen(person))
        assert disputes.open_disputes(session, [objection.record_id]) == set()


def test_statements_travel_with_the_record_through_corrections(
    rw: RightsWorld, tmp_path: Any
) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    with rw.runtime.scope() as session:
        statement = statements.add(
            session,
            record_id=record.id,
            text="该笔欠税系系统误差，已于次日补缴。",
            actor=rw.citizen(person),
        )
        statement_id = statement.id
    assert rw.push(tmp_path, [tax_row(person, "S0", amount="2")], "fix").corrected == 1
    report = rw.government_report(person)
    [line] = report.dishonest
    assert line.statements == ["该笔欠税系系统误差，已于次日补缴。"]
    with rw.runtime.scope() as session:
        statements.withdraw(session, statement_id, actor=rw.citizen(person))
    assert rw.government_report(person).dishonest[0].statements == []
    with rw.runtime.scope() as session, pytest.raises(RecordNotFound):
        statements.add(
            session, record_id=record.id, text="别人的记录", actor=rw.citizen(rw.aw.with_records[1])
        )


def test_a_query_answer_carries_the_dispute_mark(rw: RightsWorld) -> None:
    from chengxin.access import queries
    from chengxin.catalog import service as catalog_service

    person = rw.aw.with_records[0]
    record = rw.record(person)
    _file(rw, person)
    with rw.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        outcome = queries.submit(
            session,
            document,
            persons=[identity_resolve.PersonAsked(person.id_number, person.name)],
            scene=Scene.ADMINISTRATIVE_LICENSING,
            purpose="食品经营许可审查",
            grant_id=None,
            kinds=None,
            review=queries.ReviewRules(new_scene=False, financial_kinds=False),
            settings=rw.settings,
            actor=rw.aw.government,
        )
        [result] = outcome.results
        assert result.disputed == frozenset({record.id})


def _logged(rw: RightsWorld, action: str, object_id: Any) -> list[AuditEntry]:
    with rw.runtime.scope() as session:
        return list(
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_id == str(object_id)
                )
            ).scalars()
        )


def test_reading_an_objection_returns_it_and_logs_the_reading_once(rw: RightsWorld) -> None:
    objection = _file(rw, rw.aw.with_records[0])
    with rw.runtime.scope() as session, pytest.raises(ObjectionNotFound):
        objection_service.read(session, objection.id, actor=rw.other_clerk)
    assert _logged(rw, "objections:objection:read", objection.id) == []
    with rw.runtime.scope() as session:
        found = objection_service.read(session, objection.id, actor=rw.tax_clerk)
        assert found.id == objection.id
    [entry] = _logged(rw, "objections:objection:read", objection.id)
    assert (entry.object_type, entry.subject_id) == ("objection", objection.subject_id)
    assert entry.actor_id == rw.tax_clerk.id


def test_opening_an_evidence_file_returns_it_and_logs_the_reading_once(rw: RightsWorld) -> None:
    objection = _file(rw, rw.aw.with_records[0], evidence=[PDF])
    with rw.runtime.scope() as session:
        [evidence] = evidence_service.of_case(session, objection.id)
    with rw.runtime.scope() as session, pytest.raises(ObjectionNotFound):
        objection_service.open_evidence(session, objection.id, evidence.id, actor=rw.other_clerk)
    with rw.runtime.scope() as session, pytest.raises(EvidenceNotFound):
        objection_service.open_evidence(session, objection.id, uuid.uuid4(), actor=rw.tax_clerk)
    assert _logged(rw, "objections:evidence:read", evidence.id) == []
    with rw.runtime.scope() as session:
        opened = objection_service.open_evidence(
            session, objection.id, evidence.id, actor=rw.tax_clerk
        )
        assert (opened.row.id, opened.content) == (evidence.id, b"%PDF-1.7 test")
    [entry] = _logged(rw, "objections:evidence:read", evidence.id)
    assert (entry.object_type, entry.subject_id) == ("evidence", objection.subject_id)
