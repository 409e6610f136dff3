"""Append audit entries (same transaction as the change) and verify the hash chain."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from chengxin.context import current_request_id
from chengxin.db import utcnow
from chengxin.identity import idnumber
from chengxin.security.actor import Actor

_CLEAR_ID_NUMBER = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
# Organizations' unified social credit codes are public identifiers; some are 18 digits.
_PUBLIC_CODE_KEYS = frozenset({"credit_code"})


class PersonalDataInAudit(ValueError):
    """A programming error: an audit entry must never hold a clear ID number."""


def _check_no_clear_id(value: Any) -> None:
    if isinstance(value, str):
        if any(idnumber.is_valid(m) for m in _CLEAR_ID_NUMBER.findall(value)):
            raise PersonalDataInAudit("audit data contains a clear ID number")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _PUBLIC_CODE_KEYS:
                _check_no_clear_id(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_no_clear_id(item)


_HASHED_FIELDS = (
    "seq", "at", "request_id", "actor_kind", "actor_id", "actor_name", "organization_id",
    "action", "object_type", "object_id", "subject_id", "data", "message", "prev_hash",
)  # fmt: skip


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def entry_hash(entry: Any) -> str:
    """SHA-256 over the canonical JSON of an entry (ORM object or row), prev_hash included."""
    get = entry.__getitem__ if isinstance(entry, Mapping) else entry.__getattribute__
    body = {name: _jsonable(get(name)) for name in _HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    message: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain; the only way anything writes to the audit trail."""
    _check_no_clear_id(data)
    _check_no_clear_id(message)
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at or utcnow(),
        request_id=current_request_id(),
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_name=actor.name,
        organization_id=actor.organization_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        subject_id=subject_id,
        data=data,
        message=message,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain."""

    entries: int
    head_seq: int
    head_hash: str
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not match."""
    prev, count, last_seq = GENESIS_HASH, 0, 0
    while True:
        table = AuditEntry.__table__
        query = select(table).where(table.c.seq > last_seq).order_by(table.c.seq).limit(batch)
        rows = session.execute(query).mappings().all()
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            problem = (
                "gap" if seq != last_seq + 1
                else "link" if row["prev_hash"] != prev
                else "hash" if entry_hash(row) != row["hash"]
                else None
            )  # fmt: skip
            if problem:
                return ChainReport(
                    count, last_seq, prev, ok=False, first_bad_seq=seq, problem=problem
                )
            prev, last_seq, count = row["hash"], seq, count + 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    if head.seq != last_seq or head.hash != prev:
        return ChainReport(count, last_seq, prev, ok=False, first_bad_seq=head.seq, problem="head")
    return ChainReport(count, last_seq, prev, ok=True)


def list_entries(session: Session, *, after_seq: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Entries after a sequence number, in chain order (keyset paging)."""
    query = (
        select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    )
    return list(session.execute(query).scalars())
