"""Credit repair (信用修复, R5.3–R5.4): applications, and the archive repaired records move to.

An application goes to the department that made the finding (谁认定、谁修复). Deadlines are
columns swept by a job. On approval every version of the record leaves the active store: its
content is sealed into ``record_archive`` (readable by auditors and the subject) and the
``credit_record`` rows keep only what the change feed and the subject's marks need.

Sharding: rows carry ``subject_id`` as a plain column; no foreign key reaches another subject.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class RepairBasis(StrEnum):
    OBLIGATION_PERFORMED = "obligation_performed"  # 履行法定义务、纠正失信行为
    VOLUNTEER_SERVICE = "volunteer_service"  # 志愿服务
    CHARITY = "charity"  # 慈善捐助
    OTHER = "other"


class RepairStatus(StrEnum):
    RECEIVED = "received"  # acknowledged at once; with the finding department for a decision
    NEEDS_EVIDENCE = "needs_evidence"  # the department asked for more evidence
    APPROVED = "approved"  # repaired: display, sharing and use stopped; archived
    REFUSED = "refused"  # refused with reasons (and the route of appeal)
    WITHDRAWN = "withdrawn"  # the applicant withdrew it


OPEN_REPAIR_STATUSES = (RepairStatus.RECEIVED.value, RepairStatus.NEEDS_EVIDENCE.value)


class RepairApplication(Base):
    __tablename__ = "repair_application"
    __table_args__ = (
        Index("ix_repair_application_open_due", "status", "decide_due_at"),
        {"info": {SEALED: SealedTable("repair-application", turn=6)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)  # the finding department
    source_id: Mapped[str] = mapped_column(String(64))
    kind_code: Mapped[str] = mapped_column(String(48))
    basis: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    eligibility: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # the checks, explained
    commitment_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the 信用承诺书 text
    # the sealed JSON of {"explanation", "reasons"}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    filed_by: Mapped[str] = mapped_column(String(200))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decide_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_organizations: Mapped[int] = mapped_column(default=0)


class RecordArchive(Base):
    """The content of a repaired record version, sealed: auditors and the subject read it."""

    __tablename__ = "record_archive"
    __table_args__ = {"info": {SEALED: SealedTable("archived-record", turn=7, keys=("record_id",))}}

    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    repair_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the sealed JSON of {"document_no", "fields", "personal"}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
