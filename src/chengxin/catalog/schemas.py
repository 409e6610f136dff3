"""API contract of the catalog domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CatalogVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str = Field(description="Catalog version, e.g. 2026.1")
    digest: str = Field(description="SHA-256 of the canonical JSON document")
    status: str = Field(description="loaded, active or retired")
    kinds: int = Field(description="Number of record kinds")
    loaded_by: str
    loaded_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None


class CatalogRead(CatalogVersionRead):
    content: dict[str, Any] = Field(description="The catalog document (see catalog.schema.json)")
