"""Credit agencies, their staff, their violations and the agency blacklist."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, UTCDateTime


class AgencyStatus(StrEnum):
    ACTIVE = "active"  # licensed and operating
    SUSPENDED = "suspended"  # licence suspended by the regulator
    REVOKED = "revoked"  # licence revoked


class ViolationSeverity(StrEnum):
    MINOR = "minor"  # 一般
    SERIOUS = "serious"  # 较重
    GRAVE = "grave"  # 严重


class CreditAgency(Base):
    """A credit agency (征信机构): an organization of kind ``credit_agency`` and its licence."""

    __tablename__ = "credit_agency"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), unique=True)
    licence_number: Mapped[str] = mapped_column(String(64), unique=True)
    regulator: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyStaff(Base):
    """A staff account working for an agency (R3.5: staff are named people), over a period."""

    __tablename__ = "agency_staff"
    __table_args__ = (UniqueConstraint("agency_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_agency.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgencyViolation(Base):
    """A decided breach of the rules by an agency (who decided, on which basis)."""

    __tablename__ = "agency_violation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_agency.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyBlacklisting(Base):
    """An agency's listing on the agency blacklist, from ``since_at`` to ``until_at`` (open-ended
    when None) unless delisted earlier. While listed, its tokens and staff are refused."""

    __tablename__ = "agency_blacklisting"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.CREDENTIALS)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("credit_agency.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    since_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed_by: Mapped[str] = mapped_column(String(200))
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delist_reason: Mapped[str | None] = mapped_column(Text)
    delisted_by: Mapped[str | None] = mapped_column(String(200))
