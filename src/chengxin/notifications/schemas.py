from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    topic: str = Field(
        description="record-corrected, record-deleted, record-repaired, objection-received, "
        "objection-due-soon, objection-overdue, repair-received, repair-due-soon, "
        "repair-overdue, repair-evidence-added"
    )
    object_type: str
    object_id: str
    data: dict[str, Any] = Field(description="Masked identity, kind, references, due dates")
    created_at: datetime
    read_at: datetime | None


class NoticePage(BaseModel):
    items: list[NoticeRead]
    unread: int
