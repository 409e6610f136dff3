"""Staff accounts, sign-in sessions (staff and citizens) and sign-in attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, JSONType, UTCDateTime


class UserStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # refused at sign-in and on every request until unfrozen (R3.4)


class UserAccount(Base):
    """A person working for an organization, signing in with a password; roles give permissions.

    ``region_code`` narrows the data scope to a city (a city operator); None: province-wide.
    The failure counter and lock live here so that every server process sees the same lockout.
    """

    __tablename__ = "user_account"
    __table_args__ = {
        "info": {
            CHANGES: Tracked(
                Topic.CREDENTIALS,
                inserts=False,
                # Failed and successful sign-ins write these on every attempt; a lock-out or a
                # freeze (locked_until, frozen_at, status) is a change.
                ignored=frozenset(
                    {"failed_logins", "last_failed_at", "last_login_at", "updated_at"}
                ),
            )
        }
    }

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    region_code: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(200))
    password_set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionKind(StrEnum):
    USER = "user"  # a staff account signed in with its password
    CITIZEN = "citizen"  # a person signed in by real name and one-time code


class AuthSession(Base):
    """A sign-in: only a SHA-256 of the random secret is kept; idle and absolute expiry.

    ``subject_id`` (citizens) is a plain column, not a foreign key: subjects will be sharded.
    """

    __tablename__ = "auth_session"
    __table_args__ = {
        "info": {
            CHANGES: Tracked(
                Topic.CREDENTIALS,
                inserts=False,
                # A session's last-seen time is touched once a minute per session: no cache
                # depends on it.
                ignored=frozenset({"last_seen_at"}),
            )
        }
    }

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_seconds: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One password sign-in attempt, for rate limits shared by every process.

    Keys are SHA-256 digests: a login field sometimes holds a mistyped password, so the name
    typed is never stored in clear here.
    """

    __tablename__ = "login_attempt"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    login_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
