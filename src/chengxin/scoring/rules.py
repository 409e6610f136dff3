"""Rulesets as data: the YAML document, its validation, and the compiled form the engine reads.

A ruleset is valid when it names its version, its points have the right signs (good records and
red lists add, dishonest records and black lists subtract: the monotonicity the tests rely on),
and its grades cover the score bounds with inclusive ranges that neither overlap nor leave gaps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chengxin.scoring.errors import RulesetInvalid

SHIPPED = "ruleset-2026.yaml"
SEVERITIES = ("minor", "general", "serious")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(_Strict):
    min: int
    max: int


class Points(_Strict):
    good: int = Field(ge=0)
    dishonest: dict[str, int]

    @model_validator(mode="after")
    def _severities(self) -> Points:
        missing = set(SEVERITIES) - set(self.dishonest)
        if missing or any(v > 0 for v in self.dishonest.values()):
            raise ValueError("dishonest points need minor, general and serious, each <= 0")
        return self


class Cap(_Strict):
    good: int = Field(ge=0)
    dishonest: int = Field(le=0)


class Caps(_Strict):
    default: Cap
    by_domain: dict[str, Cap] = Field(default_factory=dict)


class CleanBonus(_Strict):
    per_year: int = Field(ge=0)
    max_years: int = Field(ge=0, le=50)


class Lists(_Strict):
    red: int = Field(ge=0)
    black: int = Field(le=0)
    list_types: dict[str, int] = Field(default_factory=dict)


class Grade(_Strict):
    grade: str = Field(min_length=1, max_length=4)
    min: int
    max: int


class Ruleset(_Strict):
    version: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z.\-_]+$")
    name: str = ""
    base: int
    bounds: Bounds
    points: Points
    kinds: dict[str, int] = Field(default_factory=dict)
    decay_percent: list[int] = Field(min_length=1, max_length=50)
    caps: Caps
    clean_bonus: CleanBonus
    lists: Lists
    grades: list[Grade] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Ruleset:
        if self.bounds.min > self.bounds.max or not (
            self.bounds.min <= self.base <= self.bounds.max
        ):
            raise ValueError("bounds must hold the base score")
        if any(not 0 <= p <= 100 for p in self.decay_percent):  # noqa: PLR2004
            raise ValueError("decay_percent values are between 0 and 100")
        if any(a < b for a, b in pairwise(self.decay_percent)):
            raise ValueError("decay_percent must not increase with age")
        self._check_grades()
        return self

    def _check_grades(self) -> None:
        ranges = sorted(self.grades, key=lambda g: g.min)
        names = [g.grade for g in self.grades]
        if len(set(names)) != len(names):
            raise ValueError("grade names repeat")
        for g in ranges:
            if g.min > g.max:
                raise ValueError(f"grade {g.grade}: min above max")
        for low, high in pairwise(ranges):
            if high.min <= low.max:
                raise ValueError(f"grades {low.grade} and {high.grade} overlap")
            if high.min != low.max + 1:
                raise ValueError(f"a gap between grades {low.grade} and {high.grade}")
        if ranges[0].min > self.bounds.min or ranges[-1].max < self.bounds.max:
            raise ValueError("grades must cover the score bounds")


def parse(text: str) -> Ruleset:
    """A ruleset from YAML text; ``RulesetInvalid`` names what is wrong."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesetInvalid(f"not YAML: {str(exc)[:200]}") from None
    return from_content(content)


def from_content(content: Any) -> Ruleset:
    if not isinstance(content, dict):
        raise RulesetInvalid("a ruleset is a mapping")
    if not content.get("version"):
        raise RulesetInvalid("a ruleset needs a version", field="version")
    try:
        return Ruleset.model_validate(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesetInvalid(f"{where}: {first['msg']}"[:300], field=where or None) from None


def shipped_text() -> str:
    return resources.files("chengxin.scoring").joinpath("data", SHIPPED).read_text("utf-8")


def shipped() -> Ruleset:
    return parse(shipped_text())


def digest(ruleset: Ruleset) -> str:
    return hashlib.sha256(ruleset.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class Compiled:
    """A ruleset as plain lookups for the engine: kind → points, (category, severity) → points."""

    version: str
    base: int
    low: int
    high: int
    kind_points: dict[str, int]
    class_points: dict[tuple[str, str | None], int]
    decay: tuple[int, ...]
    cap_default: tuple[int, int]
    caps: dict[str, tuple[int, int]]
    bonus_per_year: int
    bonus_years: int
    list_points: dict[str, int]  # list kind (red/black) → points
    list_type_points: dict[str, int]
    grades: tuple[tuple[int, str], ...]  # (min, grade), highest first

    def grade_of(self, score: int) -> str:
        for low, grade in self.grades:
            if score >= low:
                return grade
        return self.grades[-1][1]

    @property
    def grade_order(self) -> dict[str, int]:
        """Grade → rank (0 the lowest)."""
        return {g: i for i, (_, g) in enumerate(reversed(self.grades))}


def compile_ruleset(ruleset: Ruleset) -> Compiled:
    class_points: dict[tuple[str, str | None], int] = {("good", None): ruleset.points.good}
    for severity, points in ruleset.points.dishonest.items():
        class_points["dishonest", severity] = points
    class_points["dishonest", None] = ruleset.points.dishonest["general"]
    for severity in SEVERITIES:
        class_points["good", severity] = ruleset.points.good
    return Compiled(
        version=ruleset.version,
        base=ruleset.base,
        low=ruleset.bounds.min,
        high=ruleset.bounds.max,
        kind_points=dict(ruleset.kinds),
        class_points=class_points,
        decay=tuple(ruleset.decay_percent),
        cap_default=(ruleset.caps.default.good, ruleset.caps.default.dishonest),
        caps={d: (c.good, c.dishonest) for d, c in ruleset.caps.by_domain.items()},
        bonus_per_year=ruleset.clean_bonus.per_year,
        bonus_years=ruleset.clean_bonus.max_years,
        list_points={"red": ruleset.lists.red, "black": ruleset.lists.black},
        list_type_points=dict(ruleset.lists.list_types),
        grades=tuple((g.min, g.grade) for g in sorted(ruleset.grades, key=lambda g: -g.min)),
    )
