"""Key rotation: re-encrypt everything still under an old data key, batch by batch.

Sealed data lives in subjects (ID number, name, phone), credit records' personal fields,
rejected ingestion rows, the notification outbox (messages' texts), and the rights workflows'
tables (objections, statements, repair applications, archived records, evidence files). Each
batch commits on its own and the work list is "rows whose key_id is not the active key", so an
interrupted rotation resumes where it stopped (``chengxin keys rotate --resume``). An old key may
be retired once no row uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.evidence.models import Evidence
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.ingestion.models import IngestRejection, rejection_aad
from chengxin.keys.keyring import Keyring
from chengxin.keys.sealed import aad_of
from chengxin.notifications.models import NotificationOutbox, body_aad
from chengxin.objections.models import Objection, Statement
from chengxin.records.models import CreditRecord, fields_aad
from chengxin.repair.models import RecordArchive, RepairApplication
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
    for step in (_subjects, *(sealed.reseal for sealed in _SEALED)):
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


@dataclass(frozen=True)
class _Sealed:
    """A table holding one sealed column: its key columns, the column, and how its AAD is made."""

    table: Table
    keys: tuple[str, ...]
    column: str
    aad: Callable[..., bytes]
    label: str

    def reseal(self, session: Session, ring: Keyring, active: str, batch: int) -> int:
        """Re-encrypt one batch of rows not under the active key; returns how many."""
        t = self.table.c
        key_columns = [t[k] for k in self.keys]
        rows = session.execute(
            select(*key_columns, t[self.column], t.key_id)
            .where(t.key_id.is_not(None), t.key_id != active)
            .order_by(*key_columns)
            .limit(batch)
            .with_for_update()
        ).all()
        if not rows:
            return 0
        params: list[dict[str, Any]] = []
        for *ids, ct, kid in rows:
            aad = self.aad(*ids)
            params.append(
                {
                    **{f"b_{k}": v for k, v in zip(self.keys, ids, strict=True)},
                    self.column: ring.encrypt(ring.decrypt(ct, aad, kid), aad, active),
                    "key_id": active,
                }
            )
        session.execute(
            update(self.table).where(and_(*(t[k] == bindparam(f"b_{k}") for k in self.keys))),
            params,
            execution_options={"synchronize_session": False},
        )
        _audit(session, active, self.label, len(rows), {row[-1] for row in rows})
        return len(rows)


def _sealed_row(model: Any, key: str, label: str) -> _Sealed:
    """A table sealed with ``keys.sealed`` (one ``sealed`` column bound to table and row)."""
    table = cast("Table", model.__table__)
    return _Sealed(table, (key,), "sealed", partial(aad_of, table.name), label)


_SEALED = (
    _Sealed(RECORD_TABLE, ("id",), "sealed_fields", fields_aad, "record"),
    _Sealed(REJECTION_TABLE, ("batch_id", "row_no"), "raw_ct", rejection_aad, "rejected-row"),
    _Sealed(OUTBOX_TABLE, ("id",), "body_ct", body_aad, "notification"),
    _sealed_row(Objection, "id", "objection"),
    _sealed_row(Statement, "id", "statement"),
    _sealed_row(RepairApplication, "id", "repair-application"),
    _sealed_row(RecordArchive, "record_id", "archived-record"),
    _sealed_row(Evidence, "id", "evidence"),
)


def keys_in_use(runtime: Runtime) -> dict[str, int]:
    """Sealed rows per data key (subjects, records, rejected rows, outbox messages): an old key
    can be retired once it holds none."""
    counts: dict[str, int] = {}
    with runtime.scope() as session:
        columns = (Subject.key_id, *(sealed.table.c.key_id for sealed in _SEALED))
        for column in columns:
            query = select(column, func.count()).where(column.is_not(None)).group_by(column)
            for key_id, count in session.execute(query):
                counts[key_id] = counts.get(key_id, 0) + count
    return counts
