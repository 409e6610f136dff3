"""Queries: permission lists, grants, review, disclosure logged per subject, on both databases."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.access import grants, monitoring, queries
from chengxin.access.errors import (
    GrantInvalid,
    GrantNotFound,
    GrantNotUsable,
    GrantRequired,
    KindsNotPermitted,
    QueryAlreadyDecided,
    QueryInputInvalid,
    QueryNotFound,
    QueryNotReleasable,
    SceneNotPermitted,
)
from chengxin.access.models import QueryStatus
from chengxin.access.scenes import Scene
from chengxin.audit.models import AuditEntry
from chengxin.catalog import service as catalog_service
from chengxin.identity import service as identity_service
from chengxin.identity.resolve import PersonAsked
from chengxin.organizations.models import OrganizationKind
from chengxin.security.actor import Actor
from chengxin.settings import Settings
from tests.access.fixtures import NOW, SYSTEM, AccessWorld, build, citizen, consumer

NO_REVIEW = queries.ReviewRules(new_scene=False, financial_kinds=False)


@pytest.fixture
def aw(runtime: Any, tmp_path: Any) -> AccessWorld:
    return build(runtime, tmp_path)


def _ask(
    aw: AccessWorld,
    actor: Actor,
    people: list[Any],
    settings: Settings,
    *,
    scene: Scene = Scene.ADMINISTRATIVE_LICENSING,
    review: queries.ReviewRules = NO_REVIEW,
    now: Any = NOW,
    **kwargs: Any,
) -> queries.QueryOutcome:
    with aw.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        outcome = queries.submit(
            session,
            document,
            persons=[PersonAsked(p.id_number, p.name) for p in people],
            scene=scene,
            purpose=kwargs.pop("purpose", "办理食品经营许可"),
            grant_id=kwargs.pop("grant_id", None),
            kinds=kwargs.pop("kinds", None),
            review=review,
            settings=settings,
            actor=actor,
            now=now,
        )
        session.flush()  # what the unit of work would commit (a release marks the query)
        session.expunge_all()
        return outcome


def _subject(aw: AccessWorld, person: Any) -> Any:
    with aw.runtime.scope() as session:
        return identity_service.subject_id_for(session, person.id_number)


def test_government_query_discloses_displayed_records_and_logs_each_subject(
    aw: AccessWorld, settings: Settings
) -> None:
    asked = [*aw.with_records[:2], aw.people[10]]
    outcome = _ask(aw, aw.government, asked, settings)
    assert outcome.query.status == QueryStatus.RELEASED.value
    assert outcome.results is not None
    assert [len(r.records) for r in outcome.results] == [1, 1, 0]
    assert {r.records[0].kind_code for r in outcome.results[:2]} == {"tax-arrears"}
    assert outcome.results[0].masked_name != asked[0].name
    with aw.runtime.scope() as session:
        entries = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "access:query:disclose"))
            .scalars()
            .all()
        )
        assert {e.subject_id for e in entries} == {_subject(aw, p) for p in asked}
        assert all(e.data["purpose"] == "办理食品经营许可" for e in entries)
        assert all(e.data["scene"] == "administrative_licensing" for e in entries)


def test_unknown_and_mismatched_persons_are_reported_not_disclosed(
    aw: AccessWorld, settings: Settings
) -> None:
    stranger = dataclasses.replace(aw.people[0], id_number="11010519491231002X")
    wrong_name = dataclasses.replace(aw.with_records[1], name="王小二")
    broken = dataclasses.replace(aw.people[2], id_number="110105194912310021")  # bad check digit
    outcome = _ask(aw, aw.government, [stranger, wrong_name, broken, aw.with_records[0]], settings)
    assert outcome.results is not None
    assert [r.outcome for r in outcome.results] == [
        "not-registered",
        "name-mismatch",
        "id-number-invalid",
        "found",
    ]
    assert len(outcome.results.pop().records) == 1
    assert all(r.records == [] for r in outcome.results)


def test_scene_and_kinds_outside_the_permission_list_are_refused(
    aw: AccessWorld, settings: Settings
) -> None:
    with pytest.raises(SceneNotPermitted):
        _ask(aw, aw.government, aw.with_records[:1], settings, scene=Scene.BIDDING)
    with pytest.raises(KindsNotPermitted):
        _ask(aw, aw.bank, aw.with_records[:1], settings, scene=Scene.LOAN, kinds=["exam-cheating"])
    with pytest.raises(SceneNotPermitted):  # a bank never runs a government check
        _ask(aw, aw.bank, aw.with_records[:1], settings)
    with pytest.raises(QueryInputInvalid):
        _ask(aw, aw.government, aw.with_records[:1], settings, purpose=" ")


def _grant(aw: AccessWorld, person: Any, **kwargs: Any) -> Any:
    with aw.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        from chengxin.organizations.models import Organization

        org = session.get_one(Organization, kwargs.pop("org", aw.bank).organization_id)
        grant = grants.create(
            session,
            document,
            credit_code=org.credit_code,
            scene=kwargs.pop("scene", Scene.LOAN),
            purpose="个人住房贷款审批",
            kinds=kwargs.pop("kinds", None),
            valid_days=kwargs.pop("valid_days", 30),
            max_uses=kwargs.pop("max_uses", 2),
            actor=citizen(_subject(aw, person)),
            now=kwargs.pop("now", NOW - timedelta(days=1)),
        )
        return grant.id


def test_third_party_needs_the_subjects_own_valid_grant(
    aw: AccessWorld, settings: Settings
) -> None:
    person, other = aw.with_records[0], aw.with_records[1]
    ask = lambda **kw: _ask(aw, aw.bank, [person], settings, scene=Scene.LOAN, **kw)  # noqa: E731
    with pytest.raises(GrantRequired):
        ask()
    with pytest.raises(GrantInvalid):  # a grant from someone else
        ask(grant_id=_grant(aw, other))
    grant_id = _grant(aw, person, max_uses=2)
    first = ask(grant_id=grant_id)
    assert first.results is not None
    assert len(first.results[0].records) == 1
    ask(grant_id=grant_id)
    with pytest.raises(GrantNotUsable):  # used up
        ask(grant_id=grant_id)
    with aw.runtime.scope() as session:
        uses = grants.uses_of(session, grant_id, actor=citizen(_subject(aw, person)))
        assert [u.number for u in uses] == [1, 2]


def test_revoked_and_expired_grants_are_refused(aw: AccessWorld, settings: Settings) -> None:
    person = aw.with_records[0]
    me = citizen(_subject(aw, person))
    revoked = _grant(aw, person)
    with aw.runtime.scope() as session:
        grants.revoke(session, revoked, reason="不再办理", actor=me)
    with pytest.raises(GrantNotUsable):
        _ask(aw, aw.bank, [person], settings, scene=Scene.LOAN, grant_id=revoked)
    expired = _grant(aw, person, valid_days=1, now=NOW - timedelta(days=2))
    with pytest.raises(GrantNotUsable):
        _ask(aw, aw.bank, [person], settings, scene=Scene.LOAN, grant_id=expired)


def test_a_grant_to_another_organization_does_not_work(aw: AccessWorld, settings: Settings) -> None:
    person = aw.with_records[0]
    other_bank = consumer(
        aw.runtime,
        "另一家银行",
        OrganizationKind.FINANCIAL,
        scene=Scene.LOAN,
        kinds=["tax-arrears"],
    )
    grant_id = _grant(aw, person, org=other_bank)
    with pytest.raises(GrantInvalid):
        _ask(aw, aw.bank, [person], settings, scene=Scene.LOAN, grant_id=grant_id)


def test_a_citizen_cannot_see_or_revoke_another_persons_grant(aw: AccessWorld) -> None:
    grant_id = _grant(aw, aw.with_records[0])
    stranger = citizen(_subject(aw, aw.with_records[1]))
    with aw.runtime.scope() as session:
        assert grants.mine(session, actor=stranger) == []
        with pytest.raises(GrantNotFound):
            grants.revoke(session, grant_id, reason=None, actor=stranger)
        with pytest.raises(GrantNotFound):
            grants.uses_of(session, grant_id, actor=stranger)


def test_bulk_query_waits_for_review_then_releases_once_approved(
    aw: AccessWorld, settings: Settings
) -> None:
    review = queries.ReviewRules(bulk_subjects=2, new_scene=False, financial_kinds=False)
    pending = _ask(aw, aw.government, aw.with_records, settings, review=review)
    assert pending.query.status == QueryStatus.PENDING_REVIEW.value
    assert pending.query.review_reasons == ["bulk"]
    assert pending.results is None
    with aw.runtime.scope() as session:
        disclosed = session.execute(
            select(AuditEntry.seq).where(AuditEntry.action == "access:query:disclose")
        ).all()
        assert disclosed == []  # nothing left the platform before review
        _, document = catalog_service.active_document(session)
        assert (
            queries.fetch(session, document, pending.query.id, actor=aw.government).results is None
        )
        queries.decide(
            session, pending.query.id, approve=True, reason="批量核查已报备", actor=SYSTEM
        )
    with aw.runtime.scope() as session:
        with pytest.raises(QueryAlreadyDecided):
            queries.decide(session, pending.query.id, approve=False, reason="x", actor=SYSTEM)
        with pytest.raises(QueryNotFound):  # another organization cannot fetch it
            queries.fetch(session, document, pending.query.id, actor=aw.bank)
        released = queries.fetch(session, document, pending.query.id, actor=aw.government)
        assert released.results is not None
        assert [len(r.records) for r in released.results] == [1, 1, 1]


def test_asking_again_while_held_answers_with_the_same_query(
    aw: AccessWorld, settings: Settings
) -> None:
    review = queries.ReviewRules(new_scene=True, financial_kinds=False)
    first = _ask(aw, aw.government, aw.with_records[:2], settings, review=review)
    again = _ask(aw, aw.government, aw.with_records[:2], settings, review=review)
    assert again.query.id == first.query.id
    assert again.results is None
    # Another purpose, other persons or another order is another question.
    other = _ask(aw, aw.government, aw.with_records[1::-1], settings, review=review)
    assert other.query.id != first.query.id
    with aw.runtime.scope() as session:
        queries.decide(session, first.query.id, approve=True, reason="职责明确", actor=SYSTEM)
    released = _ask(aw, aw.government, aw.with_records[:2], settings, review=review)
    assert released.query.id == first.query.id
    assert released.query.status == QueryStatus.RELEASED.value
    assert released.results is not None
    # Released: the next identical question is registered anew (answered at once: the scene
    # is no longer new).
    fresh = _ask(aw, aw.government, aw.with_records[:2], settings, review=review)
    assert fresh.query.id != first.query.id
    assert fresh.results is not None


def test_refused_query_is_never_released(aw: AccessWorld, settings: Settings) -> None:
    review = queries.ReviewRules(new_scene=True, financial_kinds=False)
    pending = _ask(aw, aw.government, aw.with_records[:1], settings, review=review)
    assert pending.query.review_reasons == ["new-scene"]
    with aw.runtime.scope() as session:
        queries.decide(session, pending.query.id, approve=False, reason="用途不明", actor=SYSTEM)
    with aw.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        with pytest.raises(QueryNotReleasable):
            queries.fetch(session, document, pending.query.id, actor=aw.government)


def test_restricted_kinds_wait_for_review(aw: AccessWorld, settings: Settings) -> None:
    review = queries.ReviewRules(kinds=frozenset({"tax-arrears"}), new_scene=False)
    outcome = _ask(aw, aw.government, aw.with_records[:1], settings, review=review)
    assert outcome.query.review_reasons == ["restricted-kinds"]


def test_regional_reviewer_sees_only_its_regions_queries(
    aw: AccessWorld, settings: Settings
) -> None:
    review = queries.ReviewRules(new_scene=True)
    pending = _ask(aw, aw.government, aw.with_records[:1], settings, review=review)
    yichang = Actor(SYSTEM.kind, "r", "宜昌审核员", None, SYSTEM.permissions, region_code="420500")
    wuhan = Actor(SYSTEM.kind, "r", "武汉审核员", None, SYSTEM.permissions, region_code="420100")
    with aw.runtime.scope() as session:
        listed = queries.list_queries(
            session, actor=yichang, status=QueryStatus.PENDING_REVIEW, limit=10, offset=0
        )
        assert listed == []
        with pytest.raises(QueryNotFound):
            queries.decide(session, pending.query.id, approve=True, reason="ok", actor=yichang)
        listed = queries.list_queries(session, actor=wuhan, status=None, limit=10, offset=0)
        assert [q.id for q in listed] == [pending.query.id]


def test_monitoring_raises_each_alert_once_per_window(aw: AccessWorld, settings: Settings) -> None:
    strict = settings.model_copy(
        update={"access_alert_subjects_per_hour": 1, "access_alert_night_queries": 0}
    )
    night = NOW.replace(hour=18)  # 02:00 in Beijing
    _ask(aw, aw.government, aw.with_records[:2], strict, now=night)
    _ask(aw, aw.government, aw.with_records[:2], strict, now=night + timedelta(minutes=5))
    with aw.runtime.scope() as session:
        rules = sorted(
            a.rule for a in monitoring.list_alerts(session, open_only=True, limit=50, offset=0)
        )
        assert rules == ["many-subjects", "new-scene", "night-burst"]
        later = night + timedelta(days=strict.access_feedback_days, hours=1)
        assert [a.rule for a in monitoring.scan_feedback(session, settings=strict, now=later)] == [
            "no-feedback"
        ]
        assert monitoring.scan_feedback(session, settings=strict, now=later) == []
