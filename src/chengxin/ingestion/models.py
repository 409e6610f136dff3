"""Ingestion batches (the collection log's unit) and their rejected rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import SEALED, SealedTable


def accepted_of(counts: Any) -> int:
    """Accepted rows of a batch or of a sum of batches: created + corrected + revoked."""
    return int(counts.created + counts.corrected + counts.revoked)


class IngestBatch(Base):
    """One push or upload from a provider and its receipt.

    The receipt always balances: ``submitted == accepted + rejected + duplicates``, where accepted
    splits into created, corrected and revoked. ``rows_done`` is the last row number committed,
    so an interrupted file resumes after it.
    """

    __tablename__ = "ingest_batch"
    __table_args__ = (Index("ix_ingest_batch_provider_digest", "provider_id", "content_digest"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))  # push, upload, cli, demo
    file_format: Mapped[str] = mapped_column(String(8))  # json, jsonl, csv, xlsx
    filename: Mapped[str | None] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(16))
    header: Mapped[list[list[str | None]] | None] = mapped_column(
        JSONType
    )  # column titles, for rejected rows
    content_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the bytes received
    size_bytes: Mapped[int] = mapped_column(Integer)
    catalog_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), index=True)  # processing, completed, failed
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(300))
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    # Lag from finding date to push, over accepted rows (R11 data-quality figure).
    lag_days_sum: Mapped[int] = mapped_column(Integer, default=0)
    lag_days_max: Mapped[int] = mapped_column(Integer, default=0)
    error_codes: Mapped[dict[str, int]] = mapped_column(JSONType)  # rejected rows by code
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # heartbeat while processing
    # The process working on it ("host:pid:start"): a resend finds out at once whether it died.
    owner: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def accepted(self) -> int:
        """Rows that changed the store: new records, corrections and revocations."""
        return accepted_of(self)

    @property
    def balanced(self) -> bool:
        """Every submitted row is accepted, rejected or a duplicate, exactly once."""
        return self.submitted == self.accepted + self.rejected + self.duplicates


def rejection_aad(batch_id: uuid.UUID, row_no: int) -> bytes:
    """Associated data of a sealed rejected row: it only opens as that batch's that row."""
    return batch_id.bytes + b":rejected:" + str(row_no).encode()


class IngestRejection(Base):
    """A rejected row: its errors, and the row as sent (sealed: it holds ID numbers and names),
    so the provider can download, fix and resend it."""

    __tablename__ = "ingest_rejection"
    __table_args__ = {
        "info": {SEALED: SealedTable("rejected-row", turn=2, keys=("batch_id", "row_no"))}
    }

    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ingest_batch.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # field, code, zh, en
    raw_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info={SEALED: rejection_aad})
    key_id: Mapped[str | None] = mapped_column(String(16))
