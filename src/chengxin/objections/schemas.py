from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.casework.cases import Figure, Shown
from chengxin.evidence.schemas import EvidenceIn, EvidenceRead
from chengxin.objections.models import Objection, ObjectionOutcome, ObjectionRoute


class ObjectionIn(BaseModel):
    record_id: uuid.UUID = Field(description="The record version objected to (its current one)")
    reason: str = Field(min_length=4, max_length=2000, description="What is wrong, and why")
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=10)
    route: ObjectionRoute = Field(
        ObjectionRoute.PROVIDER,
        description="Operators only: `platform` when the platform can decide itself",
    )


class ObjectionDecisionIn(BaseModel):
    outcome: ObjectionOutcome
    note: str = Field(min_length=4, max_length=2000, description="What was verified, and how")
    corrected_record_id: uuid.UUID | None = Field(
        None, description="For `corrected`: the corrected version the provider pushed"
    )
    appeal_route: str | None = Field(
        None, max_length=1000, description="行政复议/诉讼途径 (default: the platform's text)"
    )


class ObjectionRead(BaseModel):
    id: uuid.UUID
    reference: str
    record_id: uuid.UUID
    kind_code: str
    route: ObjectionRoute
    status: str = Field(description="filed, forwarded, decided or withdrawn")
    reason: str
    filed_at: datetime
    forward_due_at: datetime
    forwarded_at: datetime | None
    decide_due_at: datetime
    overdue: bool
    escalated_at: datetime | None
    decided_at: datetime | None
    outcome: ObjectionOutcome | None
    decision_note: str | None
    corrected_record_id: uuid.UUID | None
    appeal_route: str | None
    notified_organizations: int
    evidence: list[EvidenceRead]

    @classmethod
    def of(cls, shown: Shown[Objection], now: datetime) -> ObjectionRead:
        o = shown.case
        return cls(
            id=o.id,
            reference=o.reference,
            record_id=o.record_id,
            kind_code=o.kind_code,
            route=ObjectionRoute(o.route),
            status=o.status,
            reason=shown.words["reason"],
            filed_at=o.filed_at,
            forward_due_at=o.forward_due_at,
            forwarded_at=o.forwarded_at,
            decide_due_at=o.decide_due_at,
            overdue=o.decided_at is None
            and o.status in ("filed", "forwarded")
            and o.decide_due_at <= now,
            escalated_at=o.escalated_at,
            decided_at=o.decided_at,
            outcome=ObjectionOutcome(o.outcome) if o.outcome else None,
            decision_note=shown.words.get("decision_note"),
            corrected_record_id=o.corrected_record_id,
            appeal_route=o.appeal_route,
            notified_organizations=o.notified_organizations,
            evidence=[EvidenceRead.model_validate(e) for e in shown.evidence],
        )


class ObjectionPage(BaseModel):
    items: list[ObjectionRead]
    open: int = Field(description="Open cases in this queue")
    overdue: int = Field(description="Open cases past their decision date")


class FigureRead(BaseModel):
    organization_id: uuid.UUID
    decided: int
    on_time: int
    on_time_rate: float | None
    open: int
    overdue: int

    @classmethod
    def of(cls, figure: Figure) -> FigureRead:
        return cls(
            organization_id=figure.organization_id,
            decided=figure.decided,
            on_time=figure.on_time,
            on_time_rate=figure.on_time_rate,
            open=figure.open,
            overdue=figure.overdue,
        )


class StatementIn(BaseModel):
    record_id: uuid.UUID
    text: str = Field(min_length=2, max_length=500, description="本人声明")


class StatementRead(BaseModel):
    id: uuid.UUID
    record_id: uuid.UUID
    text: str
    created_at: datetime
    withdrawn_at: datetime | None
