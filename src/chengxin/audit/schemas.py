"""API contract of the audit domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="Position in the chain, gapless from 1")
    at: datetime
    request_id: str | None
    actor_kind: str
    actor_id: str | None
    actor_name: str
    organization_id: uuid.UUID | None
    action: str = Field(description="domain:resource:action")
    object_type: str
    object_id: str | None
    subject_id: uuid.UUID | None = Field(description="Pseudonymous key of the person concerned")
    data: dict[str, Any] | None
    message: str | None
    prev_hash: str
    hash: str


class ChainReportRead(BaseModel):
    entries: int = Field(description="Entries checked")
    head_seq: int
    head_hash: str = Field(description="Hash of the last good entry: publish it to anchor the log")
    ok: bool
    first_bad_seq: int | None
    problem: str | None = Field(description="gap, link, hash or head")
