"""Sign-in challenges (one-time codes) and sign-in attempts of citizens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class SignInChallenge(Base):
    """A one-time code sent to a person's registered phone. Only an HMAC of challenge id and code
    is kept (keyed with the blind-index key: a copy of the table does not reveal codes)."""

    __tablename__ = "citizen_challenge"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A plain column, not a foreign key: subjects will be sharded by blind index.
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    outbox_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInAttempt(Base):
    """One sign-in request, for the rate limits (ADR 0027). ``subject_key`` is the blind index of
    the ID number asked for, known person or not; ``requester_key`` a keyed digest of client
    address, ID number and name (the limits a stranger cannot use up for the person);
    ``address_key`` one of the client address alone. Nothing here is in clear."""

    __tablename__ = "citizen_sign_in_attempt"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subject_key: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    # None on rows written before the requester-keyed limits (migration 0018).
    requester_key: Mapped[str | None] = mapped_column(String(64), index=True)
    address_key: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(12))
