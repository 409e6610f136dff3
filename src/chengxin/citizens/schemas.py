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
