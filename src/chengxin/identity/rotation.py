"""Key rotation: re-encrypt subjects still under an old data key, batch by batch.

Each batch commits on its own and the work list is "rows whose key_id is not the active key",
so an interrupted rotation resumes where it stopped (``chengxin keys rotate --resume``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from chengxin.audit import service as audit
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

SUBJECT_TABLE = identity_service.SUBJECT_TABLE


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
    """Re-encrypt every subject not under the active key; ``max_batches`` stops early (tests)."""
    ring = runtime.keyring
    active = ring.active
    actor = system_actor("keys-rotate")
    total = batches = 0
    while max_batches is None or batches < max_batches:
        with runtime.scope() as session:
            subjects = list(
                session.execute(
                    select(Subject)
                    .where(Subject.key_id != active)
                    .order_by(Subject.id)
                    .limit(batch)
                    .with_for_update()
                ).scalars()
            )
            if not subjects:
                break
            params = [identity_service.reseal(ring, s, active) for s in subjects]
            session.execute(
                update(SUBJECT_TABLE)
                .where(SUBJECT_TABLE.c.id == bindparam("b_id"))
                .execution_options(synchronize_session=False),
                params,
            )
            audit.record(
                session,
                "keys:subject:reencrypt",
                actor=actor,
                object_type="keyring",
                object_id=active,
                data={"count": len(subjects), "from_keys": sorted({s.key_id for s in subjects})},
            )
        total += len(subjects)
        batches += 1
        if progress:
            progress(total)
    return RotationResult(reencrypted=total, active_key=active)


def keys_in_use(runtime: Runtime) -> dict[str, int]:
    """Subjects per data key: an old key can be retired once it holds none."""
    with runtime.scope() as session:
        rows = session.execute(select(Subject.key_id, func.count()).group_by(Subject.key_id))
        return {row[0]: row[1] for row in rows}
