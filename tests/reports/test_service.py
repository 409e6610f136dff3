"""Reports: the three audiences, verification and as-of reproduction, on both databases."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.access import grants
from chengxin.access.errors import GrantNotUsable, GrantRequired, SceneNotPermitted
from chengxin.access.models import Grant, Query
from chengxin.access.scenes import Scene
from chengxin.audit.errors import NotTheSubject
from chengxin.audit.models import AuditEntry
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.identity import resolve
from chengxin.identity.errors import SubjectNotFound
from chengxin.identity.idnumber import IdNumberError
from chengxin.identity.resolve import SubjectNameMismatch
from chengxin.organizations.models import Organization
from chengxin.privacy import mask_id_number
from chengxin.reports import service as report_service
from chengxin.reports import verification
from chengxin.reports.content import RecordMark, ReportAudience, report_digest
from chengxin.reports.errors import AsOfNotPermitted, ReportInputInvalid, ReportNotVerified
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.access.fixtures import AccessWorld, build, citizen
from tests.ingestion.fixtures import HEADER, csv_data, ingest_bytes, tax_row

PURPOSE = "食品经营许可审查"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access_review_new_scene": False})


@pytest.fixture
def aw(runtime: Any, tmp_path: Any) -> AccessWorld:
    world = build(runtime, tmp_path)
    person = world.with_records[0]
    extra = [tax_row(person, "R-2", amount="250", note="本人已补缴一部分")]
    assert ingest_bytes(world.world, csv_data(extra), tmp_path, name="extra").created == 1
    return world


def _request(person: Any, **over: Any) -> report_service.ReportRequest:
    values: dict[str, Any] = {
        "id_number": person.id_number,
        "name": person.name,
        "scene": Scene.ADMINISTRATIVE_LICENSING,
        "purpose": PURPOSE,
    }
    values.update(over)
    return report_service.ReportRequest(**values)


def _government(aw: AccessWorld, settings: Settings, person: Any, **over: Any) -> Any:
    with aw.runtime.scope() as session:
        return report_service.issue_for_organization(
            session, _request(person, **over), settings=settings, actor=aw.government
        )


def _mine(aw: AccessWorld, subject_id: uuid.UUID, **kwargs: Any) -> Any:
    with aw.runtime.scope() as session:
        return report_service.issue_for_subject(session, actor=citizen(subject_id), **kwargs)


def _subject_id(aw: AccessWorld, person: Any) -> uuid.UUID:
    with aw.runtime.scope() as session:
        return resolve.subject_of(session, person.id_number, person.name)


def _correct_and_revoke(aw: AccessWorld, tmp_path: Any, person: Any) -> None:
    corrected = [tax_row(person, "S0", amount="999")]
    assert ingest_bytes(aw.world, csv_data(corrected), tmp_path, name="fix").corrected == 1
    revoke = [{"源记录编号": "R-2", "操作": "撤销", "撤销原因": "复议撤销原处罚决定"}]
    header = (*HEADER, "操作", "撤销原因")
    batch = ingest_bytes(aw.world, csv_data(revoke, header=header), tmp_path, name="rev")
    assert batch.revoked == 1


def test_the_subjects_report_shows_every_version_marked_with_personal_fields(
    aw: AccessWorld, settings: Settings, tmp_path: Any
) -> None:
    person = aw.with_records[0]
    sid = _subject_id(aw, person)
    _correct_and_revoke(aw, tmp_path, person)
    _government(aw, settings, person)
    issued = _mine(aw, sid)
    report = issued.report
    assert report.audience is ReportAudience.SUBJECT
    assert report.masked_id_number == mask_id_number(person.id_number)
    assert person.id_number not in report.model_dump_json()
    marks = sorted((r.fields["amount"], r.status, r.marks) for r in report.dishonest)
    assert marks == [
        ("1000", "superseded", [RecordMark.SUPERSEDED]),
        ("250", "revoked", [RecordMark.REVOKED]),
        ("999", "active", [RecordMark.DISPLAYED]),
    ]
    revoked = next(r for r in report.dishonest if r.status == "revoked")
    assert revoked.fields["note"] == "本人已补缴一部分"  # personal field, decrypted for them
    assert revoked.provider == "测试税务局"
    assert revoked.legal_basis == ["《测试法》第一条"]
    assert revoked.kind_name_zh == "测试事项 tax-arrears"
    assert revoked.repairable
    assert revoked.repair_from_on is not None
    assert (report.summary.dishonest, report.summary.dishonest_by_severity) == (1, {"serious": 1})
    assert report.queries is not None
    seen = [(q.action, q.scene, q.purpose, q.organization) for q in report.queries]
    assert (
        "access:query:disclose",
        "administrative_licensing",
        PURPOSE,
        "测试市场监督管理局",
    ) in seen
    assert report.grants == []
    assert report.catalog_version == "2026.1"


def test_a_government_report_is_a_registered_query_the_subject_sees(
    aw: AccessWorld, settings: Settings
) -> None:
    person = aw.with_records[0]
    issued = _government(aw, settings, person)
    report = issued.report
    assert report.audience is ReportAudience.GOVERNMENT
    assert (report.organization, report.scene, report.purpose) == (
        "测试市场监督管理局",
        "administrative_licensing",
        PURPOSE,
    )
    assert len(report.dishonest) == 2
    assert all("note" not in r.fields for r in report.dishonest)  # personal fields: subject only
    assert report.queries is None
    assert report.grants is None
    with aw.runtime.scope() as session:
        query = session.get_one(Query, issued.issue.query_id)
        assert (query.scene, query.purpose, query.status) == (
            "administrative_licensing",
            PURPOSE,
            "released",
        )
        entries = session.execute(
            select(AuditEntry).where(AuditEntry.subject_id == issued.issue.subject_id)
        ).scalars()
        about = {(e.action, e.data["scene"], e.data["purpose"]) for e in entries}
    assert ("access:query:disclose", "administrative_licensing", PURPOSE) in about
    assert ("reports:report:issue", "administrative_licensing", PURPOSE) in about


def test_a_third_party_needs_a_valid_grant_and_each_report_uses_it(
    aw: AccessWorld, settings: Settings
) -> None:
    person = aw.with_records[0]
    sid = _subject_id(aw, person)
    loan = {"scene": Scene.LOAN, "purpose": "个人住房贷款审批"}
    with aw.runtime.scope() as session, pytest.raises(GrantRequired):
        report_service.issue_for_organization(
            session, _request(person, **loan), settings=settings, actor=aw.bank
        )
    with aw.runtime.scope() as session:
        org = session.get_one(Organization, aw.bank.organization_id)
        _, document = catalog_service.active_document(session)
        grant = grants.create(
            session,
            document,
            credit_code=org.credit_code,
            scene=Scene.LOAN,
            purpose="个人住房贷款审批",
            kinds=None,
            valid_days=1,
            max_uses=2,
            actor=citizen(sid),
        )
        grant_id = grant.id
    with aw.runtime.scope() as session:
        issued = report_service.issue_for_organization(
            session,
            _request(person, grant_id=grant_id, **loan),
            settings=settings,
            actor=aw.bank,
        )
        assert issued.report.audience is ReportAudience.THIRD_PARTY
        assert {r.kind_code for r in issued.report.dishonest} == {"tax-arrears"}
        assert session.get_one(Grant, grant_id).uses == 1
    later = utcnow() + timedelta(days=2)
    with aw.runtime.scope() as session, pytest.raises(GrantNotUsable) as expired:
        report_service.issue_for_organization(
            session,
            _request(person, grant_id=grant_id, **loan),
            settings=settings,
            actor=aw.bank,
            now=later,
        )
    assert expired.value.extra["grant_status"] == "expired"
    mine = _mine(aw, sid).report
    assert mine.grants is not None
    assert [(g.uses, g.status) for g in mine.grants] == [(1, "active")]


def test_bad_requests_get_clear_problems(aw: AccessWorld, settings: Settings) -> None:
    person = aw.with_records[0]
    stranger = next(iter(generator.people(1, seed=4242)))
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"id_number": stranger.id_number, "name": stranger.name}, SubjectNotFound),
        ({"id_number": mask_id_number(person.id_number)}, IdNumberError),
        ({"name": person.name + "甲"}, SubjectNameMismatch),
        ({"scene": Scene.BIDDING}, SceneNotPermitted),
        ({"as_of": utcnow() - timedelta(days=1)}, AsOfNotPermitted),
        ({"as_of": utcnow() + timedelta(days=1)}, ReportInputInvalid),
        ({"as_of": utcnow().replace(tzinfo=None)}, ReportInputInvalid),
    ]
    for over, error in cases:
        with aw.runtime.scope() as session, pytest.raises(error):
            report_service.issue_for_organization(
                session, _request(person, **over), settings=settings, actor=aw.government
            )
    with aw.runtime.scope() as session, pytest.raises(NotTheSubject):
        report_service.issue_for_subject(session, actor=aw.government)


def test_an_issued_report_verifies_with_its_code_only(aw: AccessWorld, settings: Settings) -> None:
    issued = _government(aw, settings, aw.with_records[0])
    number, code = issued.report.number, issued.verification_code
    assert number.startswith("CX-")
    assert len(number) == 20
    assert issued.issue.digest == report_digest(issued.report)
    with aw.runtime.scope() as session:
        found = verification.verify(session, number.lower(), code.lower())
        assert found.digest == issued.issue.digest
        assert verification.signature_holds(session.info["keyring"], found)
        assert found.code_hash != code
        wrong = "A" * 8 if code != "A" * 8 else "B" * 8
        for bad_number, bad_code in [(number, wrong), ("CX-20261128-AAAAAAAA", code), ("x", "")]:
            with pytest.raises(ReportNotVerified):
                verification.verify(session, bad_number, bad_code)


def test_as_of_reproduction_gives_the_issued_digest_after_corrections(
    aw: AccessWorld, settings: Settings, tmp_path: Any
) -> None:
    person = aw.with_records[0]
    sid = _subject_id(aw, person)
    first_gov = _government(aw, settings, person)
    first_own = _mine(aw, sid)
    _correct_and_revoke(aw, tmp_path, person)
    auditor = dataclasses.replace(aw.government, permissions=frozenset(Permission))
    for first in (first_gov, first_own):
        with aw.runtime.scope() as session:
            again = report_service.reproduce(session, first.report.number, actor=auditor)
        assert again.matches, first.report.audience
        assert again.report == first.report
    now_gov = _government(aw, settings, person).report
    assert [r.fields["amount"] for r in now_gov.dishonest] == ["999"]
    # The person's own as-of report shows the records as they stood then.
    as_of = _mine(aw, sid, as_of=first_own.report.as_of).report
    assert as_of.dishonest == first_own.report.dishonest
    assert as_of.summary == first_own.report.summary
    # An auditor's report as of the first issue shows what a public body saw then.
    with aw.runtime.scope() as session:
        past = report_service.issue_for_organization(
            session,
            _request(person, as_of=first_gov.report.as_of),
            settings=settings,
            actor=auditor,
        ).report
    assert past.dishonest == first_gov.report.dishonest


def test_a_report_before_anything_was_received_is_empty(aw: AccessWorld) -> None:
    sid = _subject_id(aw, aw.with_records[0])
    report = _mine(aw, sid, as_of=utcnow() - timedelta(days=365)).report
    assert (report.dishonest, report.queries, report.grants) == ([], [], [])
    assert report.summary.dishonest == 0


def test_a_held_report_keeps_its_query_and_is_issued_on_it_once_approved(
    aw: AccessWorld, settings: Settings
) -> None:
    from chengxin.access import queries
    from chengxin.access.errors import QueryNotReleasable
    from chengxin.security.actor import system_actor

    strict = settings.model_copy(update={"access_review_new_scene": True})
    person = aw.with_records[0]
    with aw.runtime.scope() as session:
        held = report_service.issue_for_organization(
            session, _request(person), settings=strict, actor=aw.government
        )
        assert isinstance(held, report_service.Held)
        query_id = held.query.id
    with aw.runtime.scope() as session:  # committed with the unit of work: it is there
        assert session.get_one(Query, query_id).status == "pending_review"
        again = report_service.issue_for_organization(
            session, _request(person, query_id=query_id), settings=strict, actor=aw.government
        )
        assert isinstance(again, report_service.Held)
        assert again.query.id == query_id
        queries.decide(
            session, query_id, approve=True, reason="职责明确", actor=system_actor("reviewer")
        )
    with aw.runtime.scope() as session:
        issued = report_service.issue_for_organization(
            session, _request(person, query_id=query_id), settings=strict, actor=aw.government
        )
        assert isinstance(issued, report_service.Issued)
        assert issued.issue.query_id == query_id
    with aw.runtime.scope() as session, pytest.raises(QueryNotReleasable):
        report_service.issue_for_organization(
            session, _request(person, query_id=query_id), settings=strict, actor=aw.government
        )
    with aw.runtime.scope() as session, pytest.raises(ReportInputInvalid):
        report_service.issue_for_organization(
            session,
            _request(person, query_id=query_id, purpose="另一用途的审查"),
            settings=strict,
            actor=aw.government,
        )
