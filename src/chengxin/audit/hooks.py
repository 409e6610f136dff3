"""The audit log's registrations (ADR 0038): called once by ``chengxin.wiring.install()``.

The Session listeners that tell the read paths whether a transaction may hand its entries to the
group-commit writer (``audit.service._writer_of``) are attached here, not by importing the
service; the writer refuses to start without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from chengxin import events
from chengxin.audit import service as audit_service
from chengxin.keys.events import DATA_REENCRYPTED, DataReencrypted
from chengxin.security.actor import system_actor

LISTENERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("after_begin", audit_service.on_begin),
    ("after_transaction_end", audit_service.on_transaction_end),
)


def audit_reencrypted(session: Session, done: DataReencrypted) -> None:
    """One audit entry per batch key rotation re-encrypted, in the batch's transaction (``keys``
    cannot import the audit log, which imports the keyring)."""
    audit_service.record(
        session,
        f"keys:{done.label}:reencrypt",
        actor=system_actor("keys-rotate"),
        object_type="keyring",
        object_id=done.active_key,
        data={"count": done.count, "from_keys": sorted(done.from_keys)},
    )


def install() -> None:
    """Attach the audit log's Session listeners and record key rotation's batches (idempotent)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    events.subscribe(DATA_REENCRYPTED, audit_reencrypted)


def installed() -> bool:
    """True once ``install()`` attached every listener."""
    return all(event.contains(Session, name, listener) for name, listener in LISTENERS)
