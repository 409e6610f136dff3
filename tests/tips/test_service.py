"""Tips as the services see them: anonymous submission with blind identifiers and sealed text,
routing to the competent department, the submitter's look-up, rate limits and floods, the
department's handling and the overdue sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin.db import utcnow
from chengxin.identity.idnumber import IdNumberError
from chengxin.keys import keyring_of
from chengxin.organizations.models import OrganizationKind
from chengxin.ratelimit import RateWindow
from chengxin.tips import service as tip_service
from chengxin.tips.errors import (
    TipFlood,
    TipInputInvalid,
    TipNotFound,
    TipNotYours,
    TipRateLimited,
    TipTransitionInvalid,
)
from chengxin.tips.models import Tip, TipOutcome, TipStatus
from tests.tips.fixtures import SYSTEM, WHAT, TipWorld, build, organization


@pytest.fixture
def tw(runtime: Any) -> TipWorld:
    return build(runtime)


def _tip(tw: TipWorld, receipt: tip_service.Receipt) -> Tip:
    with tw.scope() as session:
        tip = session.get_one(Tip, receipt.tip.id)
        session.expunge(tip)
        return tip


def test_a_tip_goes_to_the_competent_department_with_identifiers_blind(tw: TipWorld) -> None:
    receipt = tw.submit(id_number=tw.person.id_number, contact="13800001111")
    tip = _tip(tw, receipt)
    assert receipt.tip.reference.startswith(f"JB-{utcnow():%Y}-")
    assert len(receipt.tip.reference) == 16
    assert (tip.status, tip.organization_id, tip.route_rule) == ("routed", tw.tax_org, "department")
    assert receipt.handled_by == "测试市税务局"
    with tw.scope() as session:
        assert tip.subject_id == keyring_of(session).subject_id(tw.person.id_number)
    assert tip.masked_id_number == tw.person.id_number[:4] + "*" * 10 + tw.person.id_number[-4:]
    # Nothing in clear at rest: not the number, not the name, not the contact, not the secret.
    for column in (tip.sealed, tip.secret_hash, tip.text_digest):
        for clear in (tw.person.id_number, tw.person.name, "13800001111", receipt.secret):
            assert clear.encode() not in column
    assert [n.data["reference"] for n in tw.notices(tw.tax_org, "tip-routed")] == [tip.reference]
    entries = tw.audit(tip.id)
    assert [e.action for e in entries] == ["tips:tip:receive", "tips:tip:route"]
    # The person reported does not learn of it from their own audit trail.
    assert all(e.subject_id is None for e in entries)
    assert all(tw.person.id_number not in str(e.data) for e in entries)


def test_a_credit_code_is_kept_blind_and_masked(tw: TipWorld) -> None:
    code = "91350200776049653A"
    tip = _tip(tw, tw.submit(credit_code=code))
    assert tip.masked_credit_code == "913502********653A"
    assert tip.credit_code_index is not None
    assert code.encode() not in tip.sealed


def test_bad_identifiers_are_refused(tw: TipWorld) -> None:
    with pytest.raises(IdNumberError):
        tw.submit(id_number="420101199001011234")  # wrong check character
    with pytest.raises(TipInputInvalid):
        tw.submit(credit_code="91350200776049653B")
    with pytest.raises(TipInputInvalid):
        tw.submit(domain="red-moral-exemplar")  # a red list is not a matter for a tip
    with pytest.raises(TipInputInvalid):
        tw.submit(domain="no-such-list")


def test_other_domains_and_ambiguous_departments_go_to_the_operator(tw: TipWorld) -> None:
    assert _tip(tw, tw.submit(domain="other")).organization_id == tw.operator_org
    wuhan_tax_2 = organization(
        tw.runtime,
        "测试区税务局",
        OrganizationKind.GOVERNMENT,
        department="tax",
        region_code="420102",
    )
    ambiguous = _tip(tw, tw.submit(what=f"{tw.person.name}隐瞒收入逃避缴纳税款一案"))
    assert (ambiguous.organization_id, ambiguous.route_rule) == (tw.operator_org, "operator")
    by_region = _tip(tw, tw.submit(region_code="420102", what="另一起偷逃税款的情况说明"))
    assert (by_region.organization_id, by_region.route_rule) == (wuhan_tax_2, "department-region")


def test_the_submitter_follows_the_tip_with_reference_and_secret(tw: TipWorld) -> None:
    receipt = tw.submit()
    with tw.scope() as session:
        tip_service.change_state(
            session,
            receipt.tip.id,
            state=TipStatus.IN_PROGRESS,
            note="已受理，正在核查",
            actor=tw.tax_clerk,
        )
    shown = tip_service.lookup(
        tw.scope,
        reference=receipt.tip.reference.lower(),
        secret=receipt.secret,
        client_ip="198.51.100.1",
        settings=tw.runtime.settings,
    )
    assert shown.tip.status == "in_progress"
    assert [(u.step, u.note) for u in shown.updates] == [
        ("received", None),
        ("routed", None),
        ("in_progress", "已受理，正在核查"),
    ]
    for reference, secret in (
        (receipt.tip.reference, "wrong-secret-123"),
        ("JB-2026-AAAAAAAA", receipt.secret),
    ):
        with pytest.raises(TipNotFound):
            tip_service.lookup(
                tw.scope,
                reference=reference,
                secret=secret,
                client_ip="198.51.100.1",
                settings=tw.runtime.settings,
            )


def test_one_client_is_limited_per_hour_and_failed_lookups_count(tw: TipWorld) -> None:
    limit = tw.runtime.settings.tips_per_client_per_hour
    for i in range(limit):
        tw.submit(client_ip="192.0.2.9", what=f"第{i}条举报内容，情况属实请核查")
    with pytest.raises(TipRateLimited) as refused:
        tw.submit(client_ip="192.0.2.9", what="又一条举报内容，情况属实请核查")
    assert 0 < refused.value.extra["retry_after"] <= 3601
    tw.submit(client_ip="192.0.2.10", what="另一客户端的举报内容，请核查")  # another client is fine
    lookups = tw.runtime.settings.tips_lookups_per_client_per_hour
    for _ in range(lookups):
        with pytest.raises(TipNotFound):
            tip_service.lookup(
                tw.scope,
                reference="JB-2026-AAAAAAAA",
                secret="guessing-1234",
                client_ip="192.0.2.11",
                settings=tw.runtime.settings,
            )
    with pytest.raises(TipRateLimited):
        tip_service.lookup(
            tw.scope,
            reference="JB-2026-AAAAAAAA",
            secret="guessing-1234",
            client_ip="192.0.2.11",
            settings=tw.runtime.settings,
        )
    with tw.scope() as session:
        keys = session.execute(select(RateWindow.client_key)).scalars().all()
    assert all(b"192.0.2" not in key for key in keys)  # the address is kept only as an HMAC


def test_the_same_text_is_accepted_only_a_few_times_a_day(tw: TipWorld) -> None:
    allowed = tw.runtime.settings.tips_same_text_per_day
    for i in range(allowed):
        tw.submit(client_ip=f"192.0.2.{20 + i}")
    with pytest.raises(TipFlood) as refused:
        tw.submit(client_ip="192.0.2.99", what="  " + WHAT_SPACED + "  ")
    assert refused.value.extra["retry_after"] > 0


WHAT_SPACED = WHAT.replace("，", "， ")


def test_the_department_handles_and_closes_and_the_operator_reroutes(tw: TipWorld) -> None:
    receipt = tw.submit()
    tip_id = receipt.tip.id
    with tw.scope() as session:
        with pytest.raises(TipNotFound):  # another department does not even see it
            tip_service.get(session, tip_id, actor=tw.education_clerk)
        with pytest.raises(TipInputInvalid):
            tip_service.change_state(session, tip_id, state=TipStatus.CLOSED, actor=tw.tax_clerk)
        with pytest.raises(TipNotYours):
            tip_service.change_state(
                session,
                tip_id,
                state=TipStatus.ROUTED,
                organization_id=tw.education_org,
                actor=tw.tax_clerk,
            )
    with tw.scope() as session:
        tip_service.change_state(
            session,
            tip_id,
            state=TipStatus.ROUTED,
            organization_id=tw.education_org,
            actor=tw.operator,
        )
    with tw.scope() as session:
        opened = tip_service.open_tip(session, tip_id, actor=tw.education_clerk)
        assert (opened.about, opened.what) == (tw.person.name, WHAT)
        tip = tip_service.change_state(
            session,
            tip_id,
            state=TipStatus.CLOSED,
            outcome=TipOutcome.TRANSFERRED,
            note="已移送公安机关",
            actor=tw.education_clerk,
        )
        assert (tip.status, tip.outcome) == ("closed", "transferred")
    with tw.scope() as session, pytest.raises(TipTransitionInvalid):
        tip_service.change_state(
            session, tip_id, state=TipStatus.IN_PROGRESS, actor=tw.education_clerk
        )
    actions = [e.action for e in tw.audit(tip_id)]
    assert actions == [
        "tips:tip:receive",
        "tips:tip:route",
        "tips:tip:route",
        "tips:tip:read",
        "tips:tip:closed",
    ]
    assert [e.actor_name for e in tw.audit(tip_id)][-1] == "edu-clerk"


def test_the_sweep_tells_operators_of_tips_nobody_started_on_once(tw: TipWorld) -> None:
    receipt = tw.submit()
    later = utcnow() + timedelta(days=20)
    with tw.scope() as session:
        assert tip_service.sweep(session, actor=SYSTEM, now=utcnow()) == 0
        assert tip_service.sweep(session, actor=SYSTEM, now=later) == 1
        assert tip_service.sweep(session, actor=SYSTEM, now=later) == 0
        page = tip_service.queue(session, actor=tw.tax_clerk, now=later)
        assert (page.open, page.overdue, [t.id for t in page.items]) == (1, 1, [receipt.tip.id])
    assert [n.data["reference"] for n in tw.notices(tw.operator_org, "tip-overdue")] == [
        receipt.tip.reference
    ]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.sampled_from(["in_progress", "closed", "routed"]), max_size=5))
def test_states_follow_the_allowed_transitions(tw: TipWorld, steps: list[str]) -> None:
    receipt = tw.submit(client_ip=str(utcnow().timestamp()), what=f"状态机测试 {steps} {utcnow()}")
    expected = TipStatus.ROUTED
    for step in steps:
        target = TipStatus(step)
        with tw.scope() as session:
            try:
                tip = tip_service.change_state(
                    session,
                    receipt.tip.id,
                    state=target,
                    outcome=TipOutcome.UNSUBSTANTIATED if target is TipStatus.CLOSED else None,
                    organization_id=tw.tax_org,
                    actor=tw.operator,
                )
            except TipTransitionInvalid:
                assert target not in tip_service.ALLOWED[expected]
                continue
            assert target in tip_service.ALLOWED[expected]
            expected = TipStatus(tip.status)
    assert _tip(tw, receipt).status == expected.value
    if expected is TipStatus.CLOSED:
        assert tip_service.ALLOWED[expected] == frozenset()
