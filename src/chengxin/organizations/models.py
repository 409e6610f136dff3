"""Organizations, the roles persons hold in them, and organizations' API tokens."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, UTCDateTime


class OrganizationKind(StrEnum):
    OPERATOR = "operator"  # 省信用信息中心, the platform operator
    GOVERNMENT = "government"  # 政府部门
    COURT = "court"  # 法院
    ASSOCIATION = "association"  # 行业协会商会
    FINANCIAL = "financial"  # 金融机构
    CREDIT_AGENCY = "credit_agency"  # 征信机构
    ENTERPRISE = "enterprise"  # 企业


class RoleKind(StrEnum):
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    RESPONSIBLE_PERSON = "responsible_person"  # 主要负责人 / 实际控制人


class Organization(Base):
    """An organization identified by its 18-character unified social credit code (GB 32100)."""

    __tablename__ = "organization"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.ORGANIZATIONS, inserts=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))
    # The catalog's department code (tax, education, court, …): which record kinds it may push.
    department: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Emergency freeze (R3.4): its accounts and tokens are refused while set.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrganizationRole(Base):
    """A person's role in an organization (R1.4, R8.4), over a period."""

    __tablename__ = "organization_role"
    __table_args__ = (UniqueConstraint("organization_id", "subject_id", "role", "since_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subject.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    since_on: Mapped[date] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A system caller's credential. Only a SHA-256 of the secret is kept; it is shown once."""

    __tablename__ = "api_token"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.CREDENTIALS, inserts=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Emergency freeze (R3.4): refused while set; unlike revocation it can be lifted.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
