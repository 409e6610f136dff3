"""Integrity grades (诚信积分, issue 9) in the check: shown per person, and measures that
trigger on a grade apply only to persons holding it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.access.scenes import Scene
from chengxin.measures import catalog as measure_catalog
from chengxin.measures import service as measure_service
from chengxin.scoring import grades as scoring_grades
from chengxin.scoring import service as scoring_service
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, CheckWorld, build_checks

GRADES = ["AAA", "AA", "A", "B", "C", "D"]


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _licensing() -> list[measure_catalog.Measure]:
    return list(measure_catalog.catalog().in_scene(Scene.ADMINISTRATIVE_LICENSING))


@given(grade=st.sampled_from([*GRADES, None]))
def test_the_grade_trigger_applies_priority_handling_to_aaa_and_aa_only(grade: str | None) -> None:
    found = measure_service.applicable(_licensing(), memberships=[], records=[], grade=grade,
                                       today=NOW.date())  # fmt: skip
    codes = [a.measure.code for a in found]
    assert ("I01" in codes) == (grade in {"AAA", "AA"})
    if grade in {"AAA", "AA"}:
        [why] = next(a for a in found if a.measure.code == "I01").why
        assert why.trigger == "grade"
        assert grade in why.text


def test_the_check_shows_the_grade_in_force(cw: CheckWorld) -> None:
    person = cw.volunteer
    sid = cw.sid(person)
    [before] = cw.check([person]).results
    assert before.grade is None  # never scored
    with cw.runtime.scope() as session:
        scoring_service.compute(session, [sid], settings=cw.settings, now=NOW)
    with cw.runtime.scope() as session:
        expected = scoring_grades.grade_of(session, [sid], at=NOW)[sid]
    [after] = cw.check([person]).results
    assert expected is not None
    assert after.grade == expected


def test_the_subjects_report_shows_the_grade_in_force(cw: CheckWorld) -> None:
    from chengxin.accounts.service import citizen_actor
    from chengxin.reports import service as report_service

    sid = cw.sid(cw.volunteer)
    me = citizen_actor(sid)
    with cw.runtime.scope() as session:
        unscored = report_service.issue_for_subject(session, actor=me, now=NOW).report
    assert unscored.grade is None
    with cw.runtime.scope() as session:
        scoring_service.compute(session, [sid], settings=cw.settings, now=NOW)
    with cw.runtime.scope() as session:
        expected = scoring_grades.grade_of(session, [sid], at=NOW)[sid]
        scored = report_service.issue_for_subject(session, actor=me, now=NOW).report
    assert scored.grade is not None
    assert scored.grade.grade == expected
