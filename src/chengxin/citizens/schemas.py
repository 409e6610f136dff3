"""API contract of citizens' real-name sign-in (ID numbers only ever in bodies)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class SignInRequest(BaseModel):
    id_number: str = Field(
        min_length=15, max_length=18, description="The person's citizen ID number (GB 11643)"
    )
    name: str = Field(min_length=1, max_length=50, description="The name in the registry")


class ChallengeRead(BaseModel):
    challenge_id: uuid.UUID = Field(description="Send it back with the code")
    masked_phone: str = Field(description="Where the code went, masked (138****5678)")
    expires_at: datetime = Field(description="The code is valid until then")


class VerifyRequest(BaseModel):
    challenge_id: uuid.UUID = Field(description="From the sign-in answer")
    code: str = Field(pattern=r"^\d{6}$", description="The 6-digit one-time code received")


class MyNoticeRead(BaseModel):
    """A message the platform sent me (the text as my phone received it)."""

    id: uuid.UUID
    at: datetime = Field(description="When it was sent (UTC)")
    template: str = Field(
        description="What it is about: credit-record-notice, dishonest-record-notice, "
        "list-entry-notice, objection and repair updates, …"
    )
    status: str = Field(description="queued, sent or failed")
    text: str = Field(description="The message as sent")


class MyNoticePage(BaseModel):
    items: list[MyNoticeRead] = Field(description="Newest first")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last")
