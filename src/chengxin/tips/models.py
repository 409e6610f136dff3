"""Whistleblowing tips (举报, R9.1) and their public history.

A tip is anonymous: no account, no clear identifier of the submitter is kept (the client address
only as a keyed HMAC in ``tip_rate_window``, for the rate limit, ``chengxin.ratelimit``). What the
tip says — about whom, what happened, the optional contact — is sealed (``keys.sealed``). An ID
number or credit code named in it is kept only as a keyed blind index and a masked form, never in
clear.

``subject_id`` is the blind-index key of the ID number named (the same key as ``subject.id``), a
plain indexed column: tips can be found per person without a foreign key (sharding). Audit
entries of tips never carry it, so the person does not learn from their own audit trail that
someone reported them (whistleblower protection, ADR 0018).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class TipStatus(StrEnum):
    RECEIVED = "received"  # accepted; routing follows in the same transaction
    ROUTED = "routed"  # in the competent department's queue (or the operator's)
    IN_PROGRESS = "in_progress"  # the department is looking into it
    CLOSED = "closed"  # an outcome is recorded


OPEN_STATUSES = (TipStatus.RECEIVED.value, TipStatus.ROUTED.value, TipStatus.IN_PROGRESS.value)


class TipOutcome(StrEnum):
    SUBSTANTIATED = "substantiated"  # 属实: the department acts under its own procedure
    UNSUBSTANTIATED = "unsubstantiated"  # 不属实 / 无法查实
    TRANSFERRED = "transferred"  # 移送: passed to another competent authority


class Tip(Base):
    """One tip, in the queue of the organization it was routed to."""

    __tablename__ = "tip"
    __table_args__ = (
        Index("ix_tip_open_due", "status", "act_due_at"),
        {"info": {SEALED: SealedTable("tip", turn=24, rotated=False)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)  # JB-2026-XXXXXXXX
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # keyed HMAC of the lookup secret
    domain: Mapped[str] = mapped_column(String(48))  # a list type code, or "other"
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    masked_id_number: Mapped[str | None] = mapped_column(String(24))
    credit_code_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    masked_credit_code: Mapped[str | None] = mapped_column(String(24))
    region_code: Mapped[str | None] = mapped_column(String(6))  # where it happened, if given
    text_digest: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)  # floods
    # the sealed JSON of {"about", "what", "contact"}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    has_contact: Mapped[bool] = mapped_column(Boolean)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)  # whose queue
    route_rule: Mapped[str] = mapped_column(String(24))  # department, department-region, operator
    status: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    act_due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # first action due (working days)
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TipEvent(Base):
    """One step of a tip, shown to the submitter with its public note (sealed at rest)."""

    __tablename__ = "tip_event"
    __table_args__ = {"info": {SEALED: SealedTable("tip-event", turn=25, rotated=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tip_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(12))  # a TipStatus value
    outcome: Mapped[str | None] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sealed_note: Mapped[bytes | None] = mapped_column(LargeBinary, info={SEALED: ROW})  # {"note"}
    key_id: Mapped[str | None] = mapped_column(String(16))
