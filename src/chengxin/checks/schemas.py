"""API contract of the checks domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, Field

from chengxin.access.scenes import Scene
from chengxin.checks.models import Check, CheckFeedback, CheckSubject
from chengxin.checks.service import CheckLine, CheckOutcome, FeedbackRate, SubjectCheck
from chengxin.lists.memberships import Membership
from chengxin.measures.service import Applied, Why


class PersonIn(BaseModel):
    id_number: str = Field(min_length=1, max_length=32, description="公民身份号码")
    name: str = Field(min_length=1, max_length=100, description="姓名, as on the ID card")


class CheckIn(BaseModel):
    scene: Scene = Field(description="Business scene; must be on the permission list")
    purpose: str = Field(min_length=1, max_length=500, description="Why the check is made")
    # The ceiling is settings.check_batch_limit (checked by the service: 413 over it).
    persons: list[PersonIn] = Field(description="One or more persons (a batch)")


class ProblemItem(BaseModel):
    code: str = Field(description="id-number-invalid, not-registered or name-mismatch")
    message: str


class MembershipRead(BaseModel):
    entry_reference: str = Field(description="The entry's public number")
    list_type: str
    kind: str = Field(description="red or black")
    name_zh: str
    domain: str
    basis: str = Field(description="Legal basis of the list")
    published_at: datetime
    term_ends_at: datetime | None
    via_organization: str | None = Field(
        description="Masked credit code of the listed organization (R8.4); null: listed oneself"
    )
    role: str | None = Field(description="The person's role in that organization")

    @classmethod
    def of(cls, m: Membership) -> MembershipRead:
        """The view of one membership."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            entry_reference=m.reference,
            list_type=m.list_type,
            kind=m.kind,
            name_zh=m.name_zh,
            domain=m.domain,
            basis=m.basis,
            published_at=m.published_at,
            term_ends_at=m.term_ends_at,
            via_organization=m.via_organization,
            role=m.role,
        )


Trigger = Literal["list", "records", "rule", "grade"]


class WhyRead(BaseModel):
    trigger: Trigger
    text: str = Field(description="The reason in words")
    disputed: bool = Field(description="It rests on records in dispute (异议处理中)")
    entry_reference: str | None = None
    list_type: str | None = None
    via_organization: str | None = None
    role: str | None = None
    record_ids: list[uuid.UUID] = Field(default_factory=list)
    rule: str | None = None

    @classmethod
    def of(cls, why: Why) -> WhyRead:
        """The view of one reason."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            trigger=cast("Trigger", why.trigger),
            text=why.text,
            disputed=why.disputed,
            entry_reference=why.entry_reference,
            list_type=why.list_type,
            via_organization=why.via_organization,
            role=why.role,
            record_ids=list(why.record_ids),
            rule=why.rule,
        )


class AppliedRead(BaseModel):
    code: str
    type: str = Field(description="incentive or punishment")
    name_zh: str
    name_en: str
    basis: list[str] = Field(description="Law and article, one per line")
    period: str
    disputed: bool = Field(description="Every reason rests on something in dispute")
    why: list[WhyRead]

    @classmethod
    def of(cls, applied: Applied) -> AppliedRead:
        """The view of one applicable measure."""
        m = applied.measure
        return cls.model_construct(  # trusted values from the service: no re-validation
            code=m.code,
            type=m.type.value,
            name_zh=m.name_zh,
            name_en=m.name_en,
            basis=m.basis_text,
            period=m.period,
            disputed=applied.disputed,
            why=[WhyRead.of(w) for w in applied.why],
        )


class SubjectCheckRead(BaseModel):
    index: int = Field(description="Position in the request")
    masked_name: str
    masked_id_number: str
    error: ProblemItem | None = Field(description="Why this person was not checked")
    memberships: list[MembershipRead]
    measures: list[AppliedRead]
    disputed_records: list[uuid.UUID] = Field(description="Visible records in dispute")
    grade: str | None = Field(
        None, description="Integrity grade (诚信积分) in force; null when never scored"
    )

    @classmethod
    def of(cls, s: SubjectCheck) -> SubjectCheckRead:
        """The view of one person's answer."""
        message = s.error
        return cls.model_construct(  # trusted values from the service: no re-validation
            index=s.index,
            masked_name=s.masked_name,
            masked_id_number=s.masked_id_number,
            error=ProblemItem(code=s.outcome, message=message) if message else None,
            memberships=[MembershipRead.of(m) for m in s.memberships],
            measures=[AppliedRead.of(a) for a in s.measures],
            disputed_records=s.disputed_records,
            grade=s.grade,
        )


class CheckResultRead(BaseModel):
    check_id: uuid.UUID
    scene: str
    created_at: datetime
    measure_version: str
    subjects: list[SubjectCheckRead]

    @classmethod
    def of(cls, outcome: CheckOutcome) -> CheckResultRead:
        """The answer to a check."""
        c = outcome.check
        return cls.model_construct(  # trusted values from the service: no re-validation
            check_id=c.id,
            scene=c.scene,
            created_at=c.created_at,
            measure_version=c.measure_version,
            subjects=[SubjectCheckRead.of(s) for s in outcome.results],
        )


class FeedbackIn(BaseModel):
    measure: str = Field(pattern=r"^[IP][0-9]{2}$", description="Measure code")
    decision: Literal["applied", "not_applied"]
    reason: str = Field(min_length=2, max_length=1000, description="Why (or why not)")
    index: int | None = Field(
        None, ge=0, description="The person's position in the check; null: the check as a whole"
    )


class FeedbackBody(BaseModel):
    items: list[FeedbackIn] = Field(min_length=1, max_length=1000)


class FeedbackRead(BaseModel):
    id: uuid.UUID
    measure: str
    decision: str
    reason: str
    index: int | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, f: CheckFeedback) -> FeedbackRead:
        """The view of one feedback line."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            id=f.id,
            measure=f.measure_code,
            decision=f.decision,
            reason=f.reason,
            index=f.position,
            created_at=f.created_at,
            created_by=f.created_by,
        )


class CheckSubjectRead(BaseModel):
    index: int
    outcome: str
    measures: list[str] = Field(description="Measure codes the answer carried")


class CheckRead(BaseModel):
    id: uuid.UUID
    scene: str
    purpose: str
    actor_name: str
    subject_count: int
    found_count: int
    measure_version: str
    subjects_root: str = Field(description="Merkle root over the found subjects (audit entry)")
    audit_seq: int | None
    created_at: datetime
    feedback_at: datetime | None
    subjects: list[CheckSubjectRead]
    feedback: list[FeedbackRead]

    @classmethod
    def of(cls, c: Check, subjects: list[CheckSubject], feedback: list[CheckFeedback]) -> CheckRead:
        """The registration of a check, without personal data."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            id=c.id,
            scene=c.scene,
            purpose=c.purpose,
            actor_name=c.actor_name,
            subject_count=c.subject_count,
            found_count=c.found_count,
            measure_version=c.measure_version,
            subjects_root=c.subjects_root,
            audit_seq=c.audit_seq,
            created_at=c.created_at,
            feedback_at=c.feedback_at,
            subjects=[
                CheckSubjectRead(index=s.position, outcome=s.outcome, measures=list(s.measures))
                for s in subjects
            ],
            feedback=[FeedbackRead.of(f) for f in feedback],
        )


class FeedbackRateRead(BaseModel):
    department: str | None = Field(description="Department code of the checking organization")
    scene: str
    checks: int
    with_feedback: int
    rate: float = Field(description="with_feedback / checks")

    @classmethod
    def of(cls, r: FeedbackRate) -> FeedbackRateRead:
        """One line of the figures."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            department=r.department,
            scene=r.scene,
            checks=r.checks,
            with_feedback=r.with_feedback,
            rate=r.rate,
        )


class MyCheckRead(BaseModel):
    check_id: uuid.UUID
    at: datetime
    organization: str
    scene: str
    purpose: str
    audit_seq: int | None = Field(description="The check's audit entry (verify with its proof)")
    subjects_root: str
    leaf_index: int = Field(description="Your leaf: SHA-256(0x00 || your subject key bytes)")
    tree_size: int
    proof: list[str] = Field(description="RFC 9162 inclusion path to subjects_root, hex")

    @classmethod
    def of(cls, line: CheckLine) -> MyCheckRead:
        """One check about the person."""
        return cls.model_construct(  # trusted values from the service: no re-validation
            check_id=line.check_id,
            at=line.at,
            organization=line.organization,
            scene=line.scene,
            purpose=line.purpose,
            audit_seq=line.audit_seq,
            subjects_root=line.subjects_root,
            leaf_index=line.leaf_index,
            tree_size=line.tree_size,
            proof=line.proof,
        )
