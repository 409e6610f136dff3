"""The register of issued reports (report_issue): what was issued, to whom, about whom, signed.

The report's content is not stored: it is reproduced from the record versions and the audit log
as they stood at ``as_of`` (``reports.service.reproduce``); the row keeps what reproduction needs
and what verification shows. Sharding: ``subject_id`` is a plain column (no foreign key).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime


class ReportIssue(Base):
    """One issued report: its number, the keyed hash of its verification code, its signed digest."""

    __tablename__ = "report_issue"

    number: Mapped[str] = mapped_column(String(24), primary_key=True)  # CX-YYYYMMDD-XXXXXXXX
    # HMAC-SHA256 (blind-index key) of number and code: a stolen table does not give the codes.
    code_hash: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))  # subject, government, third_party
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id"), index=True
    )
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    scene: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(Text)
    grant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    query_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the registered access query
    kinds: Mapped[list[str] | None] = mapped_column(JSONType)  # effective kinds; None: all
    actor_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the canonical JSON
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 over signed_message()
    key_id: Mapped[str] = mapped_column(String(64))
