"""The job queue (``job``) and the periodic schedules that feed it (``job_schedule``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for run_at
    RUNNING = "running"  # claimed by a worker until lease_until
    DONE = "done"  # the handler's transaction committed
    FAILED = "failed"  # the last attempt failed; retried at run_at
    DEAD = "dead"  # attempts exhausted; an operator may retry it (`chengxin jobs retry`)


# Statuses a worker may claim when run_at has come (a running job only when its lease expired).
CLAIMABLE = (JobStatus.QUEUED.value, JobStatus.FAILED.value)


class Job(Base):
    """One unit of background work. ``payload`` holds ids and plain parameters only, never clear
    ID numbers or names (the service refuses the first; reviews catch the second)."""

    __tablename__ = "job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # A chunked job's cursor and counts so far, committed with each chunk (ADR 0026): a retried
    # or reclaimed job continues from here; operators read it as the job's progress.
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Claiming reads (status, run_at); the finished history is skipped by the status prefix.
    __table_args__ = (Index("ix_job_claim", "status", "run_at"),)


class JobSchedule(Base):
    """A periodic job declared in code (``jobs.registry.schedule``) and synced here; the row keeps
    when it runs next, so a restart neither skips nor repeats a run."""

    __tablename__ = "job_schedule"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class JobItem(Base):
    """An item (a record, a case) a kind of job has dealt with, marked in the transaction of its
    effect: a job run again, or a second job over the same items, skips it, so a notice or a
    list proposal keyed on a record is made once whatever crashed in between (ADR 0026)."""

    __tablename__ = "job_item"

    kind: Mapped[str] = mapped_column(String(100), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
