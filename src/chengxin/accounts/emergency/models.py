"""Platform lockdowns: one row per lockdown; the one without ``lifted_at`` is in force."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, UTCDateTime


class PlatformLockdown(Base):
    """A platform-wide read-only lockdown. Kept in the database so every server process (and
    node) sees it; each process caches its reading for at most a second."""

    __tablename__ = "platform_lockdown"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.LOCKDOWN)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lift_reason: Mapped[str | None] = mapped_column(Text)
