"""Tasks the provincial office tracks (督办任务, R11.3): from the seed policy's own task list, from
an assessment's findings, or recorded by hand; the units on each, its milestones with working-day
due dates, the units' progress reports and their attachments.

A task opened from a finding names it by four plain columns (``assessment_id``, ``indicator``,
``unit_kind``, ``unit_code``), no foreign key: an assessment is a signed document of its own and
the task only points back at one of its figures.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class TaskSource(StrEnum):
    SEED = "seed"  # the seed policy's own task list (tracking/data/seed-tasks.yaml)
    FINDING = "finding"  # a figure below target in an issued assessment
    MANUAL = "manual"  # recorded by the provincial office


class TaskStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class UnitRole(StrEnum):
    LEAD = "lead"  # 牵头单位
    RESPONSIBLE = "responsible"  # 责任单位


class Task(Base):
    """One tracked task with its lead unit (also a ``TaskUnit`` row, role ``lead``)."""

    __tablename__ = "tracking_task"
    __table_args__ = (Index("ix_tracking_task_finding", "assessment_id", "indicator"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # RW-20261207-7Q4M9K
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12))
    basis: Mapped[str] = mapped_column(String(500))  # the policy clause it carries out
    schedule: Mapped[str | None] = mapped_column(String(200))  # 时间进度 as the policy says it
    seed_key: Mapped[str | None] = mapped_column(String(32), unique=True)  # seed tasks only
    # The units the policy names, as it names them (some have no organization on the platform).
    named_units: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    lead_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    status: Mapped[str] = mapped_column(String(8), index=True)
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    indicator: Mapped[str | None] = mapped_column(String(64))
    unit_kind: Mapped[str | None] = mapped_column(String(16))
    unit_code: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closing_note: Mapped[str | None] = mapped_column(Text)


class TaskUnit(Base):
    """An organization on a task: its lead unit or one of its responsible units."""

    __tablename__ = "tracking_task_unit"

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_task.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(12))


class Milestone(Base):
    """A step of a task, due on a day (given, or ``workdays`` working days after ``start_on``);
    each reminder and overdue alert is sent once (``reminded_at``, ``overdue_alerted_at``)."""

    __tablename__ = "tracking_milestone"
    __table_args__ = (
        UniqueConstraint("task_id", "position"),
        Index("ix_tracking_milestone_pending", "done_on", "due_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_task.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    start_on: Mapped[date | None] = mapped_column(Date)
    workdays: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProgressReport(Base):
    """A unit's report on a task: what was done, optionally a milestone it completes."""

    __tablename__ = "tracking_progress"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_task.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(200))


class Attachment(Base):
    """A file sent with a progress report. Name and content are sealed together (a department's
    material may name people); type, size and SHA-256 stay in clear, as for evidence files."""

    __tablename__ = "tracking_attachment"
    __table_args__ = {"info": {SEALED: SealedTable("tracking-attachment", turn=23, rotated=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_task.id", ondelete="CASCADE"), index=True
    )
    progress_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracking_progress.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # the sealed JSON of {"filename", "content" (base64)}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
