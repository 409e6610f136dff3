"""Records use cases available now: a provider reads the versions of its own records.

What others may see of a record (reports, checks, lists) is decided by the visibility rule of the
reports domain; this module only serves the provider its own data, history included.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.keys import keyring_of
from chengxin.records.models import CreditRecord, RecordEvent, fields_aad


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
