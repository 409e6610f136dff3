"""API contract of the reports domain. ID numbers travel only in request bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from chengxin.access.scenes import Scene
from chengxin.reports.content import Report, ReportAudience


class ReportFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


class ReportIn(BaseModel):
    """An organization asks for a report about one person."""

    id_number: str = Field(min_length=1, max_length=32, description="The full ID number")
    name: str = Field(min_length=1, max_length=64, description="The name as registered")
    scene: Scene
    purpose: str = Field(min_length=1, max_length=500, description="Why (RULES.md §4)")
    grant_id: uuid.UUID | None = Field(None, description="The person's grant (third parties)")
    kinds: list[str] | None = Field(None, description="Narrow to these record kinds")
    as_of: datetime | None = Field(
        None, description="A past moment (auditors holding audit:log:read only); default now"
    )
    format: ReportFormat = Field(ReportFormat.JSON, description="json, html or pdf")
    lang: str = Field("zh", description="zh or en (html and pdf)")
    query_id: uuid.UUID | None = Field(
        None,
        description=(
            "The query a review held (the query_id of a 409 report-held-for-review): once a "
            "reviewer approved it, the report is issued on it, for the same person, scene and "
            "purpose. Without it the same request finds that query too."
        ),
    )


class ReportHeld(BaseModel):
    """409 ``report-held-for-review`` (application/problem+json): the query is registered and in
    the reviewer's queue (it is kept: this answer commits it). Ask again — the same request, or
    with ``query_id`` — once approved; ``GET /api/v1/queries/{query_id}`` shows its state."""

    type: str = Field(description="…/problems/report-held-for-review")
    status: int = Field(409)
    title: str
    detail: str | None = None
    query_id: uuid.UUID = Field(description="The registered query; the same on every retry")
    query_status: str = Field(description="pending_review")
    review_reasons: list[str] = Field(description="bulk, restricted-kinds, new-scene")
    request_id: str


class MyReportIn(BaseModel):
    """The signed-in person asks for their own report."""

    as_of: datetime | None = Field(None, description="Any past moment; default now")
    format: ReportFormat = Field(ReportFormat.JSON, description="json, html or pdf")
    lang: str = Field("zh", description="zh or en (html and pdf)")


class ReportIssued(BaseModel):
    """An issued report with what proves it: keep the verification code, it is shown once."""

    report: Report
    verification_code: str = Field(description="8 characters; with the number it verifies")
    digest: str = Field(description="SHA-256 (hex) of the report's canonical JSON")
    signature: str = Field(description="Ed25519 signature (base64) of the signed message")
    key_id: str = Field(description="SHA-256 (hex) of the raw public key")
    verify_url: str


class VerifyIn(BaseModel):
    number: str = Field(min_length=1, max_length=32, description="e.g. CX-20261128-7Q4M9K2T")
    code: str = Field(min_length=1, max_length=32, description="The report's verification code")


class ReportVerification(BaseModel):
    """What anyone holding number and code learns: never the content."""

    number: str
    issued_at: datetime
    audience: ReportAudience
    digest: str = Field(description="SHA-256 (hex) of the report's canonical JSON")
    algorithm: str = "Ed25519"
    signature: str = Field(description="base64 signature of signed_message")
    key_id: str = Field(description="SHA-256 (hex) of the raw key: GET /api/v1/audit/public-key")
    signed_message: str = Field(
        description="chengxin-report-v1\\n<number>\\n<issued_at>\\n<audience>\\n<digest>\\n"
    )
    signature_valid: bool = Field(description="The platform's own check of the signature")


class ReproduceIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)


class ReportReproduction(BaseModel):
    """An issued report rebuilt as it stood at its as_of (disputes and audits)."""

    report: Report
    digest: str = Field(description="Digest of the rebuilt report")
    issued_digest: str = Field(description="Digest signed at issue")
    matches: bool = Field(description="True: the store still gives exactly the issued report")
