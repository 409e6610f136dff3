"""The service-window check: memberships and measures with reasons and bases, per-person
errors, display windows, disputes, enterprise linkage, one audit entry, feedback and rates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.access.errors import SceneNotPermitted
from chengxin.access.scenes import Scene
from chengxin.audit import merkle
from chengxin.audit.models import AuditEntry
from chengxin.checks import service as check_service
from chengxin.checks.errors import (
    CheckBatchTooLarge,
    CheckInputInvalid,
    CheckNeedsPublicBody,
    CheckNotFound,
    FeedbackMeasureUnknown,
)
from chengxin.checks.models import Check, CheckSubject
from chengxin.identity.resolve import PersonAsked
from chengxin.lists.models import ExitReason
from chengxin.objections import service as objection_service
from chengxin.records.models import CreditRecord
from chengxin.settings import Settings
from tests.access.fixtures import citizen
from tests.checks.fixtures import NOW, CheckWorld, build_checks, enterprise
from tests.lists.fixtures import exited, listed


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _codes(result: Any) -> list[str]:
    return [a.measure.code for a in result.measures]


def test_a_listed_person_gets_the_punishments_of_the_scene_with_reasons_and_bases(
    cw: CheckWorld,
) -> None:
    person = cw.people[5]  # no records
    entry = listed(
        cw.runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=1)
    )
    [result] = cw.check([person]).results
    assert result.outcome == "found"
    assert result.error is None
    assert result.masked_name[0] == person.name[0]
    assert "*" in result.masked_name
    assert result.masked_id_number == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert [m.reference for m in result.memberships] == [entry.reference]
    assert _codes(result) == ["P07", "P12"]  # licensing; no incentive while blacklisted
    p12 = result.measures[1]
    assert any("法释〔2017〕7号" in b for b in p12.measure.basis_text)
    [why] = p12.why
    assert (why.trigger, why.entry_reference, why.disputed) == ("list", entry.reference, False)
    assert not p12.disputed


def test_after_exit_the_check_returns_no_punishment(cw: CheckWorld) -> None:
    person = cw.people[5]
    entry = listed(
        cw.runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=9)
    )
    exited(cw.runtime, entry.id, now=NOW - timedelta(days=1), reason=ExitReason.PERFORMED)
    [result] = cw.check([person]).results
    assert result.memberships == []
    assert [a for a in result.measures if a.measure.type.value == "punishment"] == []


def test_measures_follow_the_scene(cw: CheckWorld) -> None:
    person = cw.people[5]
    listed(cw.runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=1))
    [hiring] = cw.check([person], actor=cw.procurement, scene=Scene.STAFF_RECRUITMENT).results
    assert _codes(hiring) == ["P06"]  # 公务员法 Art. 26(4)
    [procurement] = cw.check(
        [person], actor=cw.procurement, scene=Scene.GOVERNMENT_PROCUREMENT
    ).results
    assert _codes(procurement) == ["P12"]


def test_a_good_record_without_dishonesty_earns_the_licensing_incentives(cw: CheckWorld) -> None:
    [result] = cw.check([cw.volunteer]).results
    assert _codes(result) == ["I01", "I02", "I03", "I04"]
    green = result.measures[2]
    assert green.measure.name_zh == "绿色通道"
    assert [w.trigger for w in green.why] == ["rule"]
    assert "近3年无失信记录" in green.why[0].text


def test_nobody_gets_an_incentive_from_an_empty_record(cw: CheckWorld) -> None:
    [result] = cw.check([cw.people[6]]).results
    assert result.outcome == "found"
    assert result.measures == []
    assert result.memberships == []


def test_a_serious_record_bars_procurement_and_a_dispute_marks_it(cw: CheckWorld) -> None:
    person = cw.aw.with_records[0]  # one serious tax-arrears record found 2026-03-01
    [result] = cw.check([person], actor=cw.procurement, scene=Scene.GOVERNMENT_PROCUREMENT).results
    assert _codes(result) == ["P05"]
    [why] = result.measures[0].why
    assert why.trigger == "records"
    assert len(why.record_ids) == 1
    assert not result.measures[0].disputed
    assert result.disputed_records == []
    sid = cw.sid(person)
    with cw.runtime.scope() as session:
        record_id = session.execute(
            select(CreditRecord.id).where(CreditRecord.subject_id == sid)
        ).scalar_one()
        objection_service.file(
            session,
            record_id=record_id,
            reason="欠税已于认定前缴清",
            evidence=[],
            actor=citizen(sid),
            settings=cw.settings,
            now=NOW - timedelta(hours=1),
        )
    [result] = cw.check([person], actor=cw.procurement, scene=Scene.GOVERNMENT_PROCUREMENT).results
    assert _codes(result) == ["P05"]  # shown, but marked
    assert result.measures[0].disputed
    assert result.disputed_records == [record_id]


def test_a_record_past_its_display_window_never_counts(cw: CheckWorld) -> None:
    person = cw.aw.with_records[0]
    later = NOW.replace(year=2030)  # the test catalog's serious window is at most 36 months
    [result] = cw.check(
        [person], actor=cw.procurement, scene=Scene.GOVERNMENT_PROCUREMENT, now=later
    ).results
    assert result.measures == []


def test_a_listed_enterprise_reaches_its_legal_representative_only_for_their_measures(
    cw: CheckWorld,
) -> None:
    rep = cw.people[7]
    code = enterprise(cw.runtime, cw.sid(rep))
    listed(
        cw.runtime, None, "black-judgment-defaulter", now=NOW - timedelta(days=1), credit_code=code
    )
    [licensing] = cw.check([rep]).results
    assert licensing.measures == []  # P07 and P12 target the listed person only
    [land] = cw.check([rep], scene=Scene.LAND_TRANSFER).results
    assert _codes(land) == ["P11"]  # S8 Art. 3: the unit's legal representative
    [why] = land.measures[0].why
    assert why.via_organization is not None
    assert why.via_organization != code
    assert why.role == "legal_representative"


def test_a_batch_reports_per_person_errors_and_answers_the_rest(cw: CheckWorld) -> None:
    good, other = cw.volunteer, cw.people[6]
    bad_id = PersonAsked(
        good.id_number[:-1] + ("0" if good.id_number[-1] != "0" else "1"), good.name
    )
    wrong_name = PersonAsked(other.id_number, other.name + "某")
    stranger = PersonAsked("11010519491231002X", "张三")
    outcome = cw.check([good, bad_id, wrong_name, stranger, other])
    assert [r.outcome for r in outcome.results] == [
        "found",
        "id-number-invalid",
        "name-mismatch",
        "not-registered",
        "found",
    ]
    assert outcome.results[1].error
    assert outcome.results[1].measures == []
    assert _codes(outcome.results[0]) == ["I01", "I02", "I03", "I04"]
    assert outcome.check.subject_count == 5
    assert outcome.check.found_count == 2


def test_over_the_batch_limit_the_whole_request_is_refused(cw: CheckWorld) -> None:
    cw.settings.check_batch_limit = 2
    with pytest.raises(CheckBatchTooLarge):
        cw.check(cw.people[:3])


def test_refusals_scene_public_body_purpose(cw: CheckWorld) -> None:
    with pytest.raises(SceneNotPermitted):
        cw.check([cw.volunteer], scene=Scene.BIDDING)
    with pytest.raises(CheckNeedsPublicBody):
        cw.check([cw.volunteer], actor=cw.aw.bank, scene=Scene.LOAN)
    with cw.runtime.scope() as session, pytest.raises(CheckInputInvalid):
        check_service.run(
            session,
            scene=Scene.ADMINISTRATIVE_LICENSING,
            purpose="  ",
            persons=[PersonAsked("x", "y")],
            settings=cw.settings,
            actor=cw.licensing,
        )


def test_one_audit_entry_per_check_and_the_persons_see_it(cw: CheckWorld) -> None:
    batch = cw.check(cw.people[5:9])
    single = cw.check([cw.volunteer])
    with cw.runtime.scope() as session:
        entries = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == check_service.RUN_ACTION)
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert [e.object_id for e in entries] == [str(batch.check.id), str(single.check.id)]
        assert entries[0].subject_id is None
        assert entries[0].data["subjects"] == 4
        assert entries[1].subject_id == cw.sid(cw.volunteer)  # in the person's own log
        assert entries[1].data["measures"] == ["I01", "I02", "I03", "I04"]
        assert (
            session.execute(
                select(func.count())
                .select_from(CheckSubject)
                .where(CheckSubject.check_id == batch.check.id)
            ).scalar_one()
            == 4
        )
        sid = cw.sid(cw.people[6])
        [line] = check_service.checks_about(session, sid)
    assert line.check_id == batch.check.id
    assert line.subjects_root == entries[0].data["subjects_root"]
    assert merkle.verify_inclusion(
        line.leaf_index,
        line.tree_size,
        merkle.leaf_hash(sid.bytes),
        [bytes.fromhex(p) for p in line.proof],
        bytes.fromhex(line.subjects_root),
    )


def test_feedback_is_recorded_and_counted_in_the_rates(cw: CheckWorld) -> None:
    outcome = cw.check([cw.volunteer])
    check_id = outcome.check.id
    items = [
        check_service.FeedbackItem("I03", applied=True, reason="已走绿色通道办理", index=0),
        check_service.FeedbackItem("I04", applied=False, reason="材料齐全，无需容缺"),
    ]
    with cw.runtime.scope() as session:
        rows = check_service.feedback(session, check_id, items, actor=cw.licensing)
        assert [r.decision for r in rows] == ["applied", "not_applied"]
        assert session.get_one(Check, check_id).feedback_at is not None
        assert (
            session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == check_service.FEEDBACK_ACTION)
            ).scalar_one()
            == 1
        )
    cw.check([cw.people[6]])  # a second check, without feedback
    with cw.runtime.scope() as session:
        rates = check_service.feedback_rates(session, since=None, until=None, actor=cw.licensing)
    [line] = [r for r in rates if r.scene == "administrative_licensing"]
    assert (line.checks, line.with_feedback, line.rate) == (2, 1, 0.5)


def test_feedback_on_a_measure_not_returned_or_a_foreign_check_is_refused(cw: CheckWorld) -> None:
    check_id = cw.check([cw.volunteer]).check.id
    with cw.runtime.scope() as session, pytest.raises(FeedbackMeasureUnknown):
        check_service.feedback(
            session,
            check_id,
            [check_service.FeedbackItem("P12", applied=True, reason="已限制")],
            actor=cw.licensing,
        )
    with cw.runtime.scope() as session, pytest.raises(CheckNotFound):
        check_service.feedback(
            session,
            check_id,
            [check_service.FeedbackItem("I01", applied=True, reason="已优先办理")],
            actor=cw.procurement,
        )
    with cw.runtime.scope() as session, pytest.raises(CheckNotFound):
        check_service.get_or_raise(session, check_id, actor=cw.procurement)
