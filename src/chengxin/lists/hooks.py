"""What the lists subscribe to and what they tell the catalog (ADR 0038): installed by
``chengxin.wiring.install()``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin import events
from chengxin.catalog import references as catalog_references
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.records.events import RECORDS_WITHDRAWN, RecordsWithdrawn


def _records_withdrawn(session: Session, payload: RecordsWithdrawn) -> None:
    list_service.exit_for_records(session, payload.record_ids, actor=payload.actor, now=payload.now)


def _list_type_known(code: str) -> bool:
    return list_types.get(code) is not None


def install() -> None:
    """Entries resting only on withdrawn records exit with the decision, not at the next sweep;
    the catalog refuses a kind proposing a list that is no list type of ours."""
    events.subscribe(RECORDS_WITHDRAWN, _records_withdrawn)
    catalog_references.recognise_list_types(_list_type_known)
