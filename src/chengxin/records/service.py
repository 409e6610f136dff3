"""Records use cases available now: a provider reads the versions of its own records.

What others may see of a record (reports, checks, lists) is decided by the visibility rule of the
reports domain; this module only serves the provider its own data, history included.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.keys import keyring_of
from chengxin.records.models import CreditRecord, RecordEvent, RecordStatus, fields_aad


def versions_of(session: Session, provider_id: uuid.UUID, source_id: str) -> list[CreditRecord]:
    """Every version of a provider's record, oldest first."""
    return list(
        session.execute(
            select(CreditRecord)
            .where(CreditRecord.provider_id == provider_id, CreditRecord.source_id == source_id)
            .order_by(CreditRecord.version)
        ).scalars()
    )


def personal_fields(session: Session, record: CreditRecord) -> dict[str, Any]:
    """The sealed kind fields of a record, decrypted (for the provider and the subject only)."""
    if record.sealed_fields is None or record.key_id is None:
        return {}
    text = keyring_of(session).decrypt(record.sealed_fields, fields_aad(record.id), record.key_id)
    return dict(json.loads(text))


def events_of(session: Session, record_ids: list[uuid.UUID]) -> list[RecordEvent]:
    """Change events of the given record versions, in order."""
    return list(
        session.execute(
            select(RecordEvent)
            .where(RecordEvent.record_id.in_(record_ids))
            .order_by(RecordEvent.seq)
        ).scalars()
    )


# -- single-record changes (objections, repair) ----------------------------------------------------
# Bulk changes come through ingestion; these are the changes a workflow makes to one record. Each
# is a status mark plus an ordered ``record_event``, like every other change to the store.


def append_event(
    session: Session,
    record: CreditRecord,
    action: str,
    *,
    at: datetime,
    previous_id: uuid.UUID | None = None,
) -> None:
    """One change event for a record version (the future change feed)."""
    session.add(
        RecordEvent(
            at=at,
            action=action,
            record_id=record.id,
            previous_id=previous_id,
            subject_id=record.subject_id,
            provider_id=record.provider_id,
            kind_code=record.kind_code,
            batch_id=record.batch_id,
        )
    )


def current_version(session: Session, provider_id: uuid.UUID, source_id: str) -> CreditRecord:
    """The latest version of a provider's record (whatever its status)."""
    return versions_of(session, provider_id, source_id)[-1]


def revoke(session: Session, record: CreditRecord, *, reason: str, at: datetime) -> None:
    """End a current version as revoked (an objection found it wrong and deleted it)."""
    record.status, record.ended_at, record.revoke_reason = RecordStatus.REVOKED, at, reason
    append_event(session, record, "revoked", at=at)
