"""The notification outbox (every message to a person, its text sealed like other personal data)
and the organizations' inbox of notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import SEALED, SealedTable


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # written; a gateway channel delivers it after commit
    SENT = "sent"  # handed to the channel (the local channel: kept here for the demo to read)
    FAILED = "failed"  # the channel refused it


class NotificationOutbox(Base):
    """One message to a person. ``subject_id`` is a plain column (subjects will be sharded); the
    rendered text may hold a one-time code, so it is AES-GCM sealed (AAD: row id) under ``key_id``.
    The phone number is not copied here: it is read from the subject when the message is sent.
    """

    __tablename__ = "notification_outbox"
    __table_args__ = {"info": {SEALED: SealedTable("notification", turn=3)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(48))
    body_ct: Mapped[bytes] = mapped_column(
        LargeBinary,
        info={SEALED: lambda outbox_id: body_aad(outbox_id)},  # noqa: PLW0108 — defined below
    )
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(10))
    delivery_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def body_aad(outbox_id: uuid.UUID) -> bytes:
    """Binds a sealed text to its row: copied into another row it does not decrypt."""
    return b"notification:" + outbox_id.bytes


class OrganizationNotice(Base):
    """A notice to an organization's inbox: a record it received was corrected, deleted or
    repaired; a case in its queue is due or overdue. No personal data beyond masked identity."""

    __tablename__ = "organization_notice"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    topic: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
