"""Indicator sets as data: the YAML document, its validation and the compiled form.

A set is valid when it names its version, every indicator uses an implemented formula with known
parameters, names its legal or policy basis, has a positive weight, and the weights sum to 100.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chengxin.assessment.errors import IndicatorsInvalid

SHIPPED = "indicators-2027.yaml"
WEIGHT_TOTAL = 100

# formula → the parameters it accepts (name → default)
FORMULAS: dict[str, dict[str, Any]] = {
    "push_timeliness": {"within_workdays": 7, "by_kind": {}},
    "rejection_rate": {},
    "notice_share": {},
    "objections_on_time": {},
    "repairs_on_time": {},
    "check_feedback": {"within_workdays": 10},
    "list_exits_on_time": {"within_workdays": 3},
    "tips_on_time": {},
    "audit_anomalies": {"per_point": 10},
}
# formulas whose figure counts bad facts (value = 1 - bad share) rather than good ones
LOWER_IS_BETTER = frozenset({"rejection_rate", "audit_anomalies"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IndicatorIn(_Strict):
    code: str = Field(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    definition: str = Field(min_length=1)
    formula: str
    params: dict[str, Any] = Field(default_factory=dict)
    weight: float = Field(gt=0)
    target: float | None = Field(default=None, ge=0, le=1)
    better: Literal["higher", "lower"] = "higher"
    basis: str = Field(min_length=1)

    @model_validator(mode="after")
    def _formula(self) -> IndicatorIn:
        if self.formula not in FORMULAS:
            raise ValueError(f"unknown formula {self.formula}")
        unknown = set(self.params) - set(FORMULAS[self.formula])
        if unknown:
            raise ValueError(f"unknown parameters {', '.join(sorted(unknown))}")
        _check_params(self.formula, {**FORMULAS[self.formula], **self.params})
        return self


def _check_params(formula: str, params: dict[str, Any]) -> None:
    for name, value in params.items():
        if name == "by_kind":
            if not isinstance(value, dict) or any(
                not isinstance(k, str) or not isinstance(n, int) or isinstance(n, bool) or n < 0
                for k, n in value.items()
            ):
                raise ValueError("by_kind maps record kinds to whole working days >= 0")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{formula}.{name} is a whole number >= 0")
    if formula == "audit_anomalies" and params["per_point"] < 1:
        raise ValueError("audit_anomalies.per_point is at least 1")


class IndicatorSetIn(_Strict):
    version: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z.\-_]+$")
    name: str = Field(min_length=1, max_length=200)
    indicators: list[IndicatorIn] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> IndicatorSetIn:
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes repeat")
        total = sum(i.weight for i in self.indicators)
        if abs(total - WEIGHT_TOTAL) > 1e-6:  # noqa: PLR2004
            raise ValueError(f"weights sum to {total:g}, not {WEIGHT_TOTAL}")
        return self


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    name_en: str
    definition: str
    formula: str
    params: dict[str, Any] = field(hash=False)
    weight: float
    target: float | None
    better: str
    basis: str


@dataclass(frozen=True)
class Compiled:
    version: str
    name: str
    indicators: tuple[Indicator, ...]

    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}


def parse(text: str) -> IndicatorSetIn:
    """An indicator set from YAML text; ``IndicatorsInvalid`` names what is wrong."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise IndicatorsInvalid(f"not YAML: {str(exc)[:200]}") from None
    return from_content(content)


def from_content(content: Any) -> IndicatorSetIn:
    if not isinstance(content, dict):
        raise IndicatorsInvalid("an indicator set is a mapping")
    if not content.get("version"):
        raise IndicatorsInvalid("an indicator set needs a version", field="version")
    try:
        return IndicatorSetIn.model_validate(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise IndicatorsInvalid(f"{where}: {first['msg']}"[:300], field=where or None) from None


def shipped_text() -> str:
    return resources.files("chengxin.assessment").joinpath("data", SHIPPED).read_text("utf-8")


def shipped() -> IndicatorSetIn:
    return parse(shipped_text())


def digest(indicators: IndicatorSetIn) -> str:
    return hashlib.sha256(indicators.model_dump_json().encode()).hexdigest()


def compile_set(indicators: IndicatorSetIn) -> Compiled:
    return Compiled(
        version=indicators.version,
        name=indicators.name,
        indicators=tuple(
            Indicator(
                code=i.code,
                name=i.name,
                name_en=i.name_en,
                definition=i.definition,
                formula=i.formula,
                params={**FORMULAS[i.formula], **i.params},
                weight=i.weight,
                target=i.target,
                better=i.better,
                basis=i.basis,
            )
            for i in indicators.indicators
        ),
    )
