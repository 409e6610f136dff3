from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from chengxin.scoring.models import ReviewOutcome, ScoringRuleset, SubjectScore
from chengxin.scoring.sandbox import Comparison
from chengxin.scoring.service import ReviewView


class RulesetIn(BaseModel):
    source: str = Field(min_length=10, max_length=200_000, description="The ruleset as YAML")


class RulesetRead(BaseModel):
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
    def of(cls, row: ScoringRuleset) -> RulesetRead:
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


class LineRead(BaseModel):
    source_id: str | None = Field(
        description="The record version or list entry; null for the "
        "base, caps, clean-years bonus and bounds"
    )
    rule: str = Field(description="e.g. `dishonest:tax-arrears@80%`, `list:black:…`, `base`")
    points: int


class ScoreRead(BaseModel):
    score: int
    grade: str
    ruleset_version: str
    valid_from: datetime
    computed_at: datetime
    lines: list[LineRead] = Field(description="Line by line; the points add up to the score")

    @classmethod
    def of(cls, row: SubjectScore) -> ScoreRead:
        return cls(
            score=row.score,
            grade=row.grade,
            ruleset_version=row.ruleset_version,
            valid_from=row.valid_from,
            computed_at=row.computed_at,
            lines=[LineRead(source_id=i, rule=r, points=p) for i, r, p in row.lines],
        )


class SubjectLookup(BaseModel):
    id_number: str = Field(min_length=15, max_length=18)
    name: str = Field(min_length=1, max_length=100)
    as_of: datetime | None = Field(None, description="The score in force at this moment")


class ReviewIn(BaseModel):
    reason: str = Field(min_length=4, max_length=2000, description="What seems wrong, and why")


class ReviewDecisionIn(BaseModel):
    outcome: ReviewOutcome
    note: str = Field(min_length=4, max_length=2000, description="What was checked, and how")


class ReviewRead(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    score: int
    grade: str
    ruleset_version: str
    reason: str
    requested_at: datetime
    due_at: datetime
    decided_at: datetime | None
    outcome: str | None
    note: str | None

    @classmethod
    def of(cls, shown: ReviewView) -> ReviewRead:
        r = shown.review
        return cls(
            id=r.id,
            reference=r.reference,
            status=r.status,
            score=r.score,
            grade=r.grade,
            ruleset_version=r.ruleset_version,
            reason=shown.reason,
            requested_at=r.requested_at,
            due_at=r.due_at,
            decided_at=r.decided_at,
            outcome=r.outcome,
            note=shown.note,
        )


class ComparisonRead(BaseModel):
    active_version: str
    draft_version: str
    on: str
    total: dict[str, Any]
    by_region: dict[str, dict[str, Any]]
    by_domain: dict[str, dict[str, Any]]
    mean_before: float
    mean_after: float

    @classmethod
    def of(cls, c: Comparison) -> ComparisonRead:
        return cls(
            active_version=c.active_version,
            draft_version=c.draft_version,
            on=c.on,
            total=c.total,
            by_region=c.by_region,
            by_domain=c.by_domain,
            mean_before=c.mean_before,
            mean_after=c.mean_after,
        )
