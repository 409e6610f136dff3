"""Evidence files attached to a person's case (an objection or a repair application).

The file name and content are sealed together (they may name the person); the size, type and
SHA-256 stay in clear so a clerk sees what was sent and a copy can be checked.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = {"info": {SEALED: SealedTable("evidence", turn=8)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_type: Mapped[str] = mapped_column(String(12))  # objection, repair
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # the sealed JSON of {"filename", "content" (base64)}
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(200))
