"""API contract of the access domain. ID numbers travel only in request bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.scenes import Scene
from chengxin.catalog.schema import Sharing


class SceneRead(BaseModel):
    code: Scene
    zh: str
    en: str
    government: bool = Field(description="A public body's statutory check; else needs a grant")


class AccessRuleIn(BaseModel):
    organization_id: uuid.UUID
    scene: Scene
    kinds: list[str] = Field(default_factory=list, description="Record kind codes")
    sharing: list[Sharing] = Field(
        default_factory=list, description="And every kind at these levels"
    )
    basis: str = Field(min_length=2, max_length=1000, description="The duty or agreement")
    valid_from_on: date | None = None
    valid_until_on: date | None = None


class AccessRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    scene: str
    kinds: list[str]
    sharing: list[str]
    basis: str
    valid_from_on: date
    valid_until_on: date | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class PersonIn(BaseModel):
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)


class QueryIn(BaseModel):
    persons: list[PersonIn] = Field(min_length=1, description="Whom the query is about")
    scene: Scene
    purpose: str = Field(min_length=1, max_length=500, description="Why (RULES.md §4)")
    grant_id: uuid.UUID | None = Field(None, description="The subject's grant (third parties)")
    kinds: list[str] | None = Field(None, description="Narrow to these record kinds")


class RecordOut(BaseModel):
    id: uuid.UUID
    kind_code: str
    domain: str
    category: str
    severity: str | None
    document_no: str
    finding_on: date
    display_until_on: date
    fields: dict[str, Any]
    in_dispute: bool = Field(
        default=False, description="异议处理中: the person's objection is open"
    )


class SubjectResultRead(BaseModel):
    position: int = Field(description="Index of the person in the request")
    outcome: str = Field(description="found, not-registered, name-mismatch or id-number-invalid")
    masked_name: str | None
    masked_id_number: str | None
    records: list[RecordOut]


class QueryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    actor_name: str
    scene: str
    purpose: str
    grant_id: uuid.UUID | None
    kinds: list[str]
    subject_count: int
    status: str = Field(description="released, pending_review, approved or refused")
    review_reasons: list[str] = Field(description="bulk, restricted-kinds, new-scene")
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    released_at: datetime | None
    feedback: str | None


class QueryAnswer(BaseModel):
    query: QueryRead
    results: list[SubjectResultRead] | None = Field(
        description="Present once released; null while the query waits for review"
    )


class DecisionIn(BaseModel):
    approve: bool
    reason: str = Field(min_length=1, max_length=1000)


class FeedbackIn(BaseModel):
    outcome: str = Field(description="used, not-used or wrong-result")
    note: str | None = Field(None, max_length=1000)


class GrantIn(BaseModel):
    credit_code: str = Field(description="The organization authorized")
    scene: Scene
    purpose: str = Field(min_length=1, max_length=500)
    kinds: list[str] | None = Field(None, description="None: the authorized report")
    valid_days: int = Field(30, ge=1, le=366)
    max_uses: int = Field(1, ge=1, le=100)


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    scene: str
    purpose: str
    kinds: list[str] | None
    valid_from: datetime
    valid_until: datetime
    max_uses: int
    uses: int
    status: str
    created_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


class RevokeIn(BaseModel):
    reason: str | None = Field(None, max_length=500)


class GrantUseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    query_id: uuid.UUID
    at: datetime


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    rule: str = Field(description="many-subjects, night-burst, new-scene, no-feedback")
    window_start: datetime
    detail: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AcknowledgeIn(BaseModel):
    note: str | None = Field(None, max_length=1000)
