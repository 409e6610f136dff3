"""Service-window checks (联合奖惩核查), the subjects each named and the department's feedback
(反馈) on the measures it applied.

A check is registered once per request (one ``service_check`` row — ``check`` is an SQL
keyword — and one audit entry); each person named is one ``check_subject`` row in the caller's
order, with the subject key when found (the person's "who checked me") and the measure codes the
answer carried (what feedback may refer to).

Sharding: ``check_subject`` carries ``subject_id`` as a plain indexed column; no foreign key
reaches a subject.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime


class Check(Base):
    """One check request: who asked, in which scene, why, about how many persons."""

    __tablename__ = "service_check"
    __table_args__ = (
        Index("ix_service_check_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    scene: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    subject_count: Mapped[int] = mapped_column(Integer)
    found_count: Mapped[int] = mapped_column(Integer)
    measure_version: Mapped[str] = mapped_column(String(16))
    # Merkle root (RFC 9162, hex) over the found subjects' keys in order: the audit entry
    # commits to it, so each person can verify they were in this check (ADR 0017).
    subjects_root: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first feedback


class CheckSubject(Base):
    """A person named by a check, in the caller's order."""

    __tablename__ = "check_subject"

    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_check.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # None: not found
    # found, not-registered, name-mismatch, id-number-invalid
    outcome: Mapped[str] = mapped_column(String(24))
    measures: Mapped[list[str]] = mapped_column(JSONType)  # codes in the answer


class CheckFeedback(Base):
    """A department's report on one measure of a check: applied or not, and why (R11)."""

    __tablename__ = "check_feedback"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_check.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)  # the subject; None: the whole check
    measure_code: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(12))  # applied, not_applied
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
