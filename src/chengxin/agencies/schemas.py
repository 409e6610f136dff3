"""API contract of the agencies domain: registry, staff, violations, blacklist."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from chengxin.agencies.models import AgencyStatus, ViolationSeverity


class AgencyCreate(BaseModel):
    organization_id: uuid.UUID = Field(
        description="A registered organization of kind credit_agency"
    )
    licence_number: str = Field(
        min_length=1, max_length=64, description="征信业务经营许可证 number"
    )
    regulator: str = Field(
        min_length=1, max_length=200, description="The supervising authority (人民银行分支机构)"
    )


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID = Field(description="The agency's organization")
    licence_number: str
    regulator: str
    status: str = Field(description="active, suspended or revoked")
    blacklisted: bool = Field(default=False, description="On the agency blacklist now")
    created_at: datetime
    updated_at: datetime


class StatusChange(BaseModel):
    status: AgencyStatus = Field(description="The new licence status")
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit log)")


class StaffCreate(BaseModel):
    user_id: uuid.UUID = Field(description="A staff account of the agency's organization")
    position: str | None = Field(None, max_length=100, description="Job title, if recorded")


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    user_id: uuid.UUID
    position: str | None
    linked_at: datetime
    unlinked_at: datetime | None = Field(description="When the link ended (None: current)")


class ViolationCreate(BaseModel):
    occurred_on: date = Field(description="When the breach happened")
    description: str = Field(min_length=1, max_length=4000, description="What happened")
    severity: ViolationSeverity = Field(description="minor, serious or grave")
    decided_by: str = Field(min_length=1, max_length=200, description="Who decided it")
    basis: str = Field(min_length=1, max_length=2000, description="Legal basis of the decision")


class ViolationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    occurred_on: date
    description: str
    severity: str
    decided_by: str
    basis: str
    recorded_by: str = Field(description="Who entered it on the platform")
    created_at: datetime


class BlacklistCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the agency is listed")
    basis: str = Field(min_length=1, max_length=2000, description="Legal basis of the listing")
    since_at: datetime | None = Field(None, description="Start (default: now)")
    until_at: datetime | None = Field(None, description="End (default: until delisted)")


class DelistRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the agency is delisted")


class BlacklistingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    reason: str
    basis: str
    since_at: datetime
    until_at: datetime | None
    listed_by: str
    delisted_at: datetime | None
    delist_reason: str | None
    delisted_by: str | None
