"""Access tables: permission lists, subject authorizations (grants) and their uses, registered
queries with their subjects, and monitoring alerts.

Sharding: rows that name a person carry ``subject_id`` as a plain column (no foreign key to
``subject``), so they can be distributed by it later.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, JSONType, UTCDateTime


class AccessRule(Base):
    """One line of an organization's permission list (R3.1): a scene and what it may read there."""

    __tablename__ = "access_rule"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.ACCESS)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    scene: Mapped[str] = mapped_column(String(40))
    kinds: Mapped[list[str]] = mapped_column(JSONType)  # record kind codes
    sharing: Mapped[list[str]] = mapped_column(JSONType)  # and every kind of these sharing levels
    basis: Mapped[str] = mapped_column(Text)  # the duty or agreement the line rests on
    valid_from_on: Mapped[date] = mapped_column(Date)
    valid_until_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GrantStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"


class Grant(Base):
    """A subject's authorization (授权) for one organization to query, for a purpose (R4)."""

    __tablename__ = "access_grant"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    scene: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    kinds: Mapped[list[str] | None] = mapped_column(JSONType)  # None: the authorized report
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    def status_at(self, now: datetime) -> GrantStatus:
        """Revoked, expired, exhausted or active at a moment."""
        if self.revoked_at is not None:
            return GrantStatus.REVOKED
        if now >= self.valid_until:
            return GrantStatus.EXPIRED
        if self.uses >= self.max_uses:
            return GrantStatus.EXHAUSTED
        return GrantStatus.ACTIVE


class GrantUse(Base):
    """One use of a grant: which query disclosed data under it, when."""

    __tablename__ = "access_grant_use"

    grant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_grant.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QueryStatus(StrEnum):
    RELEASED = "released"  # answered
    PENDING_REVIEW = "pending_review"  # registered; waits for a reviewer (R3.3)
    APPROVED = "approved"  # a reviewer released it: the result can be fetched
    REFUSED = "refused"  # a reviewer refused it


class Query(Base):
    """A registered query (查询登记): who asked about whom, in which scene, why, and its fate."""

    __tablename__ = "access_query"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    scene: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    grant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kinds: Mapped[list[str]] = mapped_column(JSONType)  # effective kinds at registration
    subject_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    review_reasons: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_note: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuerySubject(Base):
    """A subject named by a query, in the order the caller listed them."""

    __tablename__ = "access_query_subject"

    query_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_query.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # None: not found
    # found, not-registered, name-mismatch, id-number-invalid
    outcome: Mapped[str] = mapped_column(String(24))


class Alert(Base):
    """A deviation in how an organization uses the data (R4.3), for operators to look at."""

    __tablename__ = "access_alert"
    __table_args__ = (UniqueConstraint("organization_id", "rule", "window_start"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
