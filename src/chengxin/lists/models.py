"""Red and black list entries (R7, R8) and their append-only history.

An entry lists one natural person (``subject_id``) or one organization (``organization_id``,
``subject_id`` None: organizations are not subjects on this platform, ADR 0016). It rests on the
provider's records (``record_ids``) or, for an organization, on a finding document. The reason
given to the person is sealed (``keys.sealed``); the public list shows only the masked
``shown_name`` / ``shown_id``; name search goes through the keyed blind index ``name_index``.

Every step (proposed, notified, published, exited, withdrawn) is one ``list_entry_event`` row
(ordered by ``seq``, the future signed change feed) and one audit entry.

Sharding: rows carry ``subject_id`` as a plain indexed column; no foreign key reaches another
subject.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class ListKind(StrEnum):
    RED = "red"  # 红名单: joint incentives (R7)
    BLACK = "black"  # 严重失信主体名单: joint punishment (R8)


class EntryStatus(StrEnum):
    PROPOSED = "proposed"  # a provider (or a record kind, automatically) proposed it
    NOTIFIED = "notified"  # the subject was told; the objection window runs
    PUBLISHED = "published"  # on the list: public, and used by the check
    EXITED = "exited"  # off the list (term ended, repaired, performed, court deletion, error)
    WITHDRAWN = "withdrawn"  # dropped before publication


class ExitReason(StrEnum):
    TERM_END = "term_end"  # the list's term ended
    REPAIRED = "repaired"  # 信用修复: the underlying record was repaired
    PERFORMED = "performed"  # the obligation was performed
    COURT_DELETION = "court_deletion"  # 法释〔2017〕7号 Art. 10
    ERROR = "error"  # the listing was wrong (objection upheld, record revoked)
    RECORD_ENDED = "record_ended"  # every underlying record was revoked or its display ended


class Step(StrEnum):
    PROPOSED = "proposed"
    NOTIFIED = "notified"
    PUBLISHED = "published"
    EXITED = "exited"
    WITHDRAWN = "withdrawn"


CURRENT_STATUSES = (
    EntryStatus.PROPOSED.value,
    EntryStatus.NOTIFIED.value,
    EntryStatus.PUBLISHED.value,
)


class ListEntry(Base):
    """One person or organization on one red or black list, through its lifecycle."""

    __tablename__ = "list_entry"
    __table_args__ = (
        Index("ix_list_entry_subject_status", "subject_id", "status"),
        Index("ix_list_entry_organization_status", "organization_id", "status"),
        Index("ix_list_entry_status_type", "status", "list_type"),
        {"info": {SEALED: SealedTable("list-entry", turn=21, rotated=False)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)  # public number, e.g. HM-…
    list_type: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(8))  # red, black
    domain: Mapped[str] = mapped_column(String(48))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the person; None: organization
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The proposing organization (None: the machine's operator, at the command line or in tests).
    provider_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    record_ids: Mapped[list[str]] = mapped_column(JSONType)  # record versions it rests on
    document_no: Mapped[str | None] = mapped_column(String(100))  # finding document (organizations)
    status: Mapped[str] = mapped_column(String(12))
    basis: Mapped[str] = mapped_column(Text)  # legal basis (public)
    # the sealed JSON of {"reason", "exit_note"}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    automatic: Mapped[bool] = mapped_column(Boolean)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_by: Mapped[str] = mapped_column(String(200))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    term_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # dropped unpublished
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    # Public display: masked only (RULES.md §6), never the clear name or ID number.
    shown_name: Mapped[str] = mapped_column(String(200))
    shown_id: Mapped[str] = mapped_column(String(24))
    # Keyed blind index of the full name (HMAC, purpose "list-name"): public name search.
    name_index: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)


class ListEntryEvent(Base):
    """One step of an entry, in order; never updated or deleted. ``reason`` and ``data`` carry
    codes, dates and ids only, never the person's words (those are sealed in the entry)."""

    __tablename__ = "list_entry_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    list_type: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
