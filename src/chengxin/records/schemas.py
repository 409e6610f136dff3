"""API contract of the records domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RecordVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_id: str
    version: int
    status: str = Field(description="active, superseded or revoked")
    kind_code: str
    category: str
    severity: str | None
    catalog_version: str
    document_no: str
    finding_on: date
    act_on: date | None
    notified_on: date | None
    display_months: int
    display_from_on: date
    display_until_on: date = Field(description="Display stops on this day (RULES.md §1)")
    repair_from_on: date | None = Field(description="Earliest day a repair may be applied for")
    fields: dict[str, Any] = Field(description="Kind fields (personal ones: personal_fields)")
    personal_fields: dict[str, Any] = Field(description="Kind fields stored encrypted")
    batch_id: uuid.UUID
    row_no: int
    received_at: datetime
    ended_at: datetime | None
    revoke_reason: str | None
