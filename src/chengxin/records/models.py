"""Credit records and their change events.

A record is one version of a provider's record (provider, source id). A correction adds a
version and marks the previous one superseded; a revocation marks the current one revoked.
Nothing is edited in place beyond those status marks, and every change is also an ordered
``record_event`` row — the future change feed to the national platform and city nodes.

Sharding: every row carries ``subject_id`` (the blind-index key of the person) and nothing
references another subject's rows, so PostgreSQL can partition or distribute these tables by it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, LargeBinary, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import SEALED, SealedTable


def fields_aad(record_id: uuid.UUID) -> bytes:
    """Associated data of a record's sealed fields: a ciphertext only opens in its own row."""
    return record_id.bytes + b":fields"


class RecordStatus(StrEnum):
    """The status of a record version (``credit_record.status``). Only the current (latest)
    version is active; intake ends it superseded or revoked, repair ends it repaired. A version
    past its display window stays active: its end of display is an ``expired`` event, not a
    status (records.expiry)."""

    ACTIVE = "active"  # the current version
    SUPERSEDED = "superseded"  # a correction added a later version
    REVOKED = "revoked"  # the provider (or an upheld objection) revoked it
    REPAIRED = "repaired"  # credit repair: it left the active store for good


class CreditRecord(Base):
    """One version of a credit record about a subject."""

    __tablename__ = "credit_record"
    __table_args__ = (
        # Holds the partition key (PostgreSQL partitions by subject, ADR 0035); one version
        # number per source id is the intake's rule, kept under the provider's row lock.
        Index(
            "uq_credit_record_source_version",
            "provider_id",
            "source_id",
            "version",
            "subject_id",
            unique=True,
        ),
        # The expiry sweep's range scan (records.expiry): current versions by the day their
        # display ends. Partial: superseded and revoked versions never expire.
        Index(
            "ix_credit_record_display_until_on",
            "display_until_on",
            postgresql_where=text(f"status = '{RecordStatus.ACTIVE}'"),
            sqlite_where=text(f"status = '{RecordStatus.ACTIVE}'"),
        ),
        # A batch's records in row order: the chunked jobs after an ingest (notices, list
        # proposals) read the next few after their cursor (ADR 0026).
        Index("ix_credit_record_batch_row", "batch_id", "row_no"),
        {"info": {SEALED: SealedTable("record", turn=1)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    kind_code: Mapped[str] = mapped_column(String(48), index=True)
    domain: Mapped[str] = mapped_column(String(48))
    category: Mapped[str] = mapped_column(String(12))
    severity: Mapped[str | None] = mapped_column(String(12))
    catalog_version: Mapped[str] = mapped_column(String(16))
    document_no: Mapped[str] = mapped_column(String(100))
    finding_on: Mapped[date] = mapped_column(Date)
    act_on: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    # The display window (RULES.md §1), computed once by records.window at intake.
    display_months: Mapped[int] = mapped_column(Integer)
    display_from_on: Mapped[date] = mapped_column(Date)
    display_until_on: Mapped[date] = mapped_column(Date)
    repair_from_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # a RecordStatus
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)  # kind fields without personal data
    # AES-GCM JSON of the rest
    sealed_fields: Mapped[bytes | None] = mapped_column(LargeBinary, info={SEALED: fields_aad})
    key_id: Mapped[str | None] = mapped_column(String(16))
    content_digest: Mapped[bytes] = mapped_column(LargeBinary(32))  # keyed; duplicate detection
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # superseded or revoked
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class RecordEvent(Base):
    """An ordered change to the records store: created, corrected, revoked, expired."""

    __tablename__ = "record_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # created, corrected, revoked, repaired, expired
    action: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    previous_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # No secondary indexes: the feed reads by seq; a person's history is their credit_record rows.
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind_code: Mapped[str] = mapped_column(String(48))
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class SweepMark(Base):
    """How far a scheduled sweep has gone (one row per sweep, e.g. ``records.expiry``)."""

    __tablename__ = "sweep_mark"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    through_on: Mapped[date] = mapped_column(Date)  # every day up to and including it is done
    # The last record_event seq when it ran: versions arriving later are checked next time.
    seen_seq: Mapped[int] = mapped_column(BigInteger)
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime)
