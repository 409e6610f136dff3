"""What the lists subscribe to (ADR 0038): installed by ``chengxin.wiring.install()``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin import events
from chengxin.lists import service as list_service
from chengxin.records.events import RECORDS_WITHDRAWN, RecordsWithdrawn


def _records_withdrawn(session: Session, payload: RecordsWithdrawn) -> None:
    list_service.exit_for_records(session, payload.record_ids, actor=payload.actor, now=payload.now)


def install() -> None:
    """Entries resting only on withdrawn records exit with the decision, not at the next sweep."""
    events.subscribe(RECORDS_WITHDRAWN, _records_withdrawn)
