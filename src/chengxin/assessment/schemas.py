from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.assessment.models import Assessment, IndicatorSet
from chengxin.assessment.rules import Indicator
from chengxin.assessment.service import AssessmentView, Figure, Item, UnitResult


class IndicatorSetIn(BaseModel):
    source: str = Field(min_length=10, max_length=200_000, description="The indicator set as YAML")


class IndicatorSetRead(BaseModel):
    version: str
    name: str
    status: str = Field(description="draft, active or retired")
    digest: str
    content: dict[str, Any]
    created_at: datetime
    created_by: str
    activated_at: datetime | None
    activated_by: str | None
    retired_at: datetime | None

    @classmethod
    def of(cls, row: IndicatorSet) -> IndicatorSetRead:
        return cls(
            version=row.version,
            name=row.name,
            status=row.status,
            digest=row.digest,
            content=row.content,
            created_at=row.created_at,
            created_by=row.created_by,
            activated_at=row.activated_at,
            activated_by=row.activated_by,
            retired_at=row.retired_at,
        )


class IssueIn(BaseModel):
    period_kind: Literal["month", "quarter", "year"]
    period_label: str = Field(
        min_length=4, max_length=16, description="`2026-11`, `2026-Q4` or `2026`"
    )


class AssessmentRead(BaseModel):
    id: uuid.UUID
    number: str
    period_kind: str
    period_label: str
    since_on: date
    until_on: date
    indicator_version: str
    region_code: str | None = Field(description="null: province-wide")
    as_of: datetime = Field(description="Facts up to this moment count")
    issued_at: datetime
    issued_by: str
    digest: str = Field(description="SHA-256 hex of the canonical document")
    key_id: str = Field(description="The platform's Ed25519 signing key (SHA-256 of it, hex)")

    @classmethod
    def of(cls, row: Assessment) -> AssessmentRead:
        return cls(
            id=row.id,
            number=row.number,
            period_kind=row.period_kind,
            period_label=row.period_label,
            since_on=row.since_on,
            until_on=row.until_on,
            indicator_version=row.indicator_version,
            region_code=row.region_code,
            as_of=row.as_of,
            issued_at=row.issued_at,
            issued_by=row.issued_by,
            digest=row.digest,
            key_id=row.key_id,
        )


class IndicatorRead(BaseModel):
    code: str
    name: str
    name_en: str
    definition: str
    formula: str
    params: dict[str, Any]
    weight: float
    target: float | None
    better: str
    basis: str

    @classmethod
    def of(cls, i: Indicator) -> IndicatorRead:
        return cls(
            code=i.code,
            name=i.name,
            name_en=i.name_en,
            definition=i.definition,
            formula=i.formula,
            params=i.params,
            weight=i.weight,
            target=i.target,
            better=i.better,
            basis=i.basis,
        )


class FigureRead(BaseModel):
    whole: int = Field(description="Cases counted (0: nothing to count; the value is then 1)")
    part: int = Field(description="The bad part: late, rejected, missing, alerts")
    value: float = Field(description="The good share, 0..1")
    points: float = Field(description="value × weight")
    target: float | None
    finding: bool = Field(description="Below target")

    @classmethod
    def of(cls, f: Figure) -> FigureRead:
        return cls(
            whole=f.whole,
            part=f.part,
            value=f.value,
            points=f.points,
            target=f.target,
            finding=f.finding,
        )


class UnitRead(BaseModel):
    kind: str = Field(description="department or city")
    code: str
    total: float
    rank: int = Field(description="1 the best among units of its kind; ties share a rank")
    figures: dict[str, FigureRead]

    @classmethod
    def of(cls, u: UnitResult) -> UnitRead:
        return cls(
            kind=u.kind,
            code=u.code,
            total=u.total,
            rank=u.rank,
            figures={k: FigureRead.of(f) for k, f in u.figures.items()},
        )


class AssessmentViewRead(BaseModel):
    assessment: AssessmentRead
    indicators: list[IndicatorRead]
    units: list[UnitRead] = Field(description="The units the caller sees")

    @classmethod
    def of(cls, v: AssessmentView) -> AssessmentViewRead:
        return cls(
            assessment=AssessmentRead.of(v.assessment),
            indicators=[IndicatorRead.of(i) for i in v.indicators],
            units=[UnitRead.of(u) for u in v.units],
        )


class ItemRead(BaseModel):
    indicator: str
    unit_kind: str
    unit_code: str
    organization_id: uuid.UUID
    organization: str
    object_type: str
    object_id: str
    reference: str
    due_on: date | None
    done_on: date | None
    reason: str = Field(description="late, open_overdue, rejected, not_notified, missing, alert")

    @classmethod
    def of(cls, i: Item) -> ItemRead:
        return cls(
            indicator=i.indicator,
            unit_kind=i.unit_kind,
            unit_code=i.unit_code,
            organization_id=i.organization_id,
            organization=i.organization,
            object_type=i.object_type,
            object_id=i.object_id,
            reference=i.reference,
            due_on=i.due_on,
            done_on=i.done_on,
            reason=i.reason,
        )


class VerificationRead(BaseModel):
    number: str
    digest: str
    key_id: str
    signature_valid: bool = Field(description="The stored document has its digest, signed")
    reproduced: bool = Field(description="Computed again as of `as_of`, the digest is the same")


class TrendPointRead(BaseModel):
    period_label: str
    units: list[UnitRead]
