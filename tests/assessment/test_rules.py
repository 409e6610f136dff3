"""Indicator sets as data (validation with stable problem codes, upload and activation audited)
and the scoring rule (points, totals, shared ranks) as properties."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin.assessment import document as assessment_document
from chengxin.assessment import rules
from chengxin.assessment import service as assessment_service
from chengxin.assessment.errors import IndicatorSetNotDraft, IndicatorsInvalid
from chengxin.audit.models import AuditEntry
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

SHIPPED = rules.compile_set(rules.shipped())


def _content() -> dict[str, Any]:
    return yaml.safe_load(rules.shipped_text())  # type: ignore[no-any-return]


def _invalid(content: Any) -> IndicatorsInvalid:
    with pytest.raises(IndicatorsInvalid) as caught:
        rules.parse(yaml.safe_dump(content, allow_unicode=True))
    assert caught.value.code == "indicators-invalid"
    return caught.value


def test_the_shipped_set_is_valid_and_weighs_100() -> None:
    assert SHIPPED.version == "2027.1"
    assert sum(i.weight for i in SHIPPED.indicators) == 100
    assert {i.formula for i in SHIPPED.indicators} == set(rules.FORMULAS)
    assert all(i.basis for i in SHIPPED.indicators)


def test_weights_must_sum_to_100() -> None:
    content = _content()
    content["indicators"][0]["weight"] += 1
    assert "weights sum to 101" in str(_invalid(content).detail)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"formula": "made_up"}, "unknown formula"),
        ({"basis": ""}, "basis"),
        ({"weight": 0}, "weight"),
        ({"target": 1.5}, "target"),
        ({"params": {"within_workdays": -1}}, "whole number"),
        ({"params": {"no_such": 1}}, "unknown parameters"),
        ({"better": "sideways"}, "better"),
    ],
)
def test_an_indicator_is_checked(change: dict[str, Any], where: str) -> None:
    content = _content()
    content["indicators"][0].update(change)
    assert where in str(_invalid(content).detail)


def test_missing_basis_repeated_codes_and_no_version() -> None:
    content = _content()
    del content["indicators"][1]["basis"]
    assert "basis" in str(_invalid(content).detail)
    content = _content()
    content["indicators"][1]["code"] = content["indicators"][0]["code"]
    assert "repeat" in str(_invalid(content).detail)
    content = _content()
    del content["version"]
    _invalid(content)
    _invalid(["not", "a", "mapping"])
    with pytest.raises(IndicatorsInvalid):
        rules.parse("version: [unclosed")


def test_upload_and_activation_are_audited(runtime: Runtime) -> None:
    operator = system_actor("test")
    source = rules.shipped_text().replace('version: "2027.1"', 'version: "2027.9"')
    with runtime.scope() as session:
        assessment_service.upload_indicators(session, source, actor=operator)
        assert assessment_service.active_indicators(session).version == "2027.1"  # shipped
    with runtime.scope() as session:
        active = assessment_service.activate_indicators(session, "2027.9", actor=operator)
        assert active.status == "active"
        assert assessment_service.active_indicators(session).version == "2027.9"
        with pytest.raises(IndicatorSetNotDraft):
            assessment_service.activate_indicators(session, "2027.9", actor=operator)
    with runtime.scope() as session:
        actions = session.execute(
            select(AuditEntry.action, AuditEntry.data).where(
                AuditEntry.object_type == "assessment_indicator_set"
            )
        ).all()
        assert [a for a, _ in actions] == [
            "assessment:indicators:upload",
            "assessment:indicators:activate",
        ]
        assert actions[1][1]["version"] == "2027.9"


counts = st.tuples(st.integers(0, 50), st.integers(0, 50)).map(
    lambda pair: (max(pair), min(pair))  # whole >= part
)
unit_counts = st.lists(
    st.tuples(st.sampled_from(["department", "city"]), st.lists(counts, min_size=9, max_size=9)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(unit_counts)
def test_totals_are_the_sum_of_points_and_ranks_follow_totals(
    drawn: list[tuple[str, list[tuple[int, int]]]],
) -> None:
    units = [(kind, f"u{n}") for n, (kind, _) in enumerate(drawn)]
    totals: dict[tuple[str, str], float] = {}
    for unit, (_, figures) in zip(units, drawn, strict=True):
        documents = [
            assessment_document.figure_document(indicator, whole, part)
            for indicator, (whole, part) in zip(SHIPPED.indicators, figures, strict=True)
        ]
        for indicator, document in zip(SHIPPED.indicators, documents, strict=True):
            value, points = float(document["value"]), float(document["points"])
            assert 0 <= value <= 1
            assert points == round(value * indicator.weight, 4)
            assert document["finding"] == (
                (document["whole"] > 0 or indicator.formula == "audit_anomalies")
                and value < (indicator.target or 0)
            )
        totals[unit] = round(sum(float(d["points"]) for d in documents), 4)
        assert 0 <= totals[unit] <= 100
    ranked = assessment_document.ranked(units, totals)
    assert sorted(u for u, _ in ranked) == sorted(units)
    assert [u[0] for u, _ in ranked] == sorted(
        (u[0] for u, _ in ranked), key=["department", "city"].index
    )
    for a, rank_a in ranked:
        peers = [(b, rank_b) for b, rank_b in ranked if b[0] == a[0]]
        assert rank_a == 1 + sum(1 for b, _ in peers if totals[b] > totals[a])
        for b, rank_b in peers:
            if totals[a] == totals[b]:
                assert rank_a == rank_b  # ties share a rank
            elif totals[a] > totals[b]:
                assert rank_a < rank_b
    for kind in ("department", "city"):
        mine = [r for u, r in ranked if u[0] == kind]
        assert mine == sorted(mine)  # listed by rank
        assert not mine or mine[0] == 1
