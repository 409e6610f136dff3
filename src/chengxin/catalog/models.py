"""Catalog versions: every version ever loaded is kept; exactly one is active."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, JSONType, UTCDateTime


class CatalogVersion(Base):
    """One catalog document as loaded; records name the version they were validated against."""

    __tablename__ = "catalog_version"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.CATALOG, inserts=False)}}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical JSON
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12), index=True)  # loaded, active, retired
    kinds: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
