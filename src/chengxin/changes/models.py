"""One version row per topic of shared state that processes cache (ADR 0034)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class PlatformChange(Base):
    """A topic's version: bumped in the transaction that changes what the topic covers, read by
    every process's change watcher; a different version means "forget what you cached"."""

    __tablename__ = "platform_change"

    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
