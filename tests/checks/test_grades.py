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
from chengxin.scoring import rules as scoring_rules
from chengxin.scoring import service as scoring_service
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, CheckWorld, build_checks

GRADES = ["AAA", "AA", "A", "B", "C", "D"]

# The shipped ruleset's grades (src/chengxin/scoring/data/ruleset-2026.yaml), written here by hand:
# the lowest score of each grade, highest grade first.
THRESHOLDS = [(1150, "AAA"), (1080, "AA"), (1000, "A"), (900, "B"), (750, "C"), (0, "D")]


def _expected_grade(score: int) -> str:
    return next(grade for low, grade in THRESHOLDS if score >= low)


def _score(cw: CheckWorld, sid: Any) -> int:
    """The score in force at NOW, read from the stored history (not its grade)."""
    with cw.runtime.scope() as session:
        row = scoring_grades.score_as_of(session, sid, NOW)
        assert row is not None
        return row.score


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (0, "D"),
        (749, "D"),
        (750, "C"),
        (899, "C"),
        (900, "B"),
        (999, "B"),
        (1000, "A"),
        (1079, "A"),
        (1080, "AA"),
        (1149, "AA"),
        (1150, "AAA"),
        (2000, "AAA"),
    ],
)
def test_the_shipped_ruleset_grades_each_boundary_as_written(score: int, grade: str) -> None:
    assert scoring_rules.compile_ruleset(scoring_rules.shipped()).grade_of(score) == grade


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _licensing() -> list[measure_catalog.Measure]:
    return list(measure_catalog.catalog().in_scene(Scene.ADMINISTRATIVE_LICENSING))


@given(grade=st.sampled_from([*GRADES, None]))
def test_the_grade_trigger_applies_priority_handling_to_aaa_and_aa_only(grade: str | None) -> None:
    found = measure_service.applicable(
        _licensing(), memberships=[], records=[], grade=grade, today=NOW.date()
    )
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
    # One good record (volunteer hours, +10, found 2026-06-01: under a year, full points) on the
    # base of 1000, plus the full clean-record bonus (10 a year, at most 5 years): 1060, an A
    # (1000–1079).
    score = _score(cw, sid)
    assert score == 1000 + 10 + 5 * 10
    [after] = cw.check([person]).results
    assert after.grade == _expected_grade(score) == "A"


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
    score = _score(cw, sid)
    assert score == 1060
    with cw.runtime.scope() as session:
        scored = report_service.issue_for_subject(session, actor=me, now=NOW).report
    assert scored.grade is not None
    assert scored.grade.grade == _expected_grade(score) == "A"
