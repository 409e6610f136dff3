"""Natural persons (subjects). ID number, name and phone are stored only encrypted."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime
from chengxin.keys.sealed import SEALED, SealedTable


def field_aad(field: bytes, subject_id: uuid.UUID) -> bytes:
    """Associated data of a subject's sealed field: binds the ciphertext to its row and field."""
    return subject_id.bytes + b":" + field


class Subject(Base):
    """A natural person. ``id`` is derived from the ID number's blind index (see ADR 0003).

    Per-subject tables of later domains carry ``subject_id`` too, so PostgreSQL can partition
    or distribute all of them by it; nothing references another subject's rows.
    """

    __tablename__ = "subject"
    __table_args__ = {"info": {SEALED: SealedTable("subject", turn=0)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # AES-256-GCM ciphertexts (nonce || ciphertext || tag); AAD binds each to this row and field.
    id_number_ct: Mapped[bytes] = mapped_column(
        LargeBinary, info={SEALED: partial(field_aad, b"id_number")}
    )
    name_ct: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: partial(field_aad, b"name")})
    phone_ct: Mapped[bytes | None] = mapped_column(
        LargeBinary, info={SEALED: partial(field_aad, b"phone")}
    )
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    # In clear because rules need them (docs/privacy.md): R2.4 age at the act, sex for
    # statistics, address and region codes for regional scoping of operators.
    birth_on: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    address_code: Mapped[str] = mapped_column(String(6))
    region_code: Mapped[str | None] = mapped_column(String(6))
    prefecture_code: Mapped[str | None] = mapped_column(String(6), index=True)
    # Population registry (R1.2): whether the person is in the imported base registry, and a
    # keyed fingerprint of the registry row so re-imports can tell unchanged rows cheaply.
    in_registry: Mapped[bool] = mapped_column(Boolean, default=False)
    registry_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PopulationImport(Base):
    """One import of the population base registry (R1.2) and its balanced counts."""

    __tablename__ = "population_import"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # running, completed, failed
    failure_code: Mapped[str | None] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    actor_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def balanced(self) -> bool:
        """Every row read is accounted for exactly once (the import report's invariant)."""
        return is_balanced(self)


def is_balanced(counts: Any) -> bool:
    """rows_read == inserted + updated + unchanged + rejected, for an import or its report."""
    return bool(
        counts.rows_read == counts.inserted + counts.updated + counts.unchanged + counts.rejected
    )


class PopulationImportError(Base):
    """A rejected row: where and why, never the row's values (they may be personal data)."""

    __tablename__ = "population_import_error"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("population_import.id", ondelete="CASCADE"), primary_key=True
    )
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300))
