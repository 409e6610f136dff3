"""Per-client rate limits: a fixed hourly window of requests per client and action (ADR 0018).

The client address is kept only as a keyed HMAC (``client_key``): the limit works without
keeping the address. Each request is counted in a unit of work of its own, committed at once,
so a refused or failed request still counts. Windows older than a day are deleted as we go.

Platform (issue 21): moved out of tips, which used it for tips and look-ups, and which the
public list search borrowed. Each caller names its own ``action`` (at most 8 characters, unique
across callers: one table counts them all) and the error it refuses with, a ``RateLimited``.
The table keeps its name, ``tip_rate_window``, from when only tips used it (no schema change).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from chengxin.db import Base, UTCDateTime
from chengxin.errors import DomainError
from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring

Scope = Callable[[], AbstractContextManager[Session]]
_HOUR, _DAY = timedelta(hours=1), timedelta(hours=24)


class RateWindow(Base):
    """How many requests of one action one client sent in one hour. ``client_key`` is a keyed
    HMAC of the client address: the limit works without keeping the address."""

    __tablename__ = "tip_rate_window"

    client_key: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(8), primary_key=True)  # the caller's action
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)


class RateLimited(DomainError):
    """Too many requests from one client this hour; ``retry_after`` says when to try again.
    Each caller refuses with its own subclass (its own stable code, docs/problems.md)."""

    status = 429
    code = "rate-limited"
    title = "Too many requests from this client; try again later"


def client_key(ring: Keyring, client_ip: str | None) -> bytes:
    """A keyed HMAC of the client address: counts per client without keeping the address."""
    return ring.blind(b"tip-client", client_ip or "unknown")


def _window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _count(session: Session, key: bytes, action: str, window: datetime) -> int:
    values = {"client_key": key, "action": action, "window_start": window, "count": 1}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RateWindow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["client_key", "action", "window_start"],
            set_={"count": RateWindow.count + 1},
        )
        .returning(RateWindow.count)
    )
    return int(session.execute(statement).scalar_one())


def take(
    scope: Scope,
    *,
    client_ip: str | None,
    action: str,
    limit: int,
    now: datetime,
    refuse: type[RateLimited],
) -> None:
    """Count one request of this client in the current hour, committed at once (a request that
    then fails still counts); ``refuse`` with ``retry_after`` past the limit."""
    window = _window_start(now)
    with scope() as session:
        count = _count(session, client_key(keyring_of(session), client_ip), action, window)
        # Old windows are of no use to anyone: keep the table small as we go.
        session.execute(delete(RateWindow).where(RateWindow.window_start < window - _DAY))
    if count > limit:
        retry = max(1, int((window + _HOUR - now).total_seconds()) + 1)
        raise refuse(f"at most {limit} an hour from one client", retry_after=retry)
