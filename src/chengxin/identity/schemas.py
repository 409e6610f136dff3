"""API contract of the identity domain. ID numbers travel only in request bodies, never in URLs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class IdNumberCheck(BaseModel):
    id_number: str = Field(max_length=40, description="A citizen ID number to check (GB 11643)")


class IdNumberCheckRead(BaseModel):
    valid: bool = Field(description="Always true: invalid numbers are answered with a problem")
    masked: str = Field(
        description="The number masked as shown in displays, e.g. 4201**********123X"
    )
    birth_on: date = Field(description="Birth date encoded in the number")
    sex: str = Field(description="M or F, from the parity of the sequence code")
    address_code: str = Field(description="GB/T 2260 address code at issue (may be historic)")
    region: str | None = Field(description="Chinese name of the address code when it is in Hubei")


class IdentityVerify(BaseModel):
    id_number: str = Field(max_length=40, description="Citizen ID number")
    name: str = Field(max_length=100, description="Name as the caller has it")


class IdentityVerifyRead(BaseModel):
    matched: bool = Field(description="True when the registry holds this ID number with this name")


class SubjectLookup(BaseModel):
    id_number: str = Field(max_length=40, description="Citizen ID number of the person to find")


class SubjectRead(BaseModel):
    """A person as operators see them: masked identity and the clear fields rules need."""

    id: uuid.UUID = Field(description="Pseudonymous subject key (from the blind index)")
    masked_id_number: str = Field(description="e.g. 4201**********123X")
    masked_name: str = Field(description="e.g. 张*明")
    masked_phone: str | None = Field(description="e.g. 138****5678")
    birth_on: date = Field(description="Birth date (needed by the 18-or-over student rule)")
    sex: str = Field(description="M or F")
    address_code: str = Field(description="Address code in the ID number")
    region_code: str | None = Field(
        description="Registered region code from the population registry"
    )
    prefecture_code: str | None = Field(description="Prefecture-level unit used for regional scope")
    in_registry: bool = Field(description="Whether the population registry holds this person")
    version: int = Field(description="Incremented on every change")
    updated_at: datetime


class RowErrorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row_no: int = Field(description="Row in the file as a spreadsheet shows it (header = 1)")
    code: str = Field(description="Stable error code, e.g. id-number-checksum")
    field: str | None = Field(description="Column the error is about")
    message: str = Field(description="What is wrong (never the row's values)")


class PopulationImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    file_format: str = Field(description="csv or xlsx")
    encoding: str | None = Field(description="Detected text encoding (CSV)")
    status: str = Field(description="running, completed or failed")
    failure_code: str | None = Field(description="Why the whole file failed, if it did")
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    balanced: bool = Field(description="rows_read == inserted + updated + unchanged + rejected")
    started_at: datetime
    finished_at: datetime | None


class PopulationImportErrorsPage(BaseModel):
    total: int
    offset: int
    items: list[RowErrorRead]
