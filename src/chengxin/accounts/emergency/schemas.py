"""API contract of the emergency mechanism: freezes and the platform lockdown."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class EmergencyReason(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit log)")


class FrozenRead(BaseModel):
    id: uuid.UUID = Field(description="The token or organization")
    kind: str = Field(description="api_token or organization")
    frozen_at: datetime | None = Field(description="Frozen since then; None: not frozen")


class LockdownStatus(BaseModel):
    locked: bool = Field(description="True while changes are refused platform-wide")
    since: datetime | None = Field(None, description="When the lockdown began")


class LockdownRead(LockdownStatus):
    reason: str | None = Field(None, description="Why (for security officers)")
    started_by: str | None = Field(None, description="Who locked the platform")
