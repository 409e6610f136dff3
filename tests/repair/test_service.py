"""Credit repair end to end on both databases: eligibility explained; the finding department
decides; approval stops display, sharing and use, archives the content, tells every recipient;
the subject still sees the record, marked; deadlines, reminders, escalation, extension."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.audit.models import AuditEntry
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile, EvidenceInvalid, EvidenceNotFound
from chengxin.keys import rotation
from chengxin.keys.keyring import Keyring
from chengxin.objections import service as objection_service
from chengxin.objections import statements
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.repair import archive
from chengxin.repair import archive as repair_archive
from chengxin.repair import eligibility as repair_eligibility
from chengxin.repair import service as repair_service
from chengxin.repair.errors import (
    ArchiveNotFound,
    RepairClosed,
    RepairCommitmentMissing,
    RepairInputInvalid,
    RepairNotEligible,
    RepairNotFound,
    RepairNotTheFindingDepartment,
)
from chengxin.repair.models import RecordArchive, RepairBasis, RepairStatus
from chengxin.reports.content import RecordMark
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PDF = EvidenceFile("完税证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 test").decode())
SWEEPER = system_actor("repair-sweep")


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    world = build_rights(runtime, tmp_path)
    person = world.aw.people[10]
    rows = [old_tax_row(person, "OLD-1", note="已全额补缴")]
    assert world.push(tmp_path, rows, "old").created == 1
    return world


def _repairable(rw: RightsWorld) -> Any:
    return rw.aw.people[10]


def _apply(rw: RightsWorld, person: Any, **kw: Any) -> Any:
    record = rw.record(person)
    with rw.runtime.scope() as session:
        application = repair_service.apply(
            session,
            record_id=record.id,
            basis=kw.pop("basis", RepairBasis.OBLIGATION_PERFORMED),
            explanation=kw.pop("explanation", "欠税及滞纳金已全部缴清"),
            commitment_accepted=kw.pop("commitment_accepted", True),
            evidence=kw.pop("evidence", [PDF]),
            actor=kw.pop("actor", rw.citizen(person)),
            settings=kw.pop("settings", rw.settings),
            **kw,
        )
        session.expunge(application)
        return application


def _decide(rw: RightsWorld, application_id: Any, outcome: RepairStatus, **kw: Any) -> Any:
    with rw.runtime.scope() as session:
        application = repair_service.decide(
            session,
            application_id,
            outcome=outcome,
            reasons=kw.pop("reasons", None),
            actor=kw.pop("actor", rw.tax_clerk),
            **kw,
        )
        session.expunge(application)
        return application


def test_eligibility_is_explained_check_by_check(rw: RightsWorld) -> None:
    recent = rw.aw.with_records[0]  # found 2026-03-01: repairable from 2027-03-01
    with rw.runtime.scope() as session:
        found = repair_eligibility.eligibility_of(
            session, rw.record(recent).id, actor=rw.citizen(recent), settings=rw.settings
        )
    assert not found.eligible
    failed = [c.code for c in found.checks if not c.ok]
    assert failed == ["minimum-period-reached"]
    assert "2027-03-01" in next(c.detail for c in found.checks if not c.ok)
    with pytest.raises(RepairNotEligible) as raised:
        _apply(rw, recent)
    assert {c["code"] for c in raised.value.extra["checks"]} >= {"minimum-period-reached"}
    person = _repairable(rw)
    with rw.runtime.scope() as session:
        found = repair_eligibility.eligibility_of(
            session, rw.record(person).id, actor=rw.citizen(person), settings=rw.settings
        )
    assert found.eligible, found.checks


def test_an_approved_repair_stops_display_archives_and_tells_recipients(
    rw: RightsWorld,
) -> None:
    person = _repairable(rw)
    record = rw.record(person)
    before = rw.government_report(person)  # the government consumer received the record
    assert [r.id for r in before.dishonest] == [record.id]
    application = _apply(rw, person)
    assert application.status == RepairStatus.RECEIVED.value
    assert application.acknowledged_at == application.filed_at
    assert application.commitment_digest == repair_service.COMMITMENT_DIGEST
    assert rw.notices(rw.tax_clerk.organization_id, "repair-received")
    assert "repair-received" in rw.messages(person)
    with pytest.raises(RepairNotFound):  # another department does not even see it
        _decide(rw, application.id, RepairStatus.APPROVED, actor=rw.other_clerk)
    with pytest.raises(RepairNotTheFindingDepartment):  # operators see it; the finder decides
        _decide(rw, application.id, RepairStatus.APPROVED, actor=rw.operator)
    decided = _decide(rw, application.id, RepairStatus.APPROVED)
    assert decided.status == RepairStatus.APPROVED.value
    assert decided.notified_organizations == 1
    assert rw.notices(rw.aw.government.organization_id, "record-repaired")
    assert "repair-decided" in rw.messages(person)
    # Display, sharing and use stop: gone from government and third-party reports.
    assert rw.government_report(person).dishonest == []
    # The content left the active store for the sealed archive.
    with rw.runtime.scope() as session:
        stored = session.get_one(CreditRecord, record.id)
        assert stored.status == "repaired"
        assert (stored.document_no, stored.fields, stored.sealed_fields) == ("", {}, None)
        assert session.get(RecordArchive, record.id) is not None
        content = archive.content_of(session, record.id)
        events = list(
            session.execute(
                select(RecordEvent.action).where(RecordEvent.record_id == record.id)
            ).scalars()
        )
    assert content["document_no"] == record.document_no
    assert content["personal"] == {"note": "已全额补缴"}
    assert events == ["created", "repaired"]
    # The subject still sees it, marked, with its content.
    own = rw.own_report(person)
    [line] = own.dishonest
    assert line.marks == [RecordMark.REPAIRED]
    assert line.document_no == record.document_no
    assert line.fields["note"] == "已全额补缴"
    assert [(c.case, c.status) for c in own.objections] == [("repair", "approved")]


def test_refusal_and_more_evidence(rw: RightsWorld) -> None:
    person = _repairable(rw)
    application = _apply(rw, person, now=utcnow() - timedelta(days=10))
    with pytest.raises(RepairInputInvalid):
        _decide(rw, application.id, RepairStatus.REFUSED)  # reasons are required
    asked = _decide(rw, application.id, RepairStatus.NEEDS_EVIDENCE, reasons="请补充完税凭证原件")
    assert asked.status == RepairStatus.NEEDS_EVIDENCE.value
    with pytest.raises(RepairClosed):
        _decide(rw, application.id, RepairStatus.APPROVED)
    with rw.runtime.scope() as session:
        back = repair_service.add_evidence(
            session,
            application.id,
            evidence=[PDF],
            actor=rw.citizen(person),
            settings=rw.settings,
        )
        assert back.status == RepairStatus.RECEIVED.value
        assert back.decide_due_at > application.decide_due_at
    refused = _decide(rw, application.id, RepairStatus.REFUSED, reasons="滞纳金尚未缴清")
    assert refused.status == RepairStatus.REFUSED.value
    with rw.runtime.scope() as session:
        shown = repair_service.view(
            session, repair_service.get(session, application.id, actor=rw.citizen(person))
        )
    assert shown.reasons == "滞纳金尚未缴清"
    assert len(shown.evidence) == 2
    assert rw.government_report(person).dishonest  # still shown


def test_bad_applications_are_refused_clearly(rw: RightsWorld) -> None:
    person = _repairable(rw)
    with pytest.raises(RepairCommitmentMissing):
        _apply(rw, person, commitment_accepted=False)
    with pytest.raises(RepairInputInvalid):
        _apply(rw, person, evidence=[])  # obligation performed: show it
    fake = EvidenceFile("x.pdf", "application/pdf", base64.b64encode(b"not a pdf").decode())
    with pytest.raises(EvidenceInvalid):
        _apply(rw, person, evidence=[fake])
    _apply(rw, person)
    with pytest.raises(RepairNotEligible):
        _apply(rw, person)  # one open application per record
    with rw.runtime.scope() as session, pytest.raises(ArchiveNotFound):
        archive.content_of(session, rw.record(person).id)


def test_local_bars_are_off_by_default_and_apply_when_configured(
    rw: RightsWorld, tmp_path: Any
) -> None:
    person = _repairable(rw)
    _decide(rw, _apply(rw, person).id, RepairStatus.APPROVED)
    assert rw.push(tmp_path, [old_tax_row(person, "OLD-2")], "second").created == 1
    second = rw.record(person, "OLD-2")
    barred = rw.settings.model_copy(update={"repair_bars": ["repaired-within-1-year"]})
    with rw.runtime.scope() as session:
        assert repair_eligibility.eligibility(session, second, settings=rw.settings).eligible
        found = repair_eligibility.eligibility(session, second, settings=barred)
    assert not found.eligible
    assert [c.code for c in found.checks if not c.ok] == ["bar-repaired-within-1-year"]


def test_deadlines_reminders_escalation_and_extension(rw: RightsWorld) -> None:
    person = _repairable(rw)
    filed = utcnow() - timedelta(days=30)
    application = _apply(rw, person, now=filed)
    assert application.answer_due_at > application.decide_due_at
    with rw.runtime.scope() as session:
        first = repair_service.sweep(
            session, actor=SWEEPER, now=application.remind_at + timedelta(minutes=1)
        )
        late = application.decide_due_at + timedelta(minutes=1)
        second = repair_service.sweep(session, actor=SWEEPER, now=late)
        again = repair_service.sweep(session, actor=SWEEPER, now=late)
        queue = repair_service.queue(session, actor=rw.tax_clerk, now=late)
    assert (first.reminded, first.escalated) == (1, 0)
    assert (second.reminded, second.escalated) == (0, 1)
    assert (again.reminded, again.escalated) == (0, 0)
    assert (queue.open, queue.overdue) == (1, 1)
    assert rw.notices(rw.operator.organization_id, "repair-overdue")
    with rw.runtime.scope() as session:
        extended = repair_service.extend(
            session, application.id, days=5, reason="需调取历年缴税档案核实", actor=rw.tax_clerk
        )
        assert extended.decide_due_at > application.decide_due_at
        with pytest.raises(RepairClosed):
            repair_service.extend(
                session, application.id, days=1, reason="再次延期", actor=rw.tax_clerk
            )
    _decide(rw, application.id, RepairStatus.APPROVED)
    with rw.runtime.scope() as session:
        [figure] = repair_service.figures(session, actor=rw.operator)
    assert (figure.decided, figure.open) == (1, 0)
    # Filed 30 days ago: 3 working days plus the 5 of the extension, and the 10 to answer, end
    # well before today, whatever holidays fall in between (test_deadline_dates.py pins dates).
    assert (figure.on_time, figure.answered_on_time) == (0, 0)


def test_key_rotation_reseals_every_rights_table(rw: RightsWorld) -> None:
    person = _repairable(rw)
    record = rw.record(person)
    with rw.runtime.scope() as session:
        statements.add(session, record_id=record.id, text="本人声明", actor=rw.citizen(person))
    application = _apply(rw, person)
    _decide(rw, application.id, RepairStatus.APPROVED)
    other = rw.aw.with_records[0]
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=rw.record(other).id,
            reason="记录有误",
            evidence=[PDF],
            actor=rw.citizen(other),
            settings=rw.settings,
        )
        objection_id = objection.id
    other_actor = rw.citizen(other)
    ring = Keyring.from_json(rw.runtime.keyring.to_json())
    rt = build_runtime(rw.runtime.settings, keyring=ring, engine=rw.runtime.engine)
    new = ring.add_key()
    rotation.reencrypt_all(rt, batch=50)
    assert set(rotation.keys_in_use(rt)) == {new}
    with rt.scope() as session:
        shown = objection_service.view(
            session, objection_service.get(session, objection_id, actor=other_actor)
        )
        assert shown.reason == "记录有误"
        opened = evidence_service.open_file(session, objection_id, shown.evidence[0].id)
        assert opened.content == base64.b64decode(PDF.content_base64)
        assert archive.content_of(session, record.id)["document_no"] == record.document_no


def test_a_repaired_record_cannot_come_back_through_the_exchange(
    rw: RightsWorld, tmp_path: Any
) -> None:
    person = _repairable(rw)
    _decide(rw, _apply(rw, person).id, RepairStatus.APPROVED)
    resent = rw.push(tmp_path, [old_tax_row(person, "OLD-1", note="已全额补缴")], "resend")
    assert (resent.duplicates, resent.rejected) == (1, 0)  # the same content: a replay
    changed = rw.push(tmp_path, [old_tax_row(person, "OLD-1", amount="5")], "change")
    assert (changed.corrected, changed.rejected) == (0, 1)
    assert rw.record(person).status == "repaired"


def _logged(rw: RightsWorld, action: str, object_id: Any) -> list[AuditEntry]:
    with rw.runtime.scope() as session:
        return list(
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_id == str(object_id)
                )
            ).scalars()
        )


def test_reading_an_application_returns_it_and_logs_the_reading_once(rw: RightsWorld) -> None:
    application = _apply(rw, _repairable(rw))
    with rw.runtime.scope() as session, pytest.raises(RepairNotFound):
        repair_service.read(session, application.id, actor=rw.other_clerk)
    assert _logged(rw, "repair:application:read", application.id) == []
    with rw.runtime.scope() as session:
        found = repair_service.read(session, application.id, actor=rw.tax_clerk)
        assert found.id == application.id
    [entry] = _logged(rw, "repair:application:read", application.id)
    assert (entry.object_type, entry.subject_id) == ("repair_application", application.subject_id)
    assert entry.actor_id == rw.tax_clerk.id


def test_opening_an_evidence_file_returns_it_and_logs_the_reading_once(rw: RightsWorld) -> None:
    application = _apply(rw, _repairable(rw))
    with rw.runtime.scope() as session:
        [evidence] = evidence_service.of_case(session, application.id)
    with rw.runtime.scope() as session, pytest.raises(RepairNotFound):
        repair_service.open_evidence(session, application.id, evidence.id, actor=rw.other_clerk)
    with rw.runtime.scope() as session, pytest.raises(EvidenceNotFound):
        repair_service.open_evidence(session, application.id, uuid.uuid4(), actor=rw.tax_clerk)
    assert _logged(rw, "repair:evidence:read", evidence.id) == []
    with rw.runtime.scope() as session:
        opened = repair_service.open_evidence(
            session, application.id, evidence.id, actor=rw.tax_clerk
        )
        assert (opened.row.id, opened.content) == (evidence.id, b"%PDF-1.7 test")
    [entry] = _logged(rw, "repair:evidence:read", evidence.id)
    assert (entry.object_type, entry.subject_id) == ("evidence", application.subject_id)


def test_reading_an_archive_returns_its_content_and_logs_the_reading_once(rw: RightsWorld) -> None:
    person = _repairable(rw)
    record = rw.record(person)
    with rw.runtime.scope() as session, pytest.raises(ArchiveNotFound):
        repair_archive.read_archive(session, record.id, actor=rw.operator)  # not repaired yet
    with rw.runtime.scope() as session, pytest.raises(ArchiveNotFound):
        repair_archive.read_archive(session, uuid.uuid4(), actor=rw.operator)
    assert _logged(rw, "records:archive:read", record.id) == []
    _decide(rw, _apply(rw, person).id, RepairStatus.APPROVED)
    with rw.runtime.scope() as session:
        content = repair_archive.read_archive(session, record.id, actor=rw.operator)
        assert content["document_no"] == record.document_no
    [entry] = _logged(rw, "records:archive:read", record.id)
    assert (entry.object_type, entry.subject_id) == ("credit_record", record.subject_id)
