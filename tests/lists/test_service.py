"""The list entry lifecycle on both databases: propose (own records only, allowed proposers
only), notify (the subject told, the window in working days), publish (never early, never over an
open objection), exit and withdraw, the sweep, automatic proposals from a batch; history and
audit for every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin import workdays
from chengxin.audit.models import AuditEntry
from chengxin.catalog import service as catalog_service
from chengxin.identity.errors import SubjectNotFound
from chengxin.identity.resolve import SubjectNameMismatch
from chengxin.jobs.models import Job
from chengxin.jobs.worker import Worker
from chengxin.lists import PROPOSE_JOB, proposals
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.errors import (
    ListEntryAlreadyOpen,
    ListEntryInputInvalid,
    ListEntryNotFound,
    ListEntryNotYours,
    ListEntryWrongState,
    ListObjectionWindowOpen,
    ListProposerNotAllowed,
    ListRecordInDispute,
    ListRecordNotUsable,
    ListTypeInvalid,
    ListTypeUnknown,
)
from chengxin.lists.models import EntryStatus, ExitReason, ListEntry, ListEntryEvent
from chengxin.objections import service as objection_service
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.state import service as state_service
from tests.ingestion.fixtures import catalog_document, ingest_bytes, provider, tax_row
from tests.objections.fixtures import RightsWorld, build_rights, staff

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Beijing
SWEEPER = system_actor("lists-sweep")
TAX_LIST = "black-tax-serious"


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def _propose(rw: RightsWorld, person: Any, *, now: datetime = NOW, **kw: Any) -> ListEntry:
    record_ids = kw.pop("record_ids", None)
    if record_ids is None:
        record_ids = [rw.record(person).id]
    data = list_service.Proposal(
        list_type=kw.pop("list_type", TAX_LIST),
        reason=kw.pop("reason", "逃避追缴欠税数额较大"),
        record_ids=record_ids,
        **kw.pop("data", {}),
    )
    with rw.runtime.scope() as session:
        entry = list_service.propose(session, data, actor=kw.pop("actor", rw.tax_clerk), now=now)
        session.flush()
        session.expunge(entry)
        return entry


def _do(rw: RightsWorld, fn: Any, entry_id: Any, **kw: Any) -> ListEntry:
    with rw.runtime.scope() as session:
        entry = fn(session, entry_id, **kw)
        session.flush()
        session.expunge(entry)
        return entry


def _notify(rw: RightsWorld, entry_id: Any, now: datetime = NOW, actor: Any = None) -> ListEntry:
    return _do(
        rw, list_service.notify, entry_id, actor=actor or rw.operator, settings=rw.settings, now=now
    )


def _publish(rw: RightsWorld, entry_id: Any, now: datetime, actor: Any = None) -> ListEntry:
    return _do(rw, list_service.publish, entry_id, actor=actor or rw.operator, now=now)


def _events(rw: RightsWorld, entry_id: Any) -> list[ListEntryEvent]:
    with rw.runtime.scope() as session:
        return list(
            session.execute(
                select(ListEntryEvent)
                .where(ListEntryEvent.entry_id == entry_id)
                .order_by(ListEntryEvent.seq)
            ).scalars()
        )


def _audit(rw: RightsWorld, entry_id: Any) -> list[str]:
    with rw.runtime.scope() as session:
        return list(
            session.execute(
                select(AuditEntry.action)
                .where(
                    AuditEntry.object_id == str(entry_id), AuditEntry.object_type == "list_entry"
                )
                .order_by(AuditEntry.seq)
            ).scalars()
        )


def _listed(rw: RightsWorld, person: Any) -> ListEntry:
    entry = _propose(rw, person)
    notified = _notify(rw, entry.id)
    assert notified.objection_due_at is not None
    return _publish(rw, entry.id, notified.objection_due_at)


# -- types -----------------------------------------------------------------------------------------


def test_every_shipped_type_has_basis_standard_exits_and_remedies() -> None:
    shipped = list_types.all_types()
    assert len(shipped) >= 15
    assert {t.kind.value for t in shipped} == {"red", "black"}
    for t in shipped:
        assert t.basis
        assert all(b.law and b.article for b in t.basis)
        assert t.standard
        assert t.exit_conditions
        assert t.remedies


def test_a_type_without_a_basis_is_refused_at_load() -> None:
    raw = {
        "code": "x",
        "kind": "black",
        "name_zh": "x",
        "name_en": "x",
        "domain": "general",
        "standard": "x",
        "exit_conditions": ["x"],
        "remedies": "x",
    }
    with pytest.raises(ListTypeInvalid):
        list_types.load({"types": [{**raw, "basis": []}]})
    with pytest.raises(ListTypeInvalid):
        list_types.load({"types": [{**raw, "basis": [{"law": "《某法》", "article": ""}]}]})
    assert list_types.load(
        {"types": [{**raw, "basis": [{"law": "《某法》", "article": "第一条"}]}]}
    )


def test_the_court_list_is_proposed_by_the_court_kind() -> None:
    by_kind = list_types.proposed_by_kind()
    assert [t.code for t in by_kind["court-judgment-defaulter"]] == ["black-judgment-defaulter"]


# -- propose ---------------------------------------------------------------------------------------


def test_a_provider_proposes_on_its_own_record_with_a_sealed_reason(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _propose(rw, person, reason="逃避追缴欠税数额较大且拒不缴纳")
    assert entry.status == EntryStatus.PROPOSED.value
    assert entry.subject_id == rw.subject(person)
    assert entry.provider_id == rw.aw.world.tax_org_id
    assert entry.kind == "black"
    assert "逃避追缴欠税" not in entry.sealed.decode("latin-1")
    assert person.name not in entry.shown_name
    assert "*" in entry.shown_name
    assert entry.shown_id == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    with rw.runtime.scope() as session:
        assert list_service.reason_of(session, entry)["reason"] == "逃避追缴欠税数额较大且拒不缴纳"
    [event] = _events(rw, entry.id)
    assert (event.step, event.actor, event.reason) == ("proposed", "tax-clerk", "provider")
    assert _audit(rw, entry.id) == ["lists:entry:proposed"]


def test_unknown_type_foreign_record_and_wrong_proposer_are_refused(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    with pytest.raises(ListTypeUnknown):
        _propose(rw, person, list_type="black-nonsense")
    other_tax = provider(rw.runtime, "另一测试税务局", "tax")
    with pytest.raises(ListRecordNotUsable):
        _propose(
            rw, person, actor=staff("other-tax", other_tax.organization_id, Role.PROVIDER_CLERK)
        )
    with pytest.raises(ListProposerNotAllowed):
        _propose(rw, person, actor=rw.other_clerk)  # the education office: not a tax list
    with pytest.raises(ListEntryInputInvalid):
        _propose(rw, person, record_ids=[])  # no records and no finding document
    with pytest.raises(ListEntryInputInvalid):
        _propose(rw, person, reason="短")


def test_records_about_two_people_or_a_revoked_record_are_refused(rw: RightsWorld) -> None:
    a, b = rw.aw.with_records[:2]
    with pytest.raises(ListRecordNotUsable):
        _propose(rw, a, record_ids=[rw.record(a).id, rw.record(b).id])
    record = rw.record(a)
    with rw.runtime.scope() as session:
        current = session.get_one(CreditRecord, record.id)
        records_service.revoke(session, current, reason="test", at=NOW)
    with pytest.raises(ListRecordNotUsable):
        _propose(rw, a)


def test_a_second_open_entry_on_the_same_list_is_refused(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    _propose(rw, person)
    with pytest.raises(ListEntryAlreadyOpen):
        _propose(rw, person)


def test_a_person_named_by_id_number_and_name_on_a_document(rw: RightsWorld) -> None:
    person = rw.aw.people[5]
    named = {"id_number": person.id_number, "name": person.name, "document_no": "鄂税稽〔2026〕9号"}
    entry = _propose(rw, person, record_ids=[], data=named)
    assert entry.subject_id == rw.subject(person)
    assert entry.record_ids == []
    assert entry.document_no == "鄂税稽〔2026〕9号"
    other = {"id_number": rw.aw.people[6].id_number, "name": "王某某", "document_no": "X1"}
    with pytest.raises(SubjectNameMismatch):
        _propose(rw, rw.aw.people[6], record_ids=[], data=other)


# -- notify and publish ----------------------------------------------------------------------------


def test_notice_tells_the_subject_and_opens_a_window_in_working_days(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _propose(rw, person)
    notified = _notify(rw, entry.id)
    assert notified.status == EntryStatus.NOTIFIED.value
    assert notified.objection_due_at == workdays.due_after(NOW, rw.settings.lists_objection_days)
    assert "list-entry-notice" in rw.messages(person)
    assert [e.step for e in _events(rw, entry.id)] == ["proposed", "notified"]
    with pytest.raises(ListEntryWrongState):
        _notify(rw, entry.id)


def test_publish_is_refused_before_notice_and_inside_the_window(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _propose(rw, person)
    with pytest.raises(ListEntryWrongState):
        _publish(rw, entry.id, NOW + timedelta(days=60))
    notified = _notify(rw, entry.id)
    assert notified.objection_due_at is not None
    with pytest.raises(ListObjectionWindowOpen):
        _publish(rw, entry.id, notified.objection_due_at - timedelta(seconds=1))
    with pytest.raises(ListEntryNotYours):
        _publish(rw, entry.id, notified.objection_due_at, actor=rw.tax_clerk)
    published = _publish(rw, entry.id, notified.objection_due_at)
    assert published.status == EntryStatus.PUBLISHED.value
    assert published.published_at == notified.objection_due_at
    assert published.term_ends_at == notified.objection_due_at.replace(year=2029)
    assert _audit(rw, entry.id) == [
        "lists:entry:proposed",
        "lists:entry:notified",
        "lists:entry:published",
    ]


def test_publish_waits_for_an_open_objection_on_a_record(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _propose(rw, person)
    notified = _notify(rw, entry.id)
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=rw.record(person).id,
            reason="欠税已缴清，不应列入",
            evidence=[],
            actor=rw.citizen(person),
            settings=rw.settings,
            now=NOW,
        )
        objection_id = objection.id
    assert notified.objection_due_at is not None
    with pytest.raises(ListRecordInDispute):
        _publish(rw, entry.id, notified.objection_due_at)
    with rw.runtime.scope() as session:
        objection_service.withdraw(session, objection_id, actor=rw.citizen(person), now=NOW)
    assert _publish(rw, entry.id, notified.objection_due_at).status == "published"


# -- exit, withdraw, sweep -------------------------------------------------------------------------


def test_exit_takes_the_entry_off_with_reason_and_actor(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _listed(rw, person)
    later = NOW + timedelta(days=40)
    out = _do(
        rw,
        list_service.exit_entry,
        entry.id,
        reason=ExitReason.PERFORMED,
        note="已全部缴清税款及滞纳金",
        actor=rw.operator,
        now=later,
    )
    assert (out.status, out.exit_reason, out.exited_at) == ("exited", "performed", later)
    steps = _events(rw, entry.id)
    assert [(e.step, e.actor) for e in steps] == [
        ("proposed", "tax-clerk"),
        ("notified", "operator"),
        ("published", "operator"),
        ("exited", "operator"),
    ]
    assert steps[-1].reason == "performed"
    assert "list-entry-exited" in rw.messages(person)
    with pytest.raises(ListEntryWrongState):
        _do(
            rw,
            list_service.exit_entry,
            entry.id,
            reason=ExitReason.ERROR,
            actor=rw.operator,
            now=later,
        )
    with rw.runtime.scope() as session:
        assert entry.subject_id is not None
        assert state_service.state(session, entry.subject_id, at=later).memberships == ()


def test_withdraw_before_publication_only_by_its_proposer(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    entry = _propose(rw, person)
    with pytest.raises(ListEntryNotFound):
        _do(rw, list_service.withdraw, entry.id, note="认定有误撤回", actor=rw.other_clerk, now=NOW)
    out = _do(rw, list_service.withdraw, entry.id, note="认定有误撤回", actor=rw.tax_clerk, now=NOW)
    assert out.status == "withdrawn"
    with pytest.raises(ListEntryWrongState):
        _notify(rw, entry.id)
    _propose(rw, person)  # a withdrawn proposal does not block a new one


def test_sweep_exits_at_term_end_and_after_repair_or_revocation(rw: RightsWorld) -> None:
    a, b, c = rw.aw.with_records[:3]
    ea, eb, ec = _listed(rw, a), _listed(rw, b), _listed(rw, c)
    rb, rc = rw.record(b).id, rw.record(c).id
    with rw.runtime.scope() as session:
        repaired = session.get_one(CreditRecord, rb)
        repaired.status = "repaired"
        revoked = session.get_one(CreditRecord, rc)
        records_service.revoke(session, revoked, reason="objection", at=NOW)
    when = NOW + timedelta(days=20)
    with rw.runtime.scope() as session:
        done = list_service.sweep(session, actor=SWEEPER, now=when)
    assert (done.term_ended, done.records_ended) == (0, 2)
    with rw.runtime.scope() as session:
        assert session.get_one(ListEntry, eb.id).exit_reason == "repaired"
        assert session.get_one(ListEntry, ec.id).exit_reason == "error"
        assert session.get_one(ListEntry, ea.id).status == "published"
    assert ea.term_ends_at is not None
    end = ea.term_ends_at + timedelta(hours=1)
    with rw.runtime.scope() as session:
        done = list_service.sweep(session, actor=SWEEPER, now=end)
    assert (done.term_ended, done.records_ended) == (1, 0)
    with rw.runtime.scope() as session:
        exited = session.get_one(ListEntry, ea.id)
        assert (exited.exit_reason, exited.exited_at) == ("term_end", ea.term_ends_at)
        again = list_service.sweep(session, actor=SWEEPER, now=end)
    assert (again.term_ended, again.records_ended) == (0, 0)


# -- automatic proposals ---------------------------------------------------------------------------


def test_a_batch_of_a_proposing_kind_proposes_and_notifies(rw: RightsWorld, tmp_path: Any) -> None:
    base = catalog_document()
    serious = {**base["kinds"][0], "code": "tax-serious-dishonesty", "name_zh": "重大税收违法"}
    with rw.runtime.scope() as session:
        catalog_service.load(
            session,
            catalog_document("2026.2", kinds=[*base["kinds"], serious]),
            actor=system_actor("test"),
            activate=True,
        )
    person, unknown_later = rw.aw.people[4], rw.aw.people[5]
    rows = [
        tax_row(p, f"SD{i}", 信息事项代码="tax-serious-dishonesty")
        for i, p in enumerate([person, unknown_later])
    ]
    batch = ingest_bytes(rw.aw.world, _csv(rows), tmp_path, name="serious")
    assert batch.created == 2
    with rw.runtime.scope() as session:
        job = session.execute(
            select(Job).where(
                Job.kind == PROPOSE_JOB, Job.payload["batch_id"].as_string() == str(batch.id)
            )
        ).scalar_one()
        job_id = job.id
    # The real job, through the worker, when it is due (it was queued at the real time).
    Worker(rw.runtime, name="lists-test").run_once()
    with rw.runtime.scope() as session:
        ran = session.get_one(Job, job_id)
        assert ran.status == "done", ran.last_error
    subject_id = rw.subject(person)
    with rw.runtime.scope() as session:
        again = proposals.propose_from_batch(
            session, batch.id, actor=SWEEPER, settings=rw.settings, now=NOW
        )
        entry = session.execute(
            select(ListEntry).where(ListEntry.subject_id == subject_id)
        ).scalar_one()
        assert (entry.automatic, entry.status, entry.list_type) == (True, "notified", TAX_LIST)
    assert (again.proposed, again.already_listed) == (0, 2)


def _csv(rows: list[dict[str, str]]) -> bytes:
    from tests.ingestion.fixtures import csv_data

    return csv_data(rows)


def test_an_unregistered_subject_is_not_found(rw: RightsWorld) -> None:
    import uuid

    with rw.runtime.scope() as session, pytest.raises(SubjectNotFound):
        list_service.propose(
            session,
            list_service.Proposal(
                list_type=TAX_LIST, reason="测试理由四字", subject_id=uuid.uuid4(), document_no="X"
            ),
            actor=rw.operator,
            now=NOW,
        )


def test_a_minor_is_never_put_on_the_court_list(rw: RightsWorld) -> None:
    from datetime import date

    from chengxin.identity import idnumber
    from chengxin.identity import service as identity_service
    from chengxin.lists.errors import ListSubjectMinor

    number = idnumber.make("420102", date(2010, 5, 5), 123)
    with rw.runtime.scope() as session:
        prepared = identity_service.prepare_person(number, "李小明")
        subject, _ = identity_service.register(session, prepared, actor=system_actor("test"))
        subject_id = subject.id

    def court(list_type: str) -> ListEntry:
        data = list_service.Proposal(
            list_type=list_type,
            reason="拒不履行生效判决",
            subject_id=subject_id,
            document_no="（2026）鄂执1号",
        )
        with rw.runtime.scope() as session:
            return list_service.propose(session, data, actor=rw.operator, now=NOW)

    with pytest.raises(ListSubjectMinor):
        court("black-judgment-defaulter")
    assert court("red-outstanding-volunteer").kind == "red"


def test_reading_an_entry_returns_it_and_logs_the_reading_once(rw: RightsWorld) -> None:
    entry = _propose(rw, rw.aw.with_records[0])
    reads = select(AuditEntry).where(
        AuditEntry.action == "lists:entry:read", AuditEntry.object_id == str(entry.id)
    )
    with rw.runtime.scope() as session, pytest.raises(ListEntryNotFound):
        list_service.read(session, entry.id, actor=rw.other_clerk)
    with rw.runtime.scope() as session:
        assert session.execute(reads).scalars().all() == []
        assert list_service.read(session, entry.id, actor=rw.tax_clerk).id == entry.id
    with rw.runtime.scope() as session:
        [logged] = session.execute(reads).scalars().all()
        assert (logged.object_type, logged.subject_id) == ("list_entry", entry.subject_id)
        assert logged.actor_id == rw.tax_clerk.id


# -- display windows and effects at once (issue 16, ADR 0025) --------------------------------------


def test_a_record_outside_its_display_window_is_not_usable(rw: RightsWorld) -> None:
    from datetime import time

    from chengxin.workdays.days import CHINA

    person = rw.aw.with_records[0]
    record = rw.record(person)
    first_day_not_shown = datetime.combine(record.display_until_on, time(), tzinfo=CHINA)
    with pytest.raises(ListRecordNotUsable) as caught:
        _propose(rw, person, now=first_day_not_shown)
    assert "not displayed" in caught.value.detail
    assert _propose(rw, person, now=first_day_not_shown - timedelta(seconds=1)).status == (
        "proposed"
    )


def test_a_batch_record_expired_on_arrival_proposes_nothing(rw: RightsWorld, tmp_path: Any) -> None:
    base = catalog_document()
    serious = {
        **base["kinds"][0],
        "code": "tax-serious-dishonesty",
        "name_zh": "重大税收违法",
        "proposes_list": TAX_LIST,
    }
    with rw.runtime.scope() as session:
        catalog_service.load(
            session,
            catalog_document("2026.2", kinds=[*base["kinds"], serious]),
            actor=system_actor("test"),
            activate=True,
        )
    person = rw.aw.people[4]
    old = {
        "信息事项代码": "tax-serious-dishonesty",
        "认定日期": "2023-11-01",
        "行为日期": "2023-10-01",
        "告知日期": "2023-11-05",
    }
    batch = ingest_bytes(rw.aw.world, _csv([tax_row(person, "EX1", **old)]), tmp_path, name="ex")
    assert batch.created == 1  # accepted: its subject sees it, marked expired
    subject_id = rw.subject(person)
    with rw.runtime.scope() as session:
        done = proposals.propose_from_batch(
            session, batch.id, actor=SWEEPER, settings=rw.settings, now=NOW
        )
        assert (
            session.execute(select(ListEntry).where(ListEntry.subject_id == subject_id)).all() == []
        )
    assert (done.proposed, done.already_listed, done.not_displayed) == (0, 0, 1)
    assert "list-entry-notice" not in rw.messages(person)


def test_exit_for_records_ends_an_entry_once_all_its_records_no_longer_count(
    rw: RightsWorld, tmp_path: Any
) -> None:
    person = rw.aw.with_records[0]
    first = rw.record(person)
    assert rw.push(tmp_path, [tax_row(person, "S9", amount="5")], "second").created == 1
    second = rw.record(person, "S9")
    entry = _propose(rw, person, record_ids=[first.id, second.id])
    notified = _notify(rw, entry.id)
    assert notified.objection_due_at is not None
    _publish(rw, entry.id, notified.objection_due_at)
    # A correction of the first record: the entry carries on with the current version.
    assert rw.push(tmp_path, [tax_row(person, "S0", amount="999")], "fix").corrected == 1
    corrected = rw.record(person, "S0")
    later = NOW + timedelta(days=30)
    with rw.runtime.scope() as session:
        records_service.revoke(
            session, session.get_one(CreditRecord, corrected.id), reason="复议撤销", at=later
        )
        session.flush()
        done = list_service.exit_for_records(session, [corrected.id], actor=SWEEPER, now=later)
        assert (done.exited, done.withdrawn) == (0, 0)  # the second record still counts
        assert session.get_one(ListEntry, entry.id).status == "published"
    with rw.runtime.scope() as session:
        records_service.revoke(
            session, session.get_one(CreditRecord, second.id), reason="复议撤销", at=later
        )
        session.flush()
        done = list_service.exit_for_records(session, [second.id], actor=SWEEPER, now=later)
        assert (done.exited, done.withdrawn) == (1, 0)
        again = list_service.exit_for_records(session, [second.id], actor=SWEEPER, now=later)
        assert (again.exited, again.withdrawn) == (0, 0)
    with rw.runtime.scope() as session:
        stored = session.get_one(ListEntry, entry.id)
        assert (stored.status, stored.exit_reason, stored.exited_at) == ("exited", "error", later)
    assert _audit(rw, entry.id)[-1] == "lists:entry:exited"
    assert "list-entry-exited" in rw.messages(person)


def test_exit_for_records_withdraws_unpublished_entries_and_tells_only_the_notified(
    rw: RightsWorld,
) -> None:
    told, untold = rw.aw.with_records[:2]
    notified = _notify(rw, _propose(rw, told).id)
    proposed = _propose(rw, untold)
    ids = [rw.record(told).id, rw.record(untold).id]
    with rw.runtime.scope() as session:
        for record_id in ids:
            session.get_one(CreditRecord, record_id).status = "repaired"
        session.flush()
        done = list_service.exit_for_records(session, ids, actor=SWEEPER, now=NOW)
    assert (done.exited, done.withdrawn) == (0, 2)
    for entry in (notified, proposed):
        [*_, last] = _events(rw, entry.id)
        assert (last.step, last.reason) == ("withdrawn", "repaired")
    assert "list-entry-withdrawn" in rw.messages(told)
    assert "list-entry-withdrawn" not in rw.messages(untold)
