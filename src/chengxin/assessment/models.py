"""Work assessments (工作考核, R11.1): versioned indicator sets, issued assessments and the rows
behind each figure's bad part.

An issued assessment is never changed: its canonical document, digest and signature are stored,
and the figures can be computed again from the platform's facts as of ``as_of``
(``service.recompute_digest``).
``assessment_item`` rows carry no personal data: ``reference`` is display text such as a record's
or batch's number.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, JSONType, UTCDateTime


class IndicatorSetStatus(StrEnum):
    DRAFT = "draft"  # uploaded, not used
    ACTIVE = "active"  # the set new assessments are computed with
    RETIRED = "retired"  # was active; kept for the assessments issued with it


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # one line department over every organization with its code
    CITY = "city"  # one city over every organization located in it


class IndicatorSet(Base):
    __tablename__ = "assessment_indicator_set"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.INDICATORS, inserts=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the parsed YAML document
    source: Mapped[str] = mapped_column(Text)  # the YAML as uploaded
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Assessment(Base):
    """One issued assessment of a period: its signed canonical document."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_period", "period_kind", "period_label"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # KH202611-0001
    period_kind: Mapped[str] = mapped_column(String(8))
    period_label: Mapped[str] = mapped_column(String(16))  # 2026-11, 2026-Q4, 2026
    since_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date] = mapped_column(Date)  # inclusive
    indicator_version: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(6))  # None: province-wide
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # facts up to it count
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_by: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the canonical content
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the canonical bytes
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 over the digest message
    key_id: Mapped[str] = mapped_column(String(64))


class AssessmentItem(Base):
    """One fact counted in the bad part of a figure (a late push, a late decision, …)."""

    __tablename__ = "assessment_item"
    __table_args__ = (
        Index("ix_assessment_item_lookup", "assessment_id", "indicator", "unit_kind", "unit_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"))
    indicator: Mapped[str] = mapped_column(String(48))
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_code: Mapped[str] = mapped_column(String(48))
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(200))  # display text, never personal data
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(24))  # late, open_overdue, missing, rejected, …
