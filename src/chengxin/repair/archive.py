"""The archive of repaired records: content leaves the active store, sealed, for auditors and the
subject (RULES.md §2: "the original dishonest information is removed from the active store; the
repair record is archived").

Every version of the repaired record moves: its document number, kind fields and personal fields
are sealed into ``record_archive``; the ``credit_record`` rows keep only the identifiers, dates,
status and keyed digest that the change feed, the subject's marks and duplicate detection need.
:func:`restored` gives readers with the right to see them (the subject, auditors reproducing an
earlier report) in-memory copies with the content put back — never written back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord, fields_aad
from chengxin.repair.errors import ArchiveNotFound
from chengxin.repair.models import RecordArchive
from chengxin.security.actor import Actor

TABLE = "record_archive"
_COLUMNS = [c.key for c in CreditRecord.__table__.columns]


def archive_record(
    session: Session, record: CreditRecord, *, repair_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Seal every version of the provider's record into the archive and strip the active rows;
    returns the archived version ids."""
    ring = keyring_of(session)
    archived = []
    for version in records_service.versions_of(session, record.provider_id, record.source_id):
        if session.get(RecordArchive, version.id) is not None:
            continue
        content = {
            "document_no": version.document_no,
            "fields": version.fields,
            "personal": records_service.personal_fields(session, version),
        }
        sealed, key_id = seal(ring, TABLE, version.id, content)
        session.add(
            RecordArchive(
                record_id=version.id,
                subject_id=version.subject_id,
                repair_id=repair_id,
                archived_at=now,
                sealed=sealed,
                key_id=key_id,
            )
        )
        version.document_no, version.fields = "", {}
        version.sealed_fields, version.key_id = None, None
        archived.append(version.id)
    session.flush()
    return archived


def is_archived(record: CreditRecord) -> bool:
    """Whether a version's content moved to the archive: intake requires a document number, so
    only archiving leaves it empty."""
    return record.document_no == ""


def content_of(session: Session, record_id: uuid.UUID) -> dict[str, Any]:
    """The archived content of one version (auditors; the subject through their report)."""
    row = session.get(RecordArchive, record_id)
    if row is None:
        raise ArchiveNotFound
    return dict(unseal(keyring_of(session), TABLE, row.record_id, row.sealed, row.key_id))


def restored(session: Session, records: Sequence[CreditRecord]) -> list[CreditRecord]:
    """The records with archived content put back, as detached copies (others unchanged)."""
    ids = [r.id for r in records]
    if not ids:
        return []
    rows = {
        a.record_id: a
        for a in session.execute(
            select(RecordArchive).where(RecordArchive.record_id.in_(ids))
        ).scalars()
    }
    if not rows:
        return list(records)
    ring = keyring_of(session)
    out = []
    for record in records:
        row = rows.get(record.id)
        if row is None:
            out.append(record)
            continue
        content = unseal(ring, TABLE, row.record_id, row.sealed, row.key_id)
        copy = CreditRecord(**{name: getattr(record, name) for name in _COLUMNS})
        copy.document_no, copy.fields = content["document_no"], content["fields"]
        if content["personal"]:
            copy.key_id = ring.active
            copy.sealed_fields = ring.encrypt(
                json.dumps(content["personal"], ensure_ascii=False),
                fields_aad(record.id),
                ring.active,
            )
        out.append(copy)
    return out


def read_archive(session: Session, record_id: uuid.UUID, *, actor: Actor) -> dict[str, Any]:
    """A repaired record's archived content for an auditor, its reading logged."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise ArchiveNotFound
    content = content_of(session, record_id)
    audit.record(
        session,
        "records:archive:read",
        actor=actor,
        object_type="credit_record",
        object_id=record_id,
        subject_id=record.subject_id,
    )
    return content
