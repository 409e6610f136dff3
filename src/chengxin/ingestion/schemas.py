"""API contract of the ingestion domain: receipts, rejected rows, quality figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class RowErrorRead(BaseModel):
    field: str | None = Field(description="Column or kind field at fault; null: the whole row")
    code: str = Field(description="Stable error code (docs/problems.md#row-errors)")
    zh: str = Field(description="Message in Chinese")
    en: str = Field(description="Message in English")


class RejectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row_no: int = Field(description="Row number as the provider sees it (header is row 1)")
    source_id: str | None = Field(description="The provider's source record id, when readable")
    errors: list[RowErrorRead]


class BatchRead(BaseModel):
    """The receipt: counts always balance (submitted = accepted + rejected + duplicates)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Batch id: quote it when asking about this submission")
    provider_id: uuid.UUID
    channel: str = Field(description="push, upload, cli or demo")
    file_format: str = Field(description="json, jsonl, csv or xlsx")
    filename: str | None
    encoding: str | None = Field(description="utf-8-sig or gb18030 for text files")
    content_digest: str = Field(description="SHA-256 of the bytes received")
    size_bytes: int
    catalog_version: str = Field(description="Catalog version the rows were validated against")
    status: str = Field(description="processing, completed or failed")
    failure_code: str | None = Field(description="Why a failed file could not be read")
    failure_message: str | None
    rows_done: int = Field(description="Last row number committed (resume point)")
    submitted: int
    accepted: int = Field(description="created + corrected + revoked")
    created: int = Field(description="New records")
    corrected: int = Field(description="New versions superseding a record (corrections)")
    revoked: int = Field(description="Records revoked by the provider")
    rejected: int
    duplicates: int = Field(description="Rows identical to the current version: nothing changed")
    balanced: bool
    error_codes: dict[str, int] = Field(description="Rejected rows by error code")
    received_at: datetime
    finished_at: datetime | None


class ReceiptRead(BatchRead):
    errors: list[RejectionRead] = Field(description="The first rejected rows (all: errors_url)")
    errors_url: str
    rejected_rows_url: str = Field(description="Rejected rows in the uploaded format, to resend")


class RejectionPage(BaseModel):
    total: int
    items: list[RejectionRead]


class RevocationIn(BaseModel):
    source_id: str = Field(min_length=1, max_length=64, description="The provider's record id")
    reason: str = Field(min_length=1, max_length=500, description="Why the finding was withdrawn")


class RevocationBatch(BaseModel):
    records: list[RevocationIn] = Field(min_length=1, max_length=10_000)


class QualityDayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider_id: uuid.UUID
    day: date = Field(description="UTC day the batches were received")
    batches: int
    submitted: int
    accepted: int
    created: int
    corrected: int
    revoked: int
    rejected: int
    duplicates: int
    rejected_by_code: dict[str, int]
    lag_days_mean: float | None = Field(description="Mean days from finding date to push")
    lag_days_max: int
