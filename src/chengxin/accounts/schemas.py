"""API contract of the accounts domain: sign-in, who am I, staff account administration."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chengxin.security.roles import Role


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=64, description="Login name (any case)")
    password: str = Field(min_length=1, max_length=256, description="The account's password")


class SessionRead(BaseModel):
    token: str = Field(
        description="Bearer token `cxs_…` (also set as the HttpOnly `chengxin_session` cookie); "
        "shown only here, stored hashed"
    )
    expires_at: datetime = Field(description="Absolute end of the session")
    idle_timeout_seconds: int = Field(description="The session ends after this long unused")


class MeRead(BaseModel):
    kind: str = Field(description="anonymous, token, user, citizen or system")
    name: str = Field(description="The name audit entries carry for this caller")
    organization_id: uuid.UUID | None = Field(None, description="The caller's organization")
    organization_name: str | None = Field(None, description="Its registered name")
    roles: list[str] = Field(default_factory=list, description="Roles of a staff account")
    permissions: list[str] = Field(default_factory=list, description="Permissions held, sorted")
    region_code: str | None = Field(None, description="Data scope: a city; None: the province")
    subject_id: uuid.UUID | None = Field(None, description="A citizen's pseudonymous subject key")


class UserCreate(BaseModel):
    organization_id: uuid.UUID = Field(description="The organization the person works for")
    login: str = Field(min_length=3, max_length=64, description="Login name: a-z 0-9 . _ -")
    display_name: str = Field(min_length=1, max_length=100, description="Name shown and audited")
    roles: list[Role] = Field(default_factory=list, description="Staff roles (not citizen)")
    region_code: str | None = Field(
        None, max_length=6, description="A city's GB/T 2260 code for a city-bound account"
    )
    password: str | None = Field(
        None,
        max_length=256,
        description="Initial password; omit to have one generated and returned once",
    )


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organization_id: uuid.UUID
    login: str
    display_name: str
    roles: list[str]
    region_code: str | None
    status: str = Field(description="active or frozen")
    failed_logins: int = Field(description="Failed sign-ins since the last success")
    locked_until: datetime | None = Field(description="Locked after failed sign-ins until then")
    last_login_at: datetime | None
    frozen_at: datetime | None
    created_at: datetime


class UserWithPasswordRead(UserRead):
    password: str | None = Field(
        None, description="The generated password, shown this once (None when one was given)"
    )


class RolesUpdate(BaseModel):
    roles: list[Role] = Field(description="The account's complete new set of staff roles")


class PasswordReset(BaseModel):
    password: str | None = Field(
        None, max_length=256, description="New password; omit to have one generated"
    )


class FreezeRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit log)")
