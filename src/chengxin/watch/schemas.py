"""API contract of watch subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.watch.models import Channel, WatchDelivery, WatchSubscription


class SubscriptionIn(BaseModel):
    id_number: str = Field(max_length=32, description="The person's ID number (body only)")
    name: str = Field(max_length=64, description="The person's name, as registered")
    grant_id: uuid.UUID = Field(description="The person's grant to this organization")
    channel: Channel = Field(description="`webhook` (signed POST) or `outbox` (the inbox)")
    webhook_url: str | None = Field(
        None, max_length=2000, description="With `webhook`: an http(s) URL on a public address"
    )


class SubscriptionRead(BaseModel):
    id: uuid.UUID
    grant_id: uuid.UUID
    channel: Channel
    webhook_url: str | None
    status: str = Field(description="active or ended")
    masked_name: str
    masked_id_number: str
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None = Field(
        description="cancelled, grant-revoked, grant-expired (when ended)"
    )

    @classmethod
    def of(cls, s: WatchSubscription) -> SubscriptionRead:
        return cls(
            id=s.id,
            grant_id=s.grant_id,
            channel=Channel(s.channel),
            webhook_url=s.webhook_url,
            status=s.status,
            masked_name=s.masked_name,
            masked_id_number=s.masked_id_number,
            created_at=s.created_at,
            ended_at=s.ended_at,
            end_reason=s.end_reason,
        )


class DeliveryRead(BaseModel):
    id: uuid.UUID
    channel: Channel
    status: str = Field(description="pending, delivered or dropped")
    changes: int
    body: str = Field(description="The signed bytes (canonical JSON)")
    signature: str = Field(description="Ed25519 over `body`, base64")
    key_id: str = Field(description="The signing key (GET /api/v1/audit/public-key)")
    created_at: datetime
    delivered_at: datetime | None
    response_status: int | None

    @classmethod
    def of(cls, d: WatchDelivery) -> DeliveryRead:
        return cls(
            id=d.id,
            channel=Channel(d.channel),
            status=d.status,
            changes=d.changes,
            body=d.body,
            signature=d.signature,
            key_id=d.key_id,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            response_status=d.response_status,
        )
