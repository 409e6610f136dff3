"""Content pages and their append-only revisions.

A page's row holds its current state; every change (created, edited, published, unpublished)
adds one ``content_revision`` row with the full state after the change, ordered by ``seq`` — the
later signed change feed reads those rows, so no change is silent. Revisions are never updated or
deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class ContentKind(StrEnum):
    EXEMPLAR = "exemplar"  # 诚信典型
    WARNING_CASE = "warning_case"  # 失信案例
    POLICY = "policy"  # 政策文件


class RevisionAction(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class ContentPage(Base):
    """One page of the portal; public at ``/pages/<slug>`` while ``published_at`` is set."""

    __tablename__ = "content_page"
    __table_args__ = (Index("ix_content_page_kind_published", "kind", "published_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)  # +1 per revision: stale edits are refused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))


class ContentRevision(Base):
    """One change of a page, with the page as it stood after it; never updated or deleted."""

    __tablename__ = "content_revision"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    page_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
