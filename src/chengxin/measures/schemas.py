"""API contract of the measures domain: the published catalog."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chengxin.measures.catalog import Measure, MeasureCatalog


class BasisRead(BaseModel):
    law: str = Field(description="Title of the law, regulation or document")
    article: str = Field(description="Article (条) and item (项)")


class MeasureRead(BaseModel):
    code: str = Field(description="I01… incentives, P01… punishments")
    type: str = Field(description="incentive or punishment")
    name_zh: str
    name_en: str
    basis: list[BasisRead] = Field(description="Every legal basis of the measure")
    departments: list[str] = Field(description="Implementing departments (catalog codes)")
    scenes: list[str] = Field(description="Business scenes where a check applies it")
    triggers: list[dict[str, Any]] = Field(description="Any one applies it: list, records, rule")
    target: list[str] = Field(description="subject, responsible_persons (R8.4)")
    period: str = Field(description="How long it applies")
    verified: bool = Field(description="False: the basis was read only in part")
    note: str | None = None

    @classmethod
    def of(cls, measure: Measure) -> MeasureRead:
        """The public view of one measure."""
        return cls(
            code=measure.code,
            type=measure.type.value,
            name_zh=measure.name_zh,
            name_en=measure.name_en,
            basis=[BasisRead(law=b.law, article=b.article) for b in measure.basis],
            departments=list(measure.departments),
            scenes=[s.value for s in measure.scenes],
            triggers=[t.model_dump(mode="json", exclude_defaults=True) for t in measure.triggers],
            target=[t.value for t in measure.target],
            period=measure.period,
            verified=measure.verified,
            note=measure.note,
        )


class MeasureCatalogRead(BaseModel):
    version: str
    title: str
    note: str | None = None
    measures: list[MeasureRead]

    @classmethod
    def of(cls, found: MeasureCatalog) -> MeasureCatalogRead:
        """The public view of the catalog."""
        return cls(
            version=found.version,
            title=found.title,
            note=found.note,
            measures=[MeasureRead.of(m) for m in found.measures],
        )
