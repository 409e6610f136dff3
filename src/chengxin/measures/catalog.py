"""The joint incentive and punishment measures catalog (R7.2–R7.4, R8; RULES.md §5), loaded
from ``data/measures.json`` and validated at load.

A measure without a legal basis (law and article) is refused: departments must not add measures
beyond laws, regulations and Central Committee / State Council documents, nor widen a measure's
targets (《全国失信惩戒措施基础清单》, DOMAIN-DATA.md §2.1). Scenes are ``access.scenes`` values,
list types ``lists.types`` codes; both are checked here so a typo fails at start, not at a window.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chengxin.access.scenes import Scene
from chengxin.catalog.schema import Category, Severity
from chengxin.lists import types as list_types
from chengxin.lists.models import ListKind
from chengxin.measures.errors import MeasureCatalogInvalid

DATA = Path(__file__).parent / "data" / "measures.json"


class MeasureType(StrEnum):
    INCENTIVE = "incentive"  # 守信激励 (R7)
    PUNISHMENT = "punishment"  # 失信惩戒 (R8)


class Target(StrEnum):
    SUBJECT = "subject"  # the listed or recorded person
    # R8.4: the legal representative and responsible persons of a listed organization
    RESPONSIBLE_PERSONS = "responsible_persons"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Basis(_Strict):
    law: str = Field(min_length=2, max_length=200, description="Title, e.g. 《公务员法》")
    article: str = Field(min_length=1, max_length=100, description="e.g. 第二十六条第（四）项")

    def __str__(self) -> str:
        return f"{self.law}{self.article}"


class ListTrigger(_Strict):
    """Membership of a list: by type codes, or of any list of a kind."""

    on: Literal["list"]
    list_types: tuple[str, ...] = ()
    list_kind: ListKind | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ListTrigger:
        if bool(self.list_types) == (self.list_kind is not None):
            raise ValueError("a list trigger names list_types or a list_kind, not both or none")
        unknown = sorted(set(self.list_types) - set(list_types.registry()))
        if unknown:
            raise ValueError(f"unknown list types: {', '.join(unknown)}")
        return self


class RecordsTrigger(_Strict):
    """Visible records of some kinds, a category or severities (optionally found recently)."""

    on: Literal["records"]
    kinds: tuple[str, ...] = ()
    category: Category | None = None
    severities: tuple[Severity, ...] = ()
    within_years: int | None = Field(None, ge=1, le=50)

    @model_validator(mode="after")
    def _narrowed(self) -> RecordsTrigger:
        if not self.kinds and self.category is None:
            raise ValueError("a records trigger names record kinds or a category")
        return self


class RuleTrigger(_Strict):
    """A rule over the whole picture: ``clean-years`` = no dishonest record found in the last
    ``years`` years and at least ``min_good_records`` good records or red-list entries."""

    on: Literal["rule"]
    rule: Literal["clean-years"]
    years: int = Field(ge=1, le=10)
    min_good_records: int = Field(0, ge=0, le=100)


class GradeTrigger(_Strict):
    """The person's integrity grade (诚信积分 classification, R6.3) in force at the check: one of
    ``grades`` of the active scoring ruleset (scoring, ADR 0020)."""

    on: Literal["grade"]
    grades: tuple[str, ...] = Field(min_length=1)


Trigger = Annotated[
    ListTrigger | RecordsTrigger | RuleTrigger | GradeTrigger, Field(discriminator="on")
]


class Measure(_Strict):
    """One joint incentive or punishment measure."""

    code: str = Field(pattern=r"^[IP][0-9]{2}$", description="I01… incentives, P01… punishments")
    type: MeasureType
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=300)
    basis: tuple[Basis, ...] = Field(min_length=1, description="Law and article, at least one")
    departments: tuple[str, ...] = Field(min_length=1, description="Implementing departments")
    scenes: tuple[Scene, ...] = Field(min_length=1)
    triggers: tuple[Trigger, ...] = Field(min_length=1, description="Any one applies it")
    target: tuple[Target, ...] = Field(min_length=1)
    period: str = Field(min_length=1, max_length=500)
    verified: bool = Field(description="False: the basis was read only in part ([P])")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        incentive = self.type is MeasureType.INCENTIVE
        if self.code.startswith("I") != incentive:
            raise ValueError("codes: I… for incentives, P… for punishments")
        wanted = ListKind.RED if incentive else ListKind.BLACK
        for trigger in self.triggers:
            if isinstance(trigger, ListTrigger):
                kinds = (
                    {trigger.list_kind}
                    if trigger.list_kind
                    else {list_types.registry()[c].kind for c in trigger.list_types}
                )
                if kinds != {wanted}:
                    raise ValueError(f"a {self.type.value} is triggered by {wanted.value} lists")
            if (
                incentive
                and isinstance(trigger, RecordsTrigger)
                and (trigger.category is Category.DISHONEST or trigger.severities)
            ):
                raise ValueError("an incentive is not triggered by dishonest records")
        if incentive and Target.RESPONSIBLE_PERSONS in self.target:
            raise ValueError("incentives reach the subject only")
        return self

    @property
    def basis_text(self) -> list[str]:
        """Each basis as one line: law and article."""
        return [str(b) for b in self.basis]


class MeasureCatalog(_Strict):
    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]+$")
    title: str
    note: str | None = None
    measures: tuple[Measure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> MeasureCatalog:
        codes = [m.code for m in self.measures]
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        if duplicated:
            raise ValueError(f"measure codes appear twice: {', '.join(duplicated)}")
        return self

    def by_code(self) -> dict[str, Measure]:
        """Measures by code."""
        return {m.code: m for m in self.measures}

    def in_scene(self, scene: Scene) -> tuple[Measure, ...]:
        """The measures a check in this scene considers (precomputed per process)."""
        return _scene_index(self)[scene]


@cache
def _scene_index(found: MeasureCatalog) -> dict[Scene, tuple[Measure, ...]]:
    return {s: tuple(m for m in found.measures if s in m.scenes) for s in Scene}


def parse(document: dict[str, Any]) -> MeasureCatalog:
    """A catalog from its JSON; ``MeasureCatalogInvalid`` (with the failing fields) when a
    measure lacks its basis, names an unknown scene or list, or contradicts its type."""
    try:
        return MeasureCatalog.model_validate(document)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise MeasureCatalogInvalid(
            f"{len(errors)} problem(s) in the measures catalog", errors=errors
        ) from None


@cache
def catalog() -> MeasureCatalog:
    """The shipped catalog, read and validated once per process."""
    return parse(json.loads(DATA.read_text(encoding="utf-8")))
