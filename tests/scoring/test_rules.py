"""Ruleset validation: a version is required, grades must not overlap or leave gaps."""

from __future__ import annotations

import pytest
import yaml

from chengxin.scoring import rules
from chengxin.scoring.errors import RulesetInvalid


def _content(**changes: object) -> dict[str, object]:
    content: dict[str, object] = yaml.safe_load(rules.shipped_text())
    content.update(changes)
    return content


def test_the_shipped_ruleset_is_valid() -> None:
    ruleset = rules.shipped()
    assert ruleset.version == "2026.1"
    compiled = rules.compile_ruleset(ruleset)
    assert compiled.grade_of(2000) == "AAA"
    assert compiled.grade_of(0) == "D"
    assert compiled.grade_of(1000) == "A"


def test_a_ruleset_without_a_version_is_invalid() -> None:
    content = _content()
    del content["version"]
    with pytest.raises(RulesetInvalid) as caught:
        rules.from_content(content)
    assert caught.value.code == "scoring-ruleset-invalid"


@pytest.mark.parametrize(
    ("grades", "why"),
    [
        (
            [{"grade": "A", "min": 0, "max": 1000}, {"grade": "B", "min": 900, "max": 2000}],
            "overlap",
        ),
        ([{"grade": "A", "min": 0, "max": 900}, {"grade": "B", "min": 950, "max": 2000}], "gap"),
        ([{"grade": "A", "min": 100, "max": 2000}], "cover"),
        (
            [{"grade": "A", "min": 0, "max": 999}, {"grade": "A", "min": 1000, "max": 2000}],
            "repeat",
        ),
    ],
)
def test_grades_must_not_overlap_or_leave_gaps(grades: list[object], why: str) -> None:
    with pytest.raises(RulesetInvalid, match=why):
        rules.from_content(_content(grades=grades))


def test_points_have_their_signs() -> None:
    with pytest.raises(RulesetInvalid):
        rules.from_content(
            _content(points={"good": 10, "dishonest": {"minor": 5, "general": -1, "serious": -2}})
        )
    with pytest.raises(RulesetInvalid):
        rules.from_content(_content(lists={"red": -1, "black": -3}))


def test_not_yaml() -> None:
    with pytest.raises(RulesetInvalid):
        rules.parse("version: [unclosed")
