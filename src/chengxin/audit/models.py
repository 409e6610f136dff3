"""Audit tables: append-only entries (the Merkle tree's leaves), the append lock, the tiles of
perfect subtree hashes and the signed tree heads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, JSONType, UTCDateTime

# Tile height: a tile row of level L >= 1 holds up to 16 hashes of tree level 4L.
TILE_HEIGHT = 4
TILE_WIDTH = 1 << TILE_HEIGHT


class AuditEntry(Base):
    """One action: who, for which organization, what, on which object, when; a Merkle leaf."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    request_id: Mapped[str | None] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # Pseudonymous subject key (derived from the blind index): lets a person see entries about them.
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    message: Mapped[str | None] = mapped_column(Text)
    # RFC 9162 leaf hash, hex: SHA-256(0x00 || canonical JSON of the fields above, seq included).
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row (id 1): the last sequence number and the size of the tree integrated into
    tiles so far. Locking it orders all appends, and integrations."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    tree_size: Mapped[int] = mapped_column(BigInteger)


class AuditTile(Base):
    """Up to 16 concatenated 32-byte hashes of the complete perfect subtrees at tree level
    ``4 * level``, indices ``16 * idx`` onwards (derived data: verify recomputes it)."""

    __tablename__ = "audit_tile"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class AuditTreeHead(Base):
    """A signed tree head: the root over the first ``tree_size`` entries, signed (Ed25519)."""

    __tablename__ = "audit_tree_head"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
