"""The stored projection of the credit state: one row per person who has any facts.

``state`` is the encoded ``rule.CreditState`` computed for the moment ``as_of``; it holds until
``next_change_at`` (the sweep recomputes rows whose moment has come). A person without a row has
no facts: the empty state. Rows carry only ids, codes and dates — no names, no ID numbers.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class CreditStateRow(Base):
    __tablename__ = "credit_state"

    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    state: Mapped[str] = mapped_column(Text)  # rule.encode(CreditState)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment it was computed for
    next_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
