"""API contract of the organizations domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from chengxin.organizations.models import OrganizationKind, RoleKind
from chengxin.security.permissions import Permission


class OrganizationCreate(BaseModel):
    credit_code: str = Field(max_length=40, description="Unified social credit code (GB 32100)")
    name: str = Field(min_length=1, max_length=200, description="Registered name")
    kind: OrganizationKind = Field(description="What kind of organization it is")
    region_code: str | None = Field(None, max_length=6, description="GB/T 2260 region code")
    department: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9-]{1,47}$",
        description="Catalog department code (tax, education, court, …): kinds it may provide",
    )


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    region_code: str | None
    department: str | None
    created_at: datetime


class RoleCreate(BaseModel):
    id_number: str = Field(max_length=40, description="Citizen ID number of the person (body only)")
    role: RoleKind = Field(description="legal_representative or responsible_person")
    since_on: date = Field(description="First day in the role")
    until_on: date | None = Field(None, description="Last day in the role, if it has ended")


class RoleRead(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    subject_id: uuid.UUID = Field(description="Pseudonymous subject key")
    masked_name: str = Field(description="e.g. 张*明")
    role: str
    since_on: date
    until_on: date | None


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What system uses the token")
    permissions: list[Permission] = Field(min_length=1, description="Permissions the token carries")
    valid_days: int | None = Field(
        None, ge=1, le=3650, description="Validity; default from settings"
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    permissions: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    token: str = Field(description="The bearer token. Shown this once; only its hash is stored")
