from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.casework.cases import Figure, Shown
from chengxin.evidence.schemas import EvidenceIn, EvidenceRead
from chengxin.repair.eligibility import Eligibility
from chengxin.repair.models import RepairApplication, RepairBasis, RepairStatus


class CheckRead(BaseModel):
    code: str
    ok: bool
    detail: str


class EligibilityRead(BaseModel):
    eligible: bool
    checks: list[CheckRead] = Field(description="Each condition, checked and explained")
    repair_from_on: date | None
    commitment_text: str = Field(description="信用承诺书: what the applicant commits to")
    free: bool = Field(default=True, description="Repair is free; paid deletion is forbidden")

    @classmethod
    def of(cls, found: Eligibility, commitment: str) -> EligibilityRead:
        return cls(
            eligible=found.eligible,
            checks=[CheckRead(**c.as_dict()) for c in found.checks],
            repair_from_on=found.repair_from_on,
            commitment_text=commitment,
        )


class RepairIn(BaseModel):
    record_id: uuid.UUID
    basis: RepairBasis
    explanation: str = Field(min_length=4, max_length=2000, description="What was done")
    commitment_accepted: bool = Field(
        description="The applicant makes the credit commitment (信用承诺书) shown by eligibility"
    )
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=10)


class RepairDecisionIn(BaseModel):
    outcome: Literal["approved", "refused", "needs_evidence"]
    reasons: str | None = Field(
        None, max_length=2000, description="Required when refusing or asking for evidence"
    )


class ExtensionIn(BaseModel):
    days: int = Field(ge=1, le=10, description="Working days added to the decision deadline")
    reason: str = Field(min_length=4, max_length=2000)


class EvidenceAddIn(BaseModel):
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=10)


class RepairRead(BaseModel):
    id: uuid.UUID
    reference: str
    record_id: uuid.UUID
    kind_code: str
    basis: RepairBasis
    status: RepairStatus
    explanation: str
    eligibility: list[dict[str, Any]]
    commitment_digest: str
    filed_at: datetime
    acknowledged_at: datetime
    decide_due_at: datetime
    answer_due_at: datetime
    overdue: bool
    extension_reason: str | None
    escalated_at: datetime | None
    decided_at: datetime | None
    answered_at: datetime | None
    reasons: str | None
    notified_organizations: int
    evidence: list[EvidenceRead]

    @classmethod
    def of(cls, shown: Shown[RepairApplication], now: datetime) -> RepairRead:
        a = shown.case
        return cls(
            id=a.id,
            reference=a.reference,
            record_id=a.record_id,
            kind_code=a.kind_code,
            basis=RepairBasis(a.basis),
            status=RepairStatus(a.status),
            explanation=shown.words["explanation"],
            eligibility=a.eligibility,
            commitment_digest=a.commitment_digest,
            filed_at=a.filed_at,
            acknowledged_at=a.acknowledged_at,
            decide_due_at=a.decide_due_at,
            answer_due_at=a.answer_due_at,
            overdue=a.status == RepairStatus.RECEIVED.value and a.decide_due_at <= now,
            extension_reason=a.extension_reason,
            escalated_at=a.escalated_at,
            decided_at=a.decided_at,
            answered_at=a.answered_at,
            reasons=shown.words.get("reasons"),
            notified_organizations=a.notified_organizations,
            evidence=[EvidenceRead.model_validate(e) for e in shown.evidence],
        )


class RepairPage(BaseModel):
    items: list[RepairRead]
    open: int
    overdue: int


class RepairFigureRead(BaseModel):
    organization_id: uuid.UUID
    decided: int
    on_time: int
    on_time_rate: float | None
    answered_on_time: int
    open: int
    overdue: int

    @classmethod
    def of(cls, figure: Figure) -> RepairFigureRead:
        return cls(
            organization_id=figure.organization_id,
            decided=figure.decided,
            on_time=figure.on_time,
            on_time_rate=figure.on_time_rate,
            answered_on_time=figure.answered_on_time,
            open=figure.open,
            overdue=figure.overdue,
        )


class ArchiveRead(BaseModel):
    record_id: uuid.UUID
    document_no: str
    fields: dict[str, Any]
    personal: dict[str, Any]
