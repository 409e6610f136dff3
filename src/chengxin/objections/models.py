"""Objections (异议, R5.1) and statements (本人声明).

An objection concerns one version of a provider's record; while it is open the record shows as
"in dispute" wherever it shows. Deadlines are columns (``*_due_at``) swept by a job, never
timers. A statement belongs to the provider's record (provider, source id), so it travels with
every later version. The person's words are sealed (``keys.sealed``).

Sharding: rows carry ``subject_id`` as a plain column; no foreign key reaches another subject.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class ObjectionStatus(StrEnum):
    FILED = "filed"  # received; in the platform's queue (platform route) or on its way
    FORWARDED = "forwarded"  # in the provider's queue (provider route)
    DECIDED = "decided"  # an outcome is recorded; the dispute mark is gone
    WITHDRAWN = "withdrawn"  # the person withdrew it before a decision


OPEN_STATUSES = (ObjectionStatus.FILED.value, ObjectionStatus.FORWARDED.value)


class ObjectionRoute(StrEnum):
    PROVIDER = "provider"  # the provider must verify (7 working days by default)
    PLATFORM = "platform"  # the platform can decide itself (5 working days by default)


class ObjectionOutcome(StrEnum):
    CORRECTED = "corrected"  # error found: the provider pushed a corrected version
    DELETED = "deleted"  # error found: the record is revoked
    UPHELD = "upheld"  # no error: the mark is removed
    UNVERIFIABLE = "unverifiable"  # cannot be verified: both the verification and objection kept


class Objection(Base):
    __tablename__ = "objection"
    __table_args__ = (
        Index("ix_objection_open_due", "status", "decide_due_at"),
        {"info": {SEALED: SealedTable("objection", turn=4)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)  # the version objected to
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    kind_code: Mapped[str] = mapped_column(String(48))
    financial: Mapped[bool] = mapped_column(Boolean)
    route: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    # the sealed JSON of {"reason", "decision_note"}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    filed_by: Mapped[str] = mapped_column(String(200))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forward_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decide_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(14))
    corrected_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    appeal_route: Mapped[str | None] = mapped_column(Text)
    notified_organizations: Mapped[int] = mapped_column(default=0)


class Statement(Base):
    """A person's statement on one of their records; it travels with the record in every report."""

    __tablename__ = "record_statement"
    __table_args__ = (
        Index("ix_record_statement_source", "provider_id", "source_id"),
        {"info": {SEALED: SealedTable("statement", turn=5)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source_id: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the version it was written on
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})  # {"text"}
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
