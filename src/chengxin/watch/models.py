"""Watch subscriptions (issue 7 item 9) and their deliveries.

An organization watches one subject under the subject's grant: changes to the subject's records
(``record_event``) and list entries (``list_entry_event``) after the subscription's watermarks
are delivered, signed, to a webhook or the organization's inbox.

Sharding: rows carry ``subject_id`` as a plain indexed column; no foreign key reaches another
subject's rows. The identity is kept masked only (for the organization's list).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class Channel(StrEnum):
    WEBHOOK = "webhook"  # HTTP POST to the organization's URL, retried by the job queue
    OUTBOX = "outbox"  # a notice in the organization's inbox (notifications)


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # cancelled, or the grant was revoked or expired


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # a webhook delivery waiting for (another) attempt
    DELIVERED = "delivered"
    DROPPED = "dropped"  # not sent: the grant ended before it could be


class WatchSubscription(Base):
    """One organization watching one subject, under one grant."""

    __tablename__ = "watch_subscription"
    __table_args__ = (Index("ix_watch_subscription_status", "status", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    grant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    channel: Mapped[str] = mapped_column(String(8))
    webhook_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    masked_name: Mapped[str] = mapped_column(String(200))
    masked_id_number: Mapped[str] = mapped_column(String(24))
    # Watermarks: the last record_event / list_entry_event seq this subscription has seen.
    record_seq: Mapped[int] = mapped_column(BigInteger)
    list_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(24))


class WatchDelivery(Base):
    """One signed batch of changes for one subscription: the exact bytes signed are kept."""

    __tablename__ = "watch_delivery"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    channel: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)  # canonical JSON, the signed bytes (UTF-8)
    signature: Mapped[str] = mapped_column(String(100))  # Ed25519, base64
    key_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
