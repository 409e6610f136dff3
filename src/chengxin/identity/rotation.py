"""Key rotation moved to ``chengxin.keys.rotation`` (issue 21): re-exports for its callers, and
the audit entries of a rotation's batches (``keys.events.DATA_REENCRYPTED``), subscribed by
:func:`install` — ``keys`` cannot import ``audit``, which imports ``keys``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin import events
from chengxin.audit import service as audit
from chengxin.keys.events import DATA_REENCRYPTED, DataReencrypted
from chengxin.keys.rotation import RotationResult, keys_in_use, reencrypt_all  # moved (issue 21)
from chengxin.security.actor import system_actor

__all__ = ["RotationResult", "audit_reencrypted", "install", "keys_in_use", "reencrypt_all"]


def audit_reencrypted(session: Session, done: DataReencrypted) -> None:
    """One audit entry per re-encrypted batch, in the batch's transaction."""
    audit.record(
        session,
        f"keys:{done.label}:reencrypt",
        actor=system_actor("keys-rotate"),
        object_type="keyring",
        object_id=done.active_key,
        data={"count": done.count, "from_keys": sorted(done.from_keys)},
    )


def install() -> None:
    """Record every rotation batch in the audit log (idempotent)."""
    events.subscribe(DATA_REENCRYPTED, audit_reencrypted)
