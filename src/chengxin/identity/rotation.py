"""Key rotation: re-encrypt everything still under an old data key, batch by batch.

Sealed data lives in four places: subjects (ID number, name, phone), credit records' personal
fields, rejected ingestion rows and the notification outbox (messages' texts). Each batch commits
on its own and the work list is "rows whose key_id is not the active key", so an interrupted
rotation resumes where it stopped (``chengxin keys rotate --resume``). An old key may be retired
once no row uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.ingestion.models import IngestRejection, rejection_aad
from chengxin.keys.keyring import Keyring
from chengxin.notifications.models import NotificationOutbox, body_aad
from chengxin.records.models import CreditRecord, fields_aad
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

SUBJECT_TABLE = identity_service.SUBJECT_TABLE
RECORD_TABLE = cast("Table", CreditRecord.__table__)
REJECTION_TABLE = cast("Table", IngestRejection.__table__)
OUTBOX_TABLE = cast("Table", NotificationOutbox.__table__)


@dataclass(frozen=True)
class RotationResult:
    """How many subjects were re-encrypted, and the key they are now all under."""

    reencrypted: int
    active_key: str


def reencrypt_all(
    runtime: Runtime,
    *,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
    max_batches: int | None = None,
) -> RotationResult:
    """Re-encrypt every sealed row not under the active key; ``max_batches`` stops early (tests)."""
    ring = runtime.keyring
    active = ring.active
    total = batches = 0
    for step in (_subjects, _records, _rejections, _outbox):
        while max_batches is None or batches < max_batches:
            with runtime.scope() as session:
                done = step(session, ring, active, batch)
            if not done:
                break
            total += done
            batches += 1
            if progress:
                progress(total)
    return RotationResult(reencrypted=total, active_key=active)


def _audit(session: Session, active: str, what: str, count: int, from_keys: set[str]) -> None:
    audit.record(
        session,
        f"keys:{what}:reencrypt",
        actor=system_actor("keys-rotate"),
        object_type="keyring",
        object_id=active,
        data={"count": count, "from_keys": sorted(from_keys)},
    )


def _subjects(session: Session, ring: Keyring, active: str, batch: int) -> int:
    subjects = list(
        session.execute(
            select(Subject)
            .where(Subject.key_id != active)
            .order_by(Subject.id)
            .limit(batch)
            .with_for_update()
        ).scalars()
    )
    if subjects:
        session.execute(
            update(SUBJECT_TABLE)
            .where(SUBJECT_TABLE.c.id == bindparam("b_id"))
            .execution_options(synchronize_session=False),
            [identity_service.reseal(ring, s, active) for s in subjects],
        )
        _audit(session, active, "subject", len(subjects), {s.key_id for s in subjects})
    return len(subjects)


def _records(session: Session, ring: Keyring, active: str, batch: int) -> int:
    t = RECORD_TABLE.c
    rows = session.execute(
        select(t.id, t.sealed_fields, t.key_id)
        .where(t.key_id.is_not(None), t.key_id != active)
        .order_by(t.id)
        .limit(batch)
        .with_for_update()
    ).all()
    if rows:
        params: list[dict[str, Any]] = []
        for rid, ct, kid in rows:
            resealed = ring.encrypt(ring.decrypt(ct, fields_aad(rid), kid), fields_aad(rid), active)
            params.append({"b_id": rid, "sealed_fields": resealed, "key_id": active})
        session.execute(
            update(RECORD_TABLE).where(t.id == bindparam("b_id")), params,
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        _audit(session, active, "record", len(rows), {kid for _, _, kid in rows})
    return len(rows)


def _rejections(session: Session, ring: Keyring, active: str, batch: int) -> int:
    t = REJECTION_TABLE.c
    rows = session.execute(
        select(t.batch_id, t.row_no, t.raw_ct, t.key_id)
        .where(t.key_id.is_not(None), t.key_id != active)
        .order_by(t.batch_id, t.row_no)
        .limit(batch)
        .with_for_update()
    ).all()
    if rows:
        params: list[dict[str, Any]] = []
        for batch_id, row_no, ct, kid in rows:
            aad = rejection_aad(batch_id, row_no)
            resealed = ring.encrypt(ring.decrypt(ct, aad, kid), aad, active)
            params.append(
                {"b_batch": batch_id, "b_row": row_no, "raw_ct": resealed, "key_id": active}
            )
        session.execute(
            update(REJECTION_TABLE).where(
                and_(t.batch_id == bindparam("b_batch"), t.row_no == bindparam("b_row"))
            ),
            params,
            execution_options={"synchronize_session": False},
        )
        _audit(session, active, "rejected-row", len(rows), {r[3] for r in rows})
    return len(rows)


def _outbox(session: Session, ring: Keyring, active: str, batch: int) -> int:
    t = OUTBOX_TABLE.c
    rows = session.execute(
        select(t.id, t.body_ct, t.key_id)
        .where(t.key_id != active)
        .order_by(t.id)
        .limit(batch)
        .with_for_update()
    ).all()
    if rows:
        params: list[dict[str, Any]] = []
        for oid, ct, kid in rows:
            aad = body_aad(oid)
            resealed = ring.encrypt(ring.decrypt(ct, aad, kid), aad, active)
            params.append({"b_id": oid, "body_ct": resealed, "key_id": active})
        session.execute(
            update(OUTBOX_TABLE).where(t.id == bindparam("b_id")), params,
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        _audit(session, active, "notification", len(rows), {kid for _, _, kid in rows})
    return len(rows)


def keys_in_use(runtime: Runtime) -> dict[str, int]:
    """Sealed rows per data key (subjects, records, rejected rows, outbox messages): an old key
    can be retired once it holds none."""
    counts: dict[str, int] = {}
    with runtime.scope() as session:
        columns = (
            Subject.key_id, RECORD_TABLE.c.key_id, REJECTION_TABLE.c.key_id, OUTBOX_TABLE.c.key_id,
        )  # fmt: skip
        for column in columns:
            query = select(column, func.count()).where(column.is_not(None)).group_by(column)
            for key_id, count in session.execute(query):
                counts[key_id] = counts.get(key_id, 0) + count
    return counts
