from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chengxin.evidence.service import MAX_BYTES, EvidenceFile


class EvidenceIn(BaseModel):
    """One evidence file: a PDF scan or a photo, base64 in JSON (at most 5 MB)."""

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(description="application/pdf, image/jpeg or image/png")
    content_base64: str = Field(max_length=(MAX_BYTES * 4) // 3 + 4)

    def file(self) -> EvidenceFile:
        return EvidenceFile(self.filename, self.content_type, self.content_base64)


class EvidenceRead(BaseModel):
    """What was sent (the name and content are read through the case's evidence route)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


def files(items: list[EvidenceIn]) -> list[EvidenceFile]:
    return [item.file() for item in items]
